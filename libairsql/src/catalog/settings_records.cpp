// SPDX-License-Identifier: Apache-2.0
// Catalog rows of database settings that are not columns of `databases`: environment
// variables and the audit log.
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "catalog/catalog.hpp"

namespace airsql::catalog {

namespace {

bool env_var_exists(sqlite::connection& w, std::string_view db_id, std::string_view name) {
    auto st = w.cached("SELECT 1 FROM database_env_vars WHERE db_id = ? AND name = ?");
    st->bind(1, std::string(db_id)).bind(2, std::string(name));
    return st->step();
}

[[noreturn]] void no_such_variable(std::string_view name) {
    throw error(errc::not_found, fmt::format("there is no environment variable \"{}\"", name));
}

[[noreturn]] void variable_exists(std::string_view name) {
    throw error(errc::already_exists,
                fmt::format("an environment variable \"{}\" exists already", name));
}

}  // namespace

std::optional<std::string> catalog::server_setting(std::string_view key) {
    auto r = readers_.acquire();
    auto st = r->cached("SELECT value FROM server_settings WHERE key = ?");
    st->bind(1, std::string(key));
    if (!st->step()) return std::nullopt;
    return st->text(0);
}

void catalog::set_server_setting(std::string_view key, std::string_view value) {
    auto w = writer_.acquire();
    auto st = w->cached(
        "INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
        "SET value = excluded.value");
    st->bind(1, std::string(key)).bind(2, std::string(value));
    st->run();
    wrote();
}

std::vector<env_var_record> catalog::env_vars(std::string_view db_id) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT name, value, created_utc FROM database_env_vars WHERE db_id = ? ORDER BY name");
    st->bind(1, std::string(db_id));
    std::vector<env_var_record> out;
    while (st->step()) out.push_back({st->text(0), st->text(1), st->text(2)});
    return out;
}

void catalog::insert_env_var(std::string_view db_id, const env_var_record& var,
                             std::size_t max_count) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    if (env_var_exists(*w, db_id, var.name)) variable_exists(var.name);
    {
        auto st = w->cached("SELECT count(*) FROM database_env_vars WHERE db_id = ?");
        st->bind(1, std::string(db_id));
        if (st->step() && static_cast<std::size_t>(st->int64(0)) >= max_count) {
            throw error(errc::failed_precondition,
                        fmt::format("a database may have at most {} environment variables",
                                    max_count));
        }
    }
    auto st = w->cached(
        "INSERT INTO database_env_vars (db_id, name, value, created_utc) VALUES (?, ?, ?, ?)");
    st->bind(1, std::string(db_id)).bind(2, var.name).bind(3, var.value).bind(4, var.created_utc);
    st->run();
    tx.commit();
}

void catalog::update_env_var(std::string_view db_id, std::string_view name,
                             const std::optional<std::string>& new_name,
                             const std::optional<std::string>& new_value) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    if (!env_var_exists(*w, db_id, name)) no_such_variable(name);
    if (new_name && *new_name != name && env_var_exists(*w, db_id, *new_name)) {
        variable_exists(*new_name);
    }
    auto st = w->cached(
        "UPDATE database_env_vars SET name = coalesce(?, name), value = coalesce(?, value) "
        "WHERE db_id = ? AND name = ?");
    st->bind(1, new_name).bind(2, new_value).bind(3, std::string(db_id)).bind(4, std::string(name));
    st->run();
    tx.commit();
}

void catalog::delete_env_var(std::string_view db_id, std::string_view name) {
    auto w = writer_.acquire();
    auto st = w->cached("DELETE FROM database_env_vars WHERE db_id = ? AND name = ?");
    st->bind(1, std::string(db_id)).bind(2, std::string(name));
    st->run();
    if (w->changes() == 0) no_such_variable(name);
}

void catalog::append_audit(const std::vector<audit_row>& rows, bool synchronous_full) {
    if (rows.empty()) return;
    auto w = writer_.acquire();
    // The catalog's own writes stay FULL: switch back whatever happens below.
    struct synchronous_scope {
        sqlite::connection& conn;
        bool relaxed;
        synchronous_scope(sqlite::connection& c, bool relax) : conn(c), relaxed(relax) {
            if (relaxed) conn.exec("PRAGMA synchronous = NORMAL");
        }
        ~synchronous_scope() {
            if (!relaxed) return;
            try {
                conn.exec("PRAGMA synchronous = FULL");
            } catch (...) {
            }
        }
    } sync(*w, !synchronous_full);
    sqlite::transaction tx(*w);
    for (const auto& row : rows) {
        auto st = w->cached(
            "INSERT INTO audit_log (db_id, utc, principal, table_name, row_id, operation, "
            "old_values, new_values) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        st->bind(1, row.db_id)
            .bind(2, row.utc)
            .bind(3, row.principal)
            .bind(4, row.table_name)
            .bind(5, row.row_id)
            .bind(6, row.operation)
            .bind(7, row.old_values)
            .bind(8, row.new_values);
        st->run();
    }
    tx.commit();
    // No wrote(): nothing that the read caches hold changed.
}

std::vector<audit_row> catalog::read_audit(const audit_filter& f) {
    // Only the conditions in use, so SQLite can walk an index range (db_id, id < before)
    // instead of testing every entry of the database; at most 16 statement texts, each cached.
    std::string sql =
        "SELECT id, db_id, utc, principal, table_name, row_id, operation, old_values, new_values "
        "FROM audit_log WHERE db_id = ?";
    if (f.before) sql += " AND id < ?";
    if (f.table_name) sql += " AND table_name = ?";
    if (f.since) sql += " AND utc >= ?";
    if (f.until) sql += " AND utc < ?";
    sql += " ORDER BY id DESC LIMIT ?";
    auto r = readers_.acquire();
    auto st = r->cached(sql);
    int i = 1;
    st->bind(i++, f.db_id);
    if (f.before) st->bind(i++, *f.before);
    if (f.table_name) st->bind(i++, *f.table_name);
    if (f.since) st->bind(i++, *f.since);
    if (f.until) st->bind(i++, *f.until);
    st->bind(i, static_cast<std::int64_t>(f.limit));
    std::vector<audit_row> out;
    while (st->step()) {
        out.push_back({st->int64(0), st->text(1), st->text(2), st->text(3), st->optional_text(4),
                       st->optional_int64(5), st->text(6), st->optional_text(7),
                       st->optional_text(8)});
    }
    return out;
}

}  // namespace airsql::catalog
