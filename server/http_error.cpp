// SPDX-License-Identifier: Apache-2.0
#include "http_error.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <string>

#include "airsql/json.hpp"

namespace airsql::server {

int http_status(errc code) noexcept {
    // No default: a new errc without a status must not compile (-Werror=switch in CI builds
    // is not needed: every enumerator is listed and -Wswitch-enum flags omissions).
    switch (code) {
        case errc::invalid_argument:
            return 400;
        case errc::unauthenticated:
            return 401;
        case errc::permission_denied:
            return 403;
        case errc::not_found:
            return 404;
        case errc::already_exists:
            return 409;
        case errc::failed_precondition:
            return 409;
        case errc::payload_too_large:
            return 413;
        case errc::rate_limited:
            return 429;
        case errc::deadline_exceeded:
            return 504;
        case errc::resource_exhausted:
            return 507;
        case errc::unavailable:
            return 503;
        case errc::internal:
            return 500;
        case errc::would_block:
            return 503;  // never shown: the session retries such requests on the worker pool
    }
    return 500;
}

http_response error_response(int status, std::string_view code, std::string_view message) {
    boost::json::value body = {
        {"errors", boost::json::array{boost::json::object{{"message", message}, {"code", code}}}}};
    http_response res;
    res.status = status;
    res.body = airsql::to_json(body);
    if (status == 401) res.headers.emplace_back("WWW-Authenticate", "Bearer");
    return res;
}

http_response error_response(const error& e) {
    auto res = error_response(http_status(e.code()), to_string(e.code()), e.what());
    if (const auto* limited = dynamic_cast<const rate_limited_error*>(&e)) {
        res.headers.emplace_back(
            "Retry-After", std::to_string(std::max<long long>(1, limited->retry_after().count())));
    }
    return res;
}

}  // namespace airsql::server
