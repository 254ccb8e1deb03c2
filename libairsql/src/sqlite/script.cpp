// SPDX-License-Identifier: Apache-2.0
#include "sqlite/script.hpp"

#include <sqlite3.h>

#include <fmt/format.h>
#include <memory>
#include <vector>

#include "airsql/error.hpp"

namespace airsql::sqlite {

namespace {

struct finalizer {
    void operator()(sqlite3_stmt* st) const noexcept { sqlite3_finalize(st); }
};
using stmt_ptr = std::unique_ptr<sqlite3_stmt, finalizer>;

std::string failure(sqlite3* h, const confinement& guard, int rc) {
    // Inside an inline_scope, a statement stopped by the budget or a lock runs again off the
    // I/O thread (whatever it read is discarded with the answer).
    if (stops_inline_work(rc)) throw error(errc::would_block, "run this script off the I/O thread");
    if (guard.timed_out() || (rc & 0xff) == SQLITE_INTERRUPT) {
        return "SQL query execution timed out: it ran longer than the time limit";
    }
    // SQLite reports a denial as SQLITE_AUTH, or as SQLITE_SCHEMA when the prepare was retried
    // after another connection changed the schema; its message is "not authorized" in both.
    std::string_view message = sqlite3_errmsg(h);
    if (!guard.denial().empty() &&
        ((rc & 0xff) == SQLITE_AUTH || message.starts_with("not authorized"))) {
        return fmt::format("not authorized: {}", guard.denial());
    }
    return std::string(message);
}

}  // namespace

bool is_single_read_only_statement(connection& conn, const confinement& guard,
                                   std::string_view script) {
    if (&guard.conn() != &conn) return false;
    sqlite3* h = conn.handle();
    sqlite3_stmt* raw = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(h, script.data(), static_cast<int>(script.size()), 0, &raw, &tail);
    stmt_ptr st(raw);
    if (rc != SQLITE_OK || !st || !sqlite3_stmt_readonly(st.get())) return false;
    // Nothing but whitespace and comments may follow.
    const char* end = script.data() + script.size();
    while (tail < end) {
        sqlite3_stmt* next = nullptr;
        const char* after = nullptr;
        rc = sqlite3_prepare_v3(h, tail, static_cast<int>(end - tail), 0, &next, &after);
        stmt_ptr n(next);
        if (rc != SQLITE_OK || n) return false;
        if (after == tail) break;
        tail = after;
    }
    return true;
}

std::optional<std::string> run_script(connection& conn, confinement& guard,
                                      std::string_view script, row_sink& sink) {
    sqlite3* h = conn.handle();
    const char* tail = script.data();
    const char* end = script.data() + script.size();
    std::vector<std::string> names;
    std::vector<cell> cells;
    while (tail < end) {
        sqlite3_stmt* raw = nullptr;
        const char* next = nullptr;
        conn.clear_alter_note();
        int rc = sqlite3_prepare_v3(h, tail, static_cast<int>(end - tail), 0, &raw, &next);
        stmt_ptr st(raw);
        if (rc != SQLITE_OK) return failure(h, guard, rc);
        if (next == tail) break;  // nothing left that SQLite would read (e.g. a NUL)
        tail = next;
        if (!st) continue;  // only whitespace or a comment
        if (guard.rights() == sql_rights::read_only && !sqlite3_stmt_readonly(st.get())) {
            return "not authorized: you have read-only access to this database";
        }
        bool altering = false;
        try {
            altering = conn.before_alter();
        } catch (const std::exception& ex) {
            return std::string("the database's event triggers could not be updated: ") + ex.what();
        }
        int n = sqlite3_column_count(st.get());
        if (n > 0) {
            names.clear();
            for (int i = 0; i < n; ++i) names.emplace_back(sqlite3_column_name(st.get(), i));
            sink.columns(names);
            cells.resize(static_cast<std::size_t>(n));
        }
        while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
            for (int i = 0; i < n; ++i) {
                auto& c = cells[static_cast<std::size_t>(i)];
                switch (sqlite3_column_type(st.get(), i)) {
                    case SQLITE_INTEGER:
                        c.type = column_type::integer;
                        c.integer = sqlite3_column_int64(st.get(), i);
                        break;
                    case SQLITE_FLOAT:
                        c.type = column_type::real;
                        c.real = sqlite3_column_double(st.get(), i);
                        break;
                    case SQLITE_TEXT:
                        c.type = column_type::text;
                        c.text = {reinterpret_cast<const char*>(sqlite3_column_text(st.get(), i)),
                                  static_cast<std::size_t>(sqlite3_column_bytes(st.get(), i))};
                        break;
                    case SQLITE_BLOB:
                        c.type = column_type::blob;
                        c.text = {static_cast<const char*>(sqlite3_column_blob(st.get(), i)),
                                  static_cast<std::size_t>(sqlite3_column_bytes(st.get(), i))};
                        break;
                    default:
                        c.type = column_type::null;
                        break;
                }
            }
            if (auto err = sink.row(cells)) return err;
        }
        if (rc != SQLITE_DONE) return failure(h, guard, rc);
        if (altering) {
            try {
                conn.after_alter();
            } catch (const std::exception& ex) {
                // Later changes of this script would miss their events: it fails as a whole.
                return std::string("the database's event triggers could not be updated: ") +
                       ex.what();
            }
        }
    }
    return std::nullopt;
}

}  // namespace airsql::sqlite
