// SPDX-License-Identifier: Apache-2.0
#include "files/cell_locator.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include "airsql/error.hpp"

namespace airsql::files {

namespace {

constexpr std::array<const char*, 3> rowid_names = {"rowid", "_rowid_", "oid"};

// SQLite compares identifiers case-insensitively in ASCII only.
bool same_name(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               auto lx = (x >= 'A' && x <= 'Z') ? static_cast<char>(x - 'A' + 'a') : x;
               auto ly = (y >= 'A' && y <= 'Z') ? static_cast<char>(y - 'A' + 'a') : y;
               return lx == ly;
           });
}

struct column_facts {
    std::string name;
    std::string declared_type;
    int pk = 0;      ///< position in the primary key, 0 when not part of it
    int hidden = 0;  ///< 2, 3: generated
};

struct table_facts {
    std::string name;
    std::vector<column_facts> columns;
};

table_facts read_table(sqlite::connection& conn, const std::string& wanted) {
    table_facts t;
    std::string type;
    bool without_rowid = false;
    {
        auto st = conn.cached(
            "SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main' "
            "AND name = ?1 COLLATE NOCASE AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
        st->bind(1, wanted);
        if (!st->step()) {
            throw error(errc::not_found, fmt::format("table \"{}\" does not exist", wanted));
        }
        t.name = st->text(0);
        type = st->text(1);
        without_rowid = st->int64(2) != 0;
    }
    if (type == "view") {
        throw error(errc::invalid_argument,
                    fmt::format("\"{}\" is a view; file cells live in tables", t.name));
    }
    if (type != "table") {
        throw error(errc::invalid_argument,
                    fmt::format("\"{}\" is a {} table; file cells live in ordinary tables",
                                t.name, type));
    }
    if (without_rowid) {
        throw error(errc::invalid_argument,
                    fmt::format("table \"{}\" is a WITHOUT ROWID table: its file cells cannot be "
                                "streamed (SQLite's incremental BLOB I/O needs a rowid)",
                                t.name));
    }
    auto st = conn.cached("SELECT name, type, pk, hidden FROM pragma_table_xinfo(?1) ORDER BY cid");
    st->bind(1, t.name);
    while (st->step()) {
        t.columns.push_back({st->text(0), st->text(1), static_cast<int>(st->int64(2)),
                             static_cast<int>(st->int64(3))});
    }
    return t;
}

const column_facts* find_column(const table_facts& t, std::string_view name) {
    for (const auto& c : t.columns) {
        if (same_name(c.name, name)) return &c;
    }
    return nullptr;
}

// How a query names the rowid: the first of rowid, _rowid_, oid that no column takes, else
// the INTEGER PRIMARY KEY column that aliases it.
std::optional<std::string> rowid_expression(const table_facts& t) {
    for (const char* n : rowid_names) {
        if (!find_column(t, n)) return std::string(n);
    }
    const column_facts* alias = nullptr;
    int pk_columns = 0;
    for (const auto& c : t.columns) {
        if (c.pk > 0) {
            ++pk_columns;
            alias = &c;
        }
    }
    if (pk_columns == 1 && same_name(alias->declared_type, "INTEGER")) {
        return sqlite::quote_identifier(alias->name);
    }
    return std::nullopt;
}

bool has_single_column_unique_index(sqlite::connection& conn, const table_facts& t,
                                    const std::string& column) {
    auto st = conn.cached(
        "SELECT 1 FROM pragma_index_list(?1) l WHERE l.\"unique\" AND NOT l.partial "
        "AND (SELECT count(*) FROM pragma_index_info(l.name)) = 1 "
        "AND (SELECT i.name FROM pragma_index_info(l.name) i) = ?2");
    st->bind(1, t.name).bind(2, column);
    return st->step();
}

// The SQL expression that compares the key, checked to address at most one row.
std::string key_expression(sqlite::connection& conn, const table_facts& t,
                           const std::string& rowid, std::string_view key_column) {
    if (const auto* c = find_column(t, key_column)) {
        int pk_columns = static_cast<int>(
            std::count_if(t.columns.begin(), t.columns.end(), [](auto& x) { return x.pk > 0; }));
        bool unique = (c->pk > 0 && pk_columns == 1) ||
                      has_single_column_unique_index(conn, t, c->name);
        if (!unique) {
            throw error(errc::invalid_argument,
                        fmt::format("column \"{}\" is neither the primary key of \"{}\" nor "
                                    "UNIQUE, so it cannot address one row; use rowid",
                                    c->name, t.name));
        }
        return sqlite::quote_identifier(c->name);
    }
    for (const char* n : rowid_names) {
        if (same_name(key_column, n)) return rowid;
    }
    throw error(errc::not_found,
                fmt::format("table \"{}\" has no column \"{}\"", t.name, key_column));
}

}  // namespace

located_cell locate_cell(sqlite::connection& conn, const file_cell& where) {
    auto t = read_table(conn, where.table);
    const auto* col = find_column(t, where.column);
    if (!col) {
        throw error(errc::not_found,
                    fmt::format("table \"{}\" has no column \"{}\"", t.name, where.column));
    }
    if (!is_file_column_type(col->declared_type)) {
        throw error(errc::invalid_argument,
                    fmt::format("column \"{}\" is not a file column: its declared type \"{}\" "
                                "does not start with BLOB",
                                col->name, col->declared_type));
    }
    if (col->hidden == 2 || col->hidden == 3) {
        throw error(errc::invalid_argument,
                    fmt::format("column \"{}\" is generated; it holds no uploaded file",
                                col->name));
    }
    auto rowid = rowid_expression(t);
    if (!rowid) {
        throw error(errc::invalid_argument,
                    fmt::format("the rows of \"{}\" cannot be addressed: its columns hide rowid, "
                                "_rowid_ and oid",
                                t.name));
    }
    auto key = key_expression(conn, t, *rowid, where.key_column);

    // The key is bound as text; comparing it with the column applies the column's affinity.
    auto st = conn.prepare(fmt::format("SELECT {}, typeof({}) FROM {} WHERE {} = ?1 LIMIT 2",
                                       *rowid, sqlite::quote_identifier(col->name),
                                       sqlite::quote_identifier(t.name), key));
    st.bind(1, where.key_value);
    auto description = fmt::format("{} = {}", where.key_column, where.key_value);
    if (!st.step()) {
        throw error(errc::not_found,
                    fmt::format("table \"{}\" has no row where {}", t.name, description));
    }
    located_cell out{t.name, col->name, st.int64(0), *rowid, sqlite::column_type::null,
                     description};
    auto type = st.text(1);
    out.value_type = type == "blob"      ? sqlite::column_type::blob
                     : type == "text"    ? sqlite::column_type::text
                     : type == "integer" ? sqlite::column_type::integer
                     : type == "real"    ? sqlite::column_type::real
                                         : sqlite::column_type::null;
    if (st.step()) {
        throw error(errc::invalid_argument,
                    fmt::format("several rows of \"{}\" match {}; address the row by rowid",
                                t.name, description));
    }
    return out;
}

}  // namespace airsql::files
