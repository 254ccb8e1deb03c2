// SPDX-License-Identifier: Apache-2.0
// The server-wide environment variables of functions, as stored.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "airsql/settings.hpp"
#include "core/engine_impl.hpp"

namespace airsql::functions {

/// The stored list (JSON in the catalog's server settings); empty when none.
std::vector<env_var> server_env(engine::impl& e);
std::vector<env_var> read_server_env(const std::optional<std::string>& text);

}  // namespace airsql::functions
