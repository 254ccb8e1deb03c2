// SPDX-License-Identifier: Apache-2.0
// Beast's request to airsql's transport-neutral one. Included only by translation units that
// already use Beast (the session, and the router fuzzer that must convert exactly as it does).
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "http_types.hpp"

namespace airsql::server {

inline http_request to_request(boost::beast::http::request<boost::beast::http::string_body>&& req) {
    http_request out;
    out.method = std::string(req.method_string());
    out.target = std::string(req.target());
    out.headers.reserve(16);
    for (const auto& field : req) {
        out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(req.body());
    return out;
}

}  // namespace airsql::server
