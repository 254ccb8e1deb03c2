// SPDX-License-Identifier: Apache-2.0
// Finding one user table or view of a hosted database by the name a caller gave.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/databases.hpp"
#include "airsql/export.hpp"
#include "sqlite/connection.hpp"

namespace airsql::exporting {

/// A user table or view and what the export and search code needs to know about it.
struct table_facts {
    std::string name;        ///< as SQLite spells it
    bool is_view = false;
    bool is_virtual = false;
    bool without_rowid = false;
    std::string sql;         ///< the CREATE statement from sqlite_schema
    std::vector<column_info> columns;  ///< visible columns (hidden virtual-table columns left out)
    /// The INTEGER PRIMARY KEY column aliasing the rowid, "rowid", or nullopt (no rowid).
    std::optional<std::string> rowid_column;
    /// An expression that reads the rowid even when a column is named "rowid" ("" without).
    std::string rowid_expression;
};

/// The user table or view named `name` (exact spelling first, else ASCII case-insensitively,
/// as SQLite resolves names). SQLite's own tables and virtual tables' shadow tables are not
/// user tables. `not_found` when there is none.
table_facts find_table(sqlite::connection& conn, std::string_view name);

/// The summary the table routes show (the row count is the caller's to fill in).
table_summary summary_of(const table_facts& t);

}  // namespace airsql::exporting
