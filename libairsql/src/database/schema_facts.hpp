// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include "airsql/databases.hpp"
#include "sqlite/connection.hpp"

namespace airsql::database {

/// The user tables and views of a database in `sqlite_master` order, without SQLite's own
/// tables and the shadow tables of virtual tables.
std::vector<table_info> read_tables(sqlite::connection& conn);

/// Fills the live facts of `info` (tables, sizes, versions, last modification) from the file.
void fill_live_facts(sqlite::connection& conn, const std::filesystem::path& file,
                     database_info& info);

}  // namespace airsql::database
