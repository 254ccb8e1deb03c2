// SPDX-License-Identifier: Apache-2.0
#include "graphql_ws_protocol.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include "airsql/error.hpp"

namespace airsql::server::graphql_ws {

namespace {

constexpr std::size_t max_id_bytes = 256;

std::string quoted(std::string_view s) { return boost::json::serialize(boost::json::value(s)); }

}  // namespace

parse_outcome parse_client_message(std::string_view text) {
    parse_outcome out;
    boost::json::parse_options opts;
    opts.max_depth = 64;
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec, {}, opts);
    if (ec || !v.is_object()) {
        out.error = "Invalid message received: not a JSON object";
        return out;
    }
    const auto& o = v.get_object();
    const auto* type = o.if_contains("type");
    if (!type || !type->is_string()) {
        out.error = "Invalid message received: no \"type\"";
        return out;
    }
    client_message m;
    std::string_view t = type->get_string();
    if (t == "connection_init") {
        m.type = message_type::connection_init;
    } else if (t == "ping") {
        m.type = message_type::ping;
    } else if (t == "pong") {
        m.type = message_type::pong;
    } else if (t == "subscribe") {
        m.type = message_type::subscribe;
    } else if (t == "complete") {
        m.type = message_type::complete;
    } else {
        out.error = "Invalid message received: unknown type";
        return out;
    }
    if (const auto* p = o.if_contains("payload"); p && !p->is_null()) {
        if (!p->is_object()) {
            out.error = "Invalid message received: \"payload\" must be an object";
            return out;
        }
        m.payload = p->get_object();
        m.has_payload = true;
    }
    if (m.type == message_type::subscribe || m.type == message_type::complete) {
        const auto* id = o.if_contains("id");
        if (!id || !id->is_string() || id->get_string().empty() ||
            id->get_string().size() > max_id_bytes) {
            out.error = "Invalid message received: \"id\" must be a string of 1 to 256 bytes";
            return out;
        }
        m.id = std::string(id->get_string());
    }
    if (m.type == message_type::subscribe) {
        if (!m.has_payload) {
            out.error = "Invalid message received: subscribe needs a payload";
            return out;
        }
        try {
            m.request = boost::json::value_to<graphql_request>(boost::json::value(m.payload));
        } catch (const error& e) {
            out.error = std::string("Invalid message received: ") + e.what();
            return out;
        } catch (const std::exception&) {
            out.error = "Invalid message received: bad subscribe payload";
            return out;
        }
    }
    out.message = std::move(m);
    return out;
}

std::string simple_message(std::string_view type) { return "{\"type\":" + quoted(type) + "}"; }

std::string next_message(std::string_view id, std::string_view result_json) {
    std::string out = "{\"id\":" + quoted(id) + ",\"type\":\"next\",\"payload\":";
    out.reserve(out.size() + result_json.size() + 1);
    out += result_json;
    out += '}';
    return out;
}

std::string error_message(std::string_view id, std::string_view errors_json) {
    return "{\"id\":" + quoted(id) + ",\"type\":\"error\",\"payload\":" + std::string(errors_json) +
           "}";
}

std::string complete_message(std::string_view id) {
    return "{\"id\":" + quoted(id) + ",\"type\":\"complete\"}";
}

std::string errors_of(std::string_view response_json) {
    boost::system::error_code ec;
    auto v = boost::json::parse(response_json, ec);
    if (!ec && v.is_object()) {
        if (const auto* e = v.get_object().if_contains("errors"); e && e->is_array()) {
            return boost::json::serialize(*e);
        }
    }
    return "[]";
}

std::string message_errors(std::string_view message) {
    boost::json::array a;
    a.push_back(boost::json::object{{"message", message}});
    return boost::json::serialize(a);
}

}  // namespace airsql::server::graphql_ws
