// SPDX-License-Identifier: Apache-2.0
#include "tables/table_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "airsql/error.hpp"
#include "graphql/database_model.hpp"
#include "graphql/name_encoding.hpp"
#include "sqlite/confinement.hpp"
#include "tables/input_elements.hpp"
#include "tables/metadata.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql::tables {

using sqlite::quote_identifier;

namespace {
[[noreturn]] void bad(const std::string& message) { throw error(errc::invalid_argument, message); }
}  // namespace

std::optional<live_table> find_table(sqlite::connection& conn, std::string_view name) {
    live_table t;
    {
        auto st = conn.prepare(
            "SELECT name, type, coalesce(sql, '') FROM sqlite_master WHERE type IN ('table', "
            "'view') AND name = ? COLLATE NOCASE AND " AIRSQL_SQL_USER_TABLE("name"));
        st.bind(1, std::string(name));
        if (!st.step()) return std::nullopt;
        t.name = st.text(0);
        t.is_view = st.text(1) == "view";
        t.sql = st.text(2);
    }
    {
        auto st = conn.prepare(
            "SELECT name, type, \"notnull\", pk, dflt_value, hidden FROM pragma_table_xinfo(?) "
            "WHERE hidden != 1 ORDER BY cid");
        st.bind(1, t.name);
        while (st.step()) {
            t.columns.push_back({st.text(0), st.text(1), st.int64(2) != 0, st.int64(3),
                                 st.optional_text(4), st.int64(5)});
        }
    }
    if (!t.is_view) {
        auto st = conn.prepare("SELECT 1 FROM pragma_index_info(?)");
        st.bind(1, t.name);
        t.without_rowid = st.step();
    }
    return t;
}

live_table require_table(sqlite::connection& conn, std::string_view name) {
    auto t = find_table(conn, name);
    if (!t) throw error(errc::not_found, fmt::format("Table \"{}\" does not exist", name));
    return std::move(*t);
}

live_table require_plain_table(sqlite::connection& conn, std::string_view name) {
    auto t = require_table(conn, name);
    if (t.is_view) {
        bad(fmt::format("\"{}\" is a view: change it with SQL (DROP VIEW, CREATE VIEW)", t.name));
    }
    auto st = conn.prepare("SELECT type FROM pragma_table_list WHERE schema = 'main' AND name = ?");
    st.bind(1, t.name);
    if (!st.step() || st.text(0) != "table") {
        bad(
            fmt::format("\"{}\" is a virtual table (or belongs to one): its columns cannot be "
                        "changed",
                        t.name));
    }
    return t;
}

bool object_exists(sqlite::connection& conn, std::string_view name) {
    auto st = conn.prepare("SELECT 1 FROM sqlite_master WHERE name = ? COLLATE NOCASE");
    st.bind(1, std::string(name));
    return st.step();
}

std::vector<index_facts> indexes_of(sqlite::connection& conn, const std::string& table) {
    std::vector<index_facts> out;
    {
        auto st = conn.prepare(
            "SELECT l.name, l.\"unique\", l.partial, coalesce(m.sql, '') FROM pragma_index_list(?) "
            "l "
            "LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name");
        st.bind(1, table);
        while (st.step()) {
            index_facts f;
            f.name = st.text(0);
            f.unique = st.int64(1) != 0;
            f.partial = st.int64(2) != 0;
            f.sql = st.text(3);
            f.has_sql = !f.sql.empty();
            out.push_back(std::move(f));
        }
    }
    for (auto& f : out) {
        auto st = conn.prepare("SELECT coalesce(name, '') FROM pragma_index_info(?)");
        st.bind(1, f.name);
        while (st.step()) f.columns.push_back(ascii_lower(st.text(0)));
    }
    return out;
}

