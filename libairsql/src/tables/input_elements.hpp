// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string_view>

#include "airsql/tables.hpp"

namespace airsql::tables {

/// The bounds an Extra Type implies (INT_STARS 1–5, INT_PERCENT 0–100, …); nullopt for others.
std::optional<column_validations> validations_for(std::string_view declared_type);

}  // namespace airsql::tables
