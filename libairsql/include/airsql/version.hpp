// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string_view>

namespace airsql {

/// The library's version, "MAJOR.MINOR.PATCH".
std::string_view version() noexcept;

}  // namespace airsql
