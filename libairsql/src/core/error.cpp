// SPDX-License-Identifier: Apache-2.0
#include "airsql/error.hpp"

namespace airsql {

std::string_view to_string(errc code) noexcept {
    switch (code) {
        case errc::invalid_argument:
            return "invalid_argument";
        case errc::unauthenticated:
            return "unauthenticated";
        case errc::permission_denied:
            return "permission_denied";
        case errc::not_found:
            return "not_found";
        case errc::already_exists:
            return "already_exists";
        case errc::failed_precondition:
            return "failed_precondition";
        case errc::payload_too_large:
            return "payload_too_large";
        case errc::rate_limited:
            return "rate_limited";
        case errc::deadline_exceeded:
            return "deadline_exceeded";
        case errc::resource_exhausted:
            return "resource_exhausted";
        case errc::unavailable:
            return "unavailable";
        case errc::internal:
            return "internal";
        case errc::would_block:
            return "would_block";
    }
    return "internal";
}

}  // namespace airsql
