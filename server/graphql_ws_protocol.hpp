// SPDX-License-Identifier: Apache-2.0
// The graphql-ws protocol (subprotocol `graphql-transport-ws`,
// https://github.com/enisdenjo/graphql-ws/blob/master/PROTOCOL.md): reading the client's
// messages and writing the server's. Plain C++ (no Beast): the socket lives in
// graphql_socket.cpp.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "airsql/graphql.hpp"

namespace airsql::server::graphql_ws {

inline constexpr std::string_view subprotocol = "graphql-transport-ws";

/// Close codes of the protocol, and airsql's own.
enum close_code : unsigned short {
    going_away = 1001,      ///< the server is stopping
    internal_error = 1011,  ///< unexpected failure
    bad_request = 4400,     ///< a message that is not a valid client message
    unauthorized = 4401,    ///< subscribe before connection_ack
    forbidden = 4403,       ///< credentials refused, expired, revoked, or access changed
    subprotocol_not_acceptable = 4406,
    init_timeout = 4408,       ///< no connection_init in time
    subscriber_exists = 4409,  ///< a subscribe with an id already in use
    too_many_inits = 4429,     ///< a second connection_init
    slow_consumer = 4413,      ///< airsql: the outgoing queue passed its cap
};

enum class message_type { connection_init, ping, pong, subscribe, complete };

struct client_message {
    message_type type = message_type::ping;
    std::string id;               ///< subscribe and complete
    boost::json::object payload;  ///< connection_init, ping, pong (optional), subscribe
    bool has_payload = false;
    graphql_request request;  ///< subscribe: the payload read as a GraphQL request
};

struct parse_outcome {
    std::optional<client_message> message;
    std::string error;  ///< why the text is not a client message (when message is empty)
};

/// Reads one text frame. Never throws: a bad message comes back with `error` (close 4400).
/// Ids are 1 to 256 bytes; JSON nests at most 64 deep.
parse_outcome parse_client_message(std::string_view text);

/// `{"type":"<type>"}` (connection_ack, pong).
std::string simple_message(std::string_view type);
/// `{"id":…,"type":"next","payload":<result>}`; `result_json` is an execution result.
std::string next_message(std::string_view id, std::string_view result_json);
/// `{"id":…,"type":"error","payload":<errors>}`; `errors_json` is a JSON array of errors.
std::string error_message(std::string_view id, std::string_view errors_json);
/// `{"id":…,"type":"complete"}`.
std::string complete_message(std::string_view id);

/// The `errors` array of a response body (`[]` when it has none).
std::string errors_of(std::string_view response_json);
/// `[{"message": message}]`.
std::string message_errors(std::string_view message);

}  // namespace airsql::server::graphql_ws
