// SPDX-License-Identifier: Apache-2.0
#include "tables/rebuild.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include <algorithm>

#include "airsql/error.hpp"
#include "tables/table_sql.hpp"

namespace airsql::tables {

using sqlite::quote_identifier;

foreign_keys_off::foreign_keys_off(sqlite::connection& conn) : conn_(conn) {
    was_on_ = conn_.pragma_int("foreign_keys") != 0;
    if (was_on_) conn_.exec("PRAGMA foreign_keys = OFF");
}

foreign_keys_off::~foreign_keys_off() {
    if (!was_on_) return;
    try {
        conn_.exec("PRAGMA foreign_keys = ON");
    } catch (...) {
        // Only fails inside an open transaction, which the caller's RAII has ended.
    }
}

namespace {

struct schema_row {
    std::string type, name, table, sql;
};

std::vector<schema_row> schema_rows(sqlite::connection& conn) {
    auto st = conn.prepare(
        "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master "
        "WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid");
    std::vector<schema_row> out;
    while (st.step()) out.push_back({st.text(0), st.text(1), st.text(2), st.text(3)});
    return out;
}

std::optional<std::string> compile_error(sqlite::connection& conn, const std::string& sql) {
    try {
        conn.prepare(sql);
    } catch (const error& e) {
        return std::string(e.what());
    }
    return std::nullopt;
}

std::vector<std::string> writable_columns(sqlite::connection& conn, const std::string& table) {
    auto st = conn.prepare("SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0");
    st.bind(1, table);
    std::vector<std::string> out;
    while (st.step()) out.push_back(st.text(0));
    return out;
}

// The statement that fires a trigger of this event on `table`.
std::string firing_statement(sqlite::connection& conn, const std::string& table,
                             std::string_view event) {
    auto q = quote_identifier(table);
    if (event == "insert") return "INSERT INTO " + q + " DEFAULT VALUES";
    if (event == "delete") return "DELETE FROM " + q;
    std::string set;
    for (const auto& c : writable_columns(conn, table)) {
        set += (set.empty() ? "" : ", ") + quote_identifier(c) + " = " + quote_identifier(c);
    }
    return set.empty() ? std::string() : "UPDATE " + q + " SET " + set;
}

std::string trigger_event(const std::string& sql) {
    for (const auto& t : tokenize(sql)) {
        for (const char* e : {"insert", "update", "delete"}) {
            if (is_keyword(t, e)) return e;
        }
    }
    return "insert";
}

}  // namespace

namespace {

// While alive, double-quoted names must name something: SQLite otherwise reads a name that no
// longer resolves ("shade" after the column is gone) as a string literal, and a broken view
// would still compile.
class strict_quotes {
  public:
    explicit strict_quotes(sqlite::connection& conn) : h_(conn.handle()) {
        sqlite3_db_config(h_, SQLITE_DBCONFIG_DQS_DML, -1, &dml_);
        sqlite3_db_config(h_, SQLITE_DBCONFIG_DQS_DDL, -1, &ddl_);
        sqlite3_db_config(h_, SQLITE_DBCONFIG_DQS_DML, 0, nullptr);
        sqlite3_db_config(h_, SQLITE_DBCONFIG_DQS_DDL, 0, nullptr);
    }
    ~strict_quotes() {
        sqlite3_db_config(h_, SQLITE_DBCONFIG_DQS_DML, dml_, nullptr);
        sqlite3_db_config(h_, SQLITE_DBCONFIG_DQS_DDL, ddl_, nullptr);
    }
    strict_quotes(const strict_quotes&) = delete;
    strict_quotes& operator=(const strict_quotes&) = delete;