std::set<std::string> unique_columns(sqlite::connection& conn, const live_table& t) {
    std::set<std::string> out;
    if (t.is_view) return out;
    for (const auto& f : indexes_of(conn, t.name)) {
        if (f.unique && !f.partial && f.columns.size() == 1 && !f.columns[0].empty()) {
            out.insert(f.columns[0]);
        }
    }
    std::vector<std::string> pk;
    for (const auto& c : t.columns) {
        if (c.pk > 0) pk.push_back(ascii_lower(c.name));
    }
    if (pk.size() == 1) out.insert(pk[0]);
    return out;
}

namespace {

bool is_rowid_alias(const live_table& t, const live_column& c) {
    if (t.is_view || t.without_rowid || c.pk != 1) return false;
    auto pk_count = std::count_if(t.columns.begin(), t.columns.end(),
                                  [](const live_column& x) { return x.pk > 0; });
    std::string type = c.type;
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
    return pk_count == 1 && type == "INTEGER";
}

table_column describe_column(const live_table& t, const live_column& c,
                             const std::set<std::string>& unique,
                             const std::map<std::string, std::vector<std::string>>& items) {
    table_column out;
    out.name = c.name;
    out.sqlite_data_type = c.type;
    if (!graphql::encode_name(c.name).empty()) {
        out.gql_data_type = std::string(graphql::scalar_name(graphql::scalar_for(c.type)));
    }
    auto it = items.find(ascii_lower(c.name));
    if (it != items.end()) out.items = it->second;
    out.input_element = std::string(input_element_for(c.type, out.items.has_value()));
    out.is_generated = c.hidden == 2 || c.hidden == 3;
    out.is_primary_key = !t.is_view && c.pk > 0;
    out.is_non_null =
        !t.is_view && (c.not_null || is_rowid_alias(t, c) || (t.without_rowid && c.pk > 0));
    out.is_unique = !t.is_view && unique.count(ascii_lower(c.name)) > 0;
    // As the GraphQL API decides what an insert may leave out (graphql/database_model.cpp).
    bool gql_non_null = !t.is_view && (c.not_null || c.pk > 0);
    bool integer_key = !t.without_rowid && c.pk == 1 && ascii_lower(c.type).starts_with("int");
    out.is_omittable =
        integer_key || c.default_sql.has_value() || !gql_non_null || out.is_generated;
    out.validations = tables::validations_for(c.type);
    return out;
}

std::map<std::string, std::vector<std::string>> items_of(const live_table& t) {
    std::map<std::string, std::vector<std::string>> out;
    if (t.is_view) return out;
    for (auto& [column, values] : graphql::parse_select_options(t.sql)) out[column] = values;
    return out;
}

}  // namespace

table_details describe_table(engine::impl& e, const std::string& db_id, sqlite::connection& conn,
                             const live_table& t) {
    table_details d;
    d.name = t.name;
    d.table_type = t.is_view ? "View" : "Table";
    auto unique = unique_columns(conn, t);
    auto items = items_of(t);
    std::vector<std::string> live;
    for (const auto& c : t.columns) live.push_back(c.name);
    for (const auto& name : tables::column_order(e, db_id, t.name, live)) {
        d.columns.push_back(describe_column(t, *t.column(name), unique, items));
    }
    for (const auto& m : e.catalog.table_metadata(db_id)) {
        if (ascii_lower(m.name) == ascii_lower(t.name)) d.description = m.description;
    }
    if (!t.is_view && !t.without_rowid) {
        for (const char* candidate : {"rowid", "_rowid_", "oid"}) {
            if (!t.column(candidate)) {
                d.rowid_column_name = candidate;
                break;
            }
        }
    }
    {
        sqlite::deadline limit(conn, sqlite::deadline::clock::now() + e.opts.sql_timeout);
        auto st = conn.prepare("SELECT count(*) FROM " + quote_identifier(t.name));
        if (st.step()) d.number_of_rows = st.int64(0);
    }
    auto cells = static_cast<std::uint64_t>(d.number_of_rows) * d.columns.size();
    d.max_cell_limit_reached = cells > e.opts.table_cell_limit;
    return d;
}

}  // namespace airsql::tables
