// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <string_view>

namespace airsql::catalog {

/// The catalog's schema as numbered steps: step i (1-based) upgrades `PRAGMA user_version`
/// i-1 to i. Steps are append-only; a released step is never edited.
std::span<const std::string_view> migrations();

}  // namespace airsql::catalog
