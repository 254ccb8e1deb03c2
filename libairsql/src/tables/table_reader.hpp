// SPDX-License-Identifier: Apache-2.0
// Reading a table or view of a hosted database from SQLite itself (sqlite_master and the
// table_xinfo / index_list / index_info pragmas) into the admin API's shape.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/tables.hpp"
#include "core/engine_impl.hpp"
#include "sqlite/connection.hpp"
#include "tables/table_sql.hpp"

namespace airsql::tables {

/// A column as `pragma table_xinfo` reports it (hidden virtual-table columns left out).
struct live_column {
    std::string name;
    std::string type;
    bool not_null = false;
    std::int64_t pk = 0;
    std::optional<std::string> default_sql;
    std::int64_t hidden = 0;  // 2, 3: generated
};

/// A table or view with its columns.
struct live_table {
    std::string name;  // as stored
    bool is_view = false;
    bool without_rowid = false;
    std::string sql;
    std::vector<live_column> columns;

    const live_column* column(std::string_view n) const {
        for (const auto& c : columns) {
            if (ascii_lower(c.name) == ascii_lower(n)) return &c;
        }
        return nullptr;
    }
};

/// The table or view named `name` (ASCII case-insensitively), not SQLite's own.
std::optional<live_table> find_table(sqlite::connection& conn, std::string_view name);
/// Same, `not_found` when there is none.
live_table require_table(sqlite::connection& conn, std::string_view name);
/// Same, and `invalid_argument` for views, virtual tables and their shadow tables.
live_table require_plain_table(sqlite::connection& conn, std::string_view name);
/// Whether any table, view, index or trigger has the name.
bool object_exists(sqlite::connection& conn, std::string_view name);

/// One index of a table.
struct index_facts {
    std::string name;
    bool unique = false;
    bool partial = false;
    bool has_sql = false;              // explicit CREATE INDEX (not a constraint's autoindex)
    std::vector<std::string> columns;  // lower-case; "" for expressions
    std::string sql;
};

std::vector<index_facts> indexes_of(sqlite::connection& conn, const std::string& table);

/// Lower-case names of the columns that are unique on their own (single-column primary key,
/// UNIQUE constraint or non-partial unique index).
std::set<std::string> unique_columns(sqlite::connection& conn, const live_table& t);

/// The admin API's shape of `t`: columns in their stored order, the catalog's description,
/// the row count (under the SQL time limit) and the cell flag.
table_details describe_table(engine::impl& e, const std::string& db_id, sqlite::connection& conn,
                             const live_table& t);

}  // namespace airsql::tables
