// SPDX-License-Identifier: Apache-2.0
// Finding one file cell from the names a URL carries: table, file column, key column, value.
#pragma once

#include <cstdint>
#include <string>

#include "airsql/files.hpp"
#include "sqlite/connection.hpp"

namespace airsql::files {

/// A file cell resolved against the live schema, with SQLite's own spelling of the names.
struct located_cell {
    std::string table;   ///< as in sqlite_master
    std::string column;  ///< as declared
    std::int64_t rowid = 0;
    /// How SQL names the rowid in this table: rowid, _rowid_, oid (the first that no column
    /// hides) or the quoted INTEGER PRIMARY KEY column.
    std::string rowid_sql;
    sqlite::column_type value_type = sqlite::column_type::null;  ///< what the cell holds now
    /// The value after the key lookup, for messages: `rowid = 7`.
    std::string description;
};

/// Resolves `where` on `conn` (inside the caller's transaction) and finds its row. Throws
/// `not_found` for a missing table, column, key column or row, and `invalid_argument` for
/// anything that cannot hold an addressable file cell (see `put_file`).
located_cell locate_cell(sqlite::connection& conn, const file_cell& where);

}  // namespace airsql::files
