// SPDX-License-Identifier: Apache-2.0
// Time as airsql writes it: ISO-8601 UTC with milliseconds and `Z`.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace airsql::core {

/// Millisecond precision: spans any date a user may type (nanoseconds end in 2262).
using time_point = std::chrono::sys_time<std::chrono::milliseconds>;

/// "2023-02-15T10:22:06.487Z".
std::string to_iso_utc(time_point t);
std::string now_iso_utc();
time_point now();

/// Parses "YYYY-MM-DDTHH:MM[:SS[.fff]](Z|+00:00)" or a bare date "YYYY-MM-DD" (midnight UTC).
std::optional<time_point> parse_iso_utc(std::string_view text);

}  // namespace airsql::core
