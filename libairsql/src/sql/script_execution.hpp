// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <string_view>

#include "airsql/options.hpp"
#include "airsql/sql.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/connection.hpp"

namespace airsql::sql {

struct script_settings {
    sqlite::sql_rights rights = sqlite::sql_rights::read_only;
    std::chrono::milliseconds timeout{20'000};
    std::size_t max_rows = 100'000;
    std::size_t max_bytes = 64u * 1024 * 1024;
    bool schema_locked = false;  ///< refuse scripts that change tables, views, indexes, triggers
    std::size_t max_memory = 0;  ///< SQLite memory the script may allocate (0: no cap)
    /// Most memory the schema may take after a script that changed it (options::max_schema_bytes).
    std::size_t max_schema_bytes = 16u * 1024 * 1024;
};

/// Settings for a user script from the engine's options (time, result and memory limits).
script_settings script_settings_for(const options& opts, sqlite::sql_rights rights);

/// Refuses SQL text longer than `opts.max_sql_length` code points or containing NUL
/// (`errc::invalid_argument`).
void check_script_text(const options& opts, std::string_view script);

/// Runs a user script on `conn` in one transaction (immediate for read-write rights) and
/// commits it only if every statement succeeded and no new table breaks airsql's rules
/// (WITHOUT ROWID, foreign keys to a rowid). Errors are reported in the result, never thrown,
/// except for failures of the connection itself. A script that needs more than
/// `settings.max_memory` of SQLite memory fails with an error saying so.
sql_result execute_script(sqlite::connection& conn, std::string_view script,
                          const script_settings& settings);

}  // namespace airsql::sql
