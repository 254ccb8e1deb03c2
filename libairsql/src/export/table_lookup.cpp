// SPDX-License-Identifier: Apache-2.0
#include "export/table_lookup.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "airsql/error.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql::exporting {

namespace {

bool equal_ascii_case_insensitive(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string upper_ascii(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

}  // namespace

table_facts find_table(sqlite::connection& conn, std::string_view name) {
    table_facts t;
    bool found = false;
    {
        auto st = conn.cached(
            "SELECT l.name, l.type, l.wr, m.sql FROM pragma_table_list l "
            "JOIN sqlite_schema m ON m.name = l.name AND m.type IN ('table', 'view') "
            "WHERE l.schema = 'main' AND l.type IN ('table', 'view', 'virtual') "
            "AND " AIRSQL_SQL_USER_TABLE("l.name") " "
            "ORDER BY m.rowid");
        while (st->step()) {
            auto candidate = st->text(0);
            bool exact = candidate == name;
            if (!exact && (found || !equal_ascii_case_insensitive(candidate, name))) continue;
            t.name = candidate;
            auto type = st->text(1);
            t.is_view = type == "view";
            t.is_virtual = type == "virtual";
            t.without_rowid = st->int64(2) != 0;
            t.sql = st->optional_text(3).value_or("");
            found = true;
            if (exact) break;
        }
    }
    if (!found) {
        throw error(errc::not_found, fmt::format("table \"{}\" does not exist", name));
    }
    {
        auto st = conn.cached(
            "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) "
            "WHERE hidden != 1 ORDER BY cid");
        st->bind(1, t.name);
        while (st->step()) {
            auto hidden = st->int64(5);
            t.columns.push_back(column_info{st->text(0), st->text(1), st->int64(2) != 0,
                                            st->int64(4) > 0, hidden == 2 || hidden == 3,
                                            st->optional_text(3)});
        }
    }
    if (!t.is_view && !t.without_rowid) {
        auto pk_count = std::count_if(t.columns.begin(), t.columns.end(),
                                      [](const column_info& c) { return c.primary_key; });
        auto pk = std::find_if(t.columns.begin(), t.columns.end(),
                               [](const column_info& c) { return c.primary_key; });
        if (!t.is_virtual && pk_count == 1 && upper_ascii(pk->declared_type) == "INTEGER") {
            t.rowid_column = pk->name;
        } else {
            t.rowid_column = "rowid";
        }
        // "rowid", "_rowid_" and "oid" all read the rowid unless a column takes the name.
        for (const char* alias : {"rowid", "_rowid_", "oid"}) {
            bool taken = std::any_of(t.columns.begin(), t.columns.end(), [&](const column_info& c) {
                return equal_ascii_case_insensitive(c.name, alias);
            });
            if (!taken) {
                t.rowid_expression = alias;
                break;
            }
        }
        if (t.rowid_expression.empty() && t.rowid_column != "rowid") {
            t.rowid_expression = sqlite::quote_identifier(*t.rowid_column);
        }
        if (t.rowid_expression.empty()) t.rowid_column.reset();
    }
    return t;
}

table_summary summary_of(const table_facts& t) {
    table_summary s;
    s.columns = t.columns;
    s.name = t.name;
    s.rowid_column_name = t.rowid_column;
    s.table_type = t.is_view ? "View" : "Table";
    return s;
}

}  // namespace airsql::exporting
