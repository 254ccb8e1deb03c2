// SPDX-License-Identifier: Apache-2.0
// GraphQL over streams: the graphql-ws protocol on a WebSocket, and graphql-sse's distinct
// connections mode (Server-Sent Events), on the GraphQL URLs. Subscriptions are the library's
// live queries (airsql/subscriptions.hpp); queries and mutations answer once.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "airsql/engine.hpp"
#include "connection_registry.hpp"
#include "http_server.hpp"
#include "http_types.hpp"

namespace airsql::server {

/// The open streams, so a stopping server can close them (WebSocket close 1001).
class open_streams {
  public:
    std::uint64_t add(std::function<void()> close_going_away);
    void remove(std::uint64_t id);
    void close_all();
    std::size_t size();

  private:
    std::mutex mutex_;
    std::uint64_t next_ = 0;
    std::map<std::uint64_t, std::function<void()>> open_;
};

struct stream_env {
    engine& eng;
    /// Runs a job on the worker pool, in the queue of `key`.
    std::function<void(std::string key, std::function<void()> job)> submit;
    stream_options opts;
    open_streams& streams;
    /// The client addresses' requests in progress (max_requests_per_address): a WebSocket's
    /// queries and mutations count while they wait for and run on the workers.
    request_limiter& requests;
};

/// The database a GraphQL URL names: `/dbs/<id>/graphql` or `/readonly/<id>/graphql`.
struct graphql_target {
    std::string db_id;
    bool readonly = false;
};
std::optional<graphql_target> graphql_target_of(std::string_view request_target);

/// Serves a WebSocket upgrade request on `stream` until the socket closes.
boost::asio::awaitable<void> serve_graphql_ws(
    boost::beast::tcp_stream& stream,
    boost::beast::http::request<boost::beast::http::string_body> upgrade, graphql_target target,
    stream_env& env, std::string queue_key, std::string client_address);

/// Whether a request asks for an event stream (graphql-sse, distinct connections mode).
bool wants_event_stream(const http_request& req, std::size_t max_document_bytes);

/// Answers a GraphQL POST as an event stream; the connection closes after it.
boost::asio::awaitable<void> serve_graphql_sse(boost::beast::tcp_stream& stream,
                                               http_request request, graphql_target target,
                                               stream_env& env, std::string queue_key);

}  // namespace airsql::server
