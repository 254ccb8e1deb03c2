// SPDX-License-Identifier: Apache-2.0
// Validation of environment variables, shared by the database's and the server's.
#pragma once

#include <string>

#include "core/engine_impl.hpp"

namespace airsql::settings {

/// `invalid_argument` unless `name` is 1–128 letters, digits and underscores, not starting
/// with a digit.
void check_env_name(const std::string& name);

/// `invalid_argument` for a value over `options::max_env_var_value_bytes`, with NUL, or not
/// UTF-8. The message names the variable, never the value.
void check_env_value(const engine::impl& e, const std::string& name, const std::string& value);

}  // namespace airsql::settings