  private:
    sqlite3* h_;
    int dml_ = 1;
    int ddl_ = 1;
};

}  // namespace

std::set<broken_object> broken_objects(sqlite::connection& conn, const std::string& also_table) {
    strict_quotes strict(conn);
    std::set<broken_object> out;
    for (const auto& row : schema_rows(conn)) {
        if (row.type == "view") {
            if (auto e = compile_error(conn, "SELECT * FROM " + quote_identifier(row.name))) {
                out.insert({"view", row.name, *e});
            }
        } else if (row.type == "trigger") {
            auto sql = firing_statement(conn, row.table, trigger_event(row.sql));
            if (sql.empty()) continue;
            if (auto e = compile_error(conn, sql)) out.insert({"trigger", row.name, *e});
        }
    }
    if (!also_table.empty()) {
        for (const char* event : {"insert", "update", "delete"}) {
            auto sql = firing_statement(conn, also_table, event);
            if (sql.empty()) continue;
            if (auto e = compile_error(conn, sql)) {
                out.insert({"table", also_table, *e});
                break;
            }
        }
    }
    return out;
}

void refuse_newly_broken(const std::set<broken_object>& before,
                         const std::set<broken_object>& after) {
    // Every newly broken object, views first, then triggers, then the table itself.
    std::string message;
    for (const char* kind : {"view", "trigger", "table"}) {
        for (const auto& b : after) {
            if (b.kind != kind || before.count(b)) continue;
            if (!message.empty()) message += "; ";
            if (b.kind == "table") {
                message += fmt::format("table \"{}\" could not be written any more: {}", b.name,
                                       b.message);
            } else {
                message +=
                    fmt::format("{} \"{}\" would no longer work: {}", b.kind, b.name, b.message);
            }
        }
    }
    if (!message.empty()) throw error(errc::failed_precondition, "refused: " + message);
}

void check_foreign_keys(sqlite::connection& conn) {
    try {
        auto st = conn.prepare("PRAGMA foreign_key_check");
        if (st.step()) {
            auto child = st.text(0);
            auto rowid = st.is_null(1) ? std::string("?") : std::to_string(st.int64(1));
            auto parent = st.text(2);
            throw error(errc::failed_precondition,
                        fmt::format("FOREIGN KEY constraint failed: row {} of table \"{}\" "
                                    "references a missing row of table \"{}\"",
                                    rowid, child, parent));
        }
    } catch (const error& e) {
        if (e.code() == errc::failed_precondition) throw;
        throw error(errc::failed_precondition, e.what());  // "foreign key mismatch - …"
    }
}

namespace {

bool has_rowid(sqlite::connection& conn, const std::string& table) {
    auto st = conn.prepare("SELECT 1 FROM pragma_index_info(?)");  // rows for WITHOUT ROWID
    st.bind(1, table);
    return !st.step();
}

// A rowid alias of the new table holds the rowids already; else a name that reaches the rowid
// in both tables (a real column may take "rowid").
std::optional<std::string> rowid_name(sqlite::connection& conn, const std::string& old_table,
                                      const std::string& new_table) {
    if (!has_rowid(conn, old_table) || !has_rowid(conn, new_table)) return std::nullopt;
    {
        auto st = conn.prepare(
            "SELECT count(*), max(upper(type)) FROM pragma_table_info(?) WHERE pk > 0");
        st.bind(1, new_table);
        if (st.step() && st.int64(0) == 1 && st.text(1) == "INTEGER") return std::nullopt;
    }
    for (const char* candidate : {"rowid", "_rowid_", "oid"}) {
        bool taken = false;
        for (const auto& t : {old_table, new_table}) {
            auto st =
                conn.prepare("SELECT 1 FROM pragma_table_xinfo(?) WHERE name = ? COLLATE NOCASE");
            st.bind(1, t).bind(2, std::string(candidate));
            taken = taken || st.step();
        }
        if (!taken) return std::string(candidate);
    }
    return std::nullopt;
}

std::string free_table_name(sqlite::connection& conn, const std::string& table) {
    for (int i = 0;; ++i) {
        auto name = "airsql_rebuild_" + std::to_string(i) + "_" + table;
        auto st = conn.prepare("SELECT 1 FROM sqlite_master WHERE name = ? COLLATE NOCASE");
        st.bind(1, name);
        if (!st.step()) return name;
    }
}

// Runs one statement of generated DDL (prepare: exactly one statement, never a script).
void run(sqlite::connection& conn, const std::string& sql) { conn.prepare(sql).run(); }

}  // namespace

void rebuild_table(sqlite::connection& conn, const std::string& table, const rebuild_plan& plan) {
    // 3. Remember the indexes and triggers of the table, and the views and triggers elsewhere
    // that name it (they would stop the rename in step 7 while the table does not exist).
    auto rows = schema_rows(conn);
    auto before = broken_objects(conn, table);
    std::vector<schema_row> recreate;
    std::vector<schema_row> dependents;
    std::vector<bool> taken(rows.size(), false);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        if (r.sql.empty() || ascii_lower(r.name) == ascii_lower(table)) continue;
        bool own = ascii_lower(r.table) == ascii_lower(table);
        if (own && (r.type == "index" || r.type == "trigger")) {
            taken[i] = true;
            if (!plan.dropped_indexes.count(ascii_lower(r.name))) recreate.push_back(r);
        }
    }
    // Views and triggers naming the table, or naming a view that does (transitively).
    std::vector<std::string> named = {table};
    for (bool grew = true; grew;) {
        grew = false;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& r = rows[i];
            if (taken[i] || r.sql.empty() || (r.type != "view" && r.type != "trigger")) continue;
            bool uses = std::any_of(named.begin(), named.end(),
                                    [&](const std::string& n) { return mentions(r.sql, n); });
            if (!uses) continue;
            taken[i] = grew = true;
            dependents.push_back(r);
            recreate.push_back(r);
            if (r.type == "view") named.push_back(r.name);
        }
    }
    // Drop in reverse schema order: a view before the views it reads.
    std::sort(dependents.begin(), dependents.end(), [&](const schema_row& a, const schema_row& b) {
        auto pos = [&](const schema_row& r) {
            return std::find_if(
                       rows.begin(), rows.end(),
                       [&](const schema_row& x) { return x.name == r.name && x.type == r.type; }) -
                   rows.begin();
        };
        return pos(a) < pos(b);
    });
    std::optional<std::int64_t> sequence;
    {
        auto exists = conn.prepare("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'");
        if (exists.step()) {
            auto st = conn.prepare("SELECT seq FROM sqlite_sequence WHERE name = ?");
            st.bind(1, table);
            if (st.step()) sequence = st.int64(0);
        }
    }
    for (auto it = dependents.rbegin(); it != dependents.rend(); ++it) {
        run(conn, fmt::format("DROP {} {}", it->type == "view" ? "VIEW" : "TRIGGER",
                              quote_identifier(it->name)));
    }
    // 4. The new table.
    auto fresh = free_table_name(conn, table);
    std::string body;
    for (const auto& e : plan.elements) body += (body.empty() ? "" : ", ") + e;
    run(conn, "CREATE TABLE " + quote_identifier(fresh) + " (" + body + plan.tail);
    // 5. The rows, with their rowids.
    std::string into;
    std::string from;
    if (auto rowid = rowid_name(conn, table, fresh)) {
        into = *rowid;
        from = *rowid;
    }
    for (const auto& [to, source] : plan.copy) {
        into += (into.empty() ? "" : ", ") + quote_identifier(to);
        from += (from.empty() ? "" : ", ") + quote_identifier(source);
    }
    if (!into.empty()) {
        try {
            run(conn, "INSERT INTO " + quote_identifier(fresh) + " (" + into + ") SELECT " + from +
                          " FROM " + quote_identifier(table));
        } catch (const error& e) {
            std::string message = e.what();
            if (message.find("constraint failed") != std::string::npos ||
                message.find("datatype mismatch") != std::string::npos) {
                throw error(e.code() == errc::already_exists ? errc::already_exists
                                                             : errc::failed_precondition,
                            "the existing rows do not fit the change: " + message);
            }
            throw;
        }
    }
    // 6., 7. Swap.
    run(conn, "DROP TABLE " + quote_identifier(table));
    run(conn, "ALTER TABLE " + quote_identifier(fresh) + " RENAME TO " + quote_identifier(table));
    // 8., 9. Indexes, triggers, views, in their original order.
    std::stable_sort(recreate.begin(), recreate.end(),
                     [&](const schema_row& a, const schema_row& b) {
                         auto pos = [&](const schema_row& r) {
                             return std::find_if(rows.begin(), rows.end(),
                                                 [&](const schema_row& x) {
                                                     return x.name == r.name && x.type == r.type;
                                                 }) -
                                    rows.begin();
                         };
                         return pos(a) < pos(b);
                     });
    for (const auto& r : recreate) {
        try {
            run(conn, r.sql);
        } catch (const error& e) {
            throw error(errc::failed_precondition,
                        fmt::format("{} \"{}\" cannot be kept: {}", r.type, r.name, e.what()));
        }
    }
    if (sequence) {
        auto st = conn.prepare("UPDATE sqlite_sequence SET seq = max(seq, ?) WHERE name = ?");
        st.bind(1, *sequence).bind(2, table);
        st.run();
    }
    // 10. Nothing that worked before may break, and foreign keys must hold.
    refuse_newly_broken(before, broken_objects(conn, table));
    check_foreign_keys(conn);
}

}  // namespace airsql::tables
