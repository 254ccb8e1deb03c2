// SPDX-License-Identifier: Apache-2.0
// Library-internal side of the server settings: loading them when an engine starts, and the
// limits that follow from them for one team or database.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "airsql/server_settings.hpp"
#include "catalog/catalog.hpp"
#include "core/engine_impl.hpp"

namespace airsql::settings {

/// The settings of an instance that never stored any (from its options).
server_settings defaults(const options& opts);

/// The stored settings applied over the defaults (stored settings that no longer validate are
/// ignored with a message on stderr).
std::shared_ptr<const server_settings> load_server_settings(engine::impl& e);

/// The current settings (as `current_server_settings`), from library code.
std::shared_ptr<const server_settings> current(engine::impl& e);

/// The limits that apply to a team: its plan's (where set), else the server's.
team_limits limits_for_team(engine::impl& e, const catalog::team_record& team);

/// The size cap of one database: its team's `max_database_bytes`, at most the engine's.
std::uint64_t max_database_bytes_for(engine::impl& e, std::string_view db_id);

/// `failed_precondition` when the team already owns as many databases as its limits allow
/// (`adding` more would pass it).
void check_database_count(engine::impl& e, const catalog::team_record& team,
                          std::int64_t adding = 1);

}  // namespace airsql::settings
