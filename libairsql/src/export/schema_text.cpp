// SPDX-License-Identifier: Apache-2.0
#include <sqlite3.h>

#include "airsql/export.hpp"
#include "export/reading.hpp"
#include "export/schema_lines.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/row_cursor.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql {

namespace exporting {

void append_schema_line(std::string& out, std::string_view sql) {
    std::string closed;
    if (sql.find("/*") != std::string_view::npos || sql.find("--") != std::string_view::npos) {
        for (const char* ending : {"", "*/", "\n"}) {
            std::string candidate = std::string(sql) + ending + ";";
            if (sqlite3_complete(candidate.c_str())) {
                candidate.pop_back();
                closed = std::move(candidate);
                sql = closed;
                break;
            }
        }
    }
    constexpr std::string_view create_table = "CREATE TABLE ";
    if (sql.size() > create_table.size() && sql.substr(0, create_table.size()) == create_table &&
        (sql[create_table.size()] == '"' || sql[create_table.size()] == '\'')) {
        out += "CREATE TABLE IF NOT EXISTS ";
        out += sql.substr(create_table.size());
    } else {
        out += sql;
    }
    out += ";\n";
}

}  // namespace exporting

namespace {

// The CLI's comment after a view or virtual table: its name and visible columns, each quoted
// only when needed ("v(a,b)"); empty when it has no columns SQLite can tell (a broken view).
std::string column_list_comment(sqlite::connection& conn, const std::string& name) {
    std::string list = sqlite::quote_if_needed(name);
    int columns = 0;
    try {
        sqlite::row_cursor info(conn, "SELECT name FROM pragma_table_info(?1)");
        info.bind(1, name);
        while (info.step()) {
            list += columns++ == 0 ? "(" : ",";
            list += sqlite::quote_if_needed(info.text(0));
        }
    } catch (const error&) {
        return {};
    }
    if (columns == 0) return {};
    return list + ")";
}

}  // namespace

std::string schema_text(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto reader = exporting::open_for_reading(e, who, db_id);
    auto& conn = *reader.conn;
    sqlite::transaction snapshot(conn, sqlite::transaction::kind::deferred);
    sqlite::deadline interrupt(conn, std::chrono::steady_clock::now() + e.opts.sql_timeout);
    std::string out;
    sqlite::row_cursor objects(conn,
                               "SELECT sql, type, name FROM sqlite_schema "
                               "WHERE sql IS NOT NULL AND type != 'meta' "
                               "AND " AIRSQL_SQL_NOT_AIRSQL_TABLE("tbl_name") " ORDER BY rowid");
    while (objects.step()) {
        std::string sql(objects.text(0));
        // The CLI adds the column list to views and virtual tables ("CREATE VIEW " and
        // "CREATE VIRTUAL TABLE " exactly as SQLite stores them).
        bool listed = sql.rfind("CREATE VIEW ", 0) == 0 || sql.rfind("CREATE VIRTUAL TABLE ", 0) == 0;
        if (listed) {
            auto comment = column_list_comment(conn, std::string(objects.text(2)));
            if (!comment.empty()) sql += "\n/* " + comment + " */";
        }
        exporting::append_schema_line(out, sql);
    }
    return out;
}

}  // namespace airsql
