// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

#include "airsql/error.hpp"
#include "http_types.hpp"

namespace airsql::server {

/// The HTTP status of each airsql error code. The one place where that mapping lives.
int http_status(errc code) noexcept;

/// `{"errors":[{"message":…,"code":…}]}` with the given status.
http_response error_response(int status, std::string_view code, std::string_view message);

/// The response for a library error.
http_response error_response(const error& e);

}  // namespace airsql::server
