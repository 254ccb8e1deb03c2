// SPDX-License-Identifier: Apache-2.0
// Catalog rows of hosted databases.
#include <fmt/format.h>

#include "catalog/catalog.hpp"

namespace airsql::catalog {

namespace {

constexpr const char* database_columns =
    "d.id, d.readonly_id, d.name, d.description, d.team_id, t.name, d.visibility, "
    "d.environment, d.file_format, d.auditing, d.schema_locked, d.views_tab, d.location_lat, "
    "d.location_long, d.location_name, d.created_utc, d.ownership_utc, d.expires_utc";

database_record read_database(const sqlite::statement& st) {
    database_record d;
    d.id = st.text(0);
    d.readonly_id = st.text(1);
    d.name = st.text(2);
    d.description = st.text(3);
    d.team_id = st.int64(4);
    d.team_name = st.text(5);
    d.visibility = st.text(6) == "public" ? visibility::public_read : visibility::team_only;
    d.environment = st.optional_text(7);
    d.file_format = st.text(8);
    d.auditing = st.int64(9) != 0;
    d.schema_locked = st.int64(10) != 0;
    d.views_tab = st.int64(11) != 0;
    if (!st.is_null(12) && !st.is_null(13)) {
        d.location = location{st.real(12), st.real(13), st.optional_text(14).value_or("")};
    }
    d.created_utc = st.text(15);
    d.ownership_utc = st.text(16);
    d.expires_utc = st.optional_text(17);
    return d;
}

void bind_location(sqlite::statement& st, int first, const std::optional<location>& loc) {
    if (loc) {
        st.bind(first, loc->lat).bind(first + 1, loc->lng).bind(first + 2, loc->name);
    } else {
        st.bind_null(first).bind_null(first + 1).bind_null(first + 2);
    }
}

}  // namespace

void catalog::insert_database(const database_record& d) {
    auto w = writer_.acquire();
    auto st = w->cached(
        "INSERT INTO databases (id, readonly_id, name, description, team_id, visibility, "
        "environment, file_format, auditing, schema_locked, views_tab, location_lat, "
        "location_long, location_name, created_utc, ownership_utc, expires_utc) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st->bind(1, d.id)
        .bind(2, d.readonly_id)
        .bind(3, d.name)
        .bind(4, d.description)
        .bind(5, d.team_id)
        .bind(6, std::string(to_string(d.visibility)))
        .bind(7, d.environment)
        .bind(8, d.file_format)
        .bind(9, d.auditing ? 1 : 0)
        .bind(10, d.schema_locked ? 1 : 0)
        .bind(11, d.views_tab ? 1 : 0);
    bind_location(*st, 12, d.location);
    st->bind(15, d.created_utc).bind(16, d.ownership_utc).bind(17, d.expires_utc);
    st->run();
    wrote();
}

std::vector<database_record> catalog::read_databases(const std::string& where_sql,
                                                     const std::optional<std::int64_t>& param) {
    auto r = readers_.acquire();
    auto st = r->cached(fmt::format(
        "SELECT {} FROM databases d JOIN teams t ON t.id = d.team_id {} ORDER BY d.created_utc, "
        "d.id",
        database_columns, where_sql));
    if (param) st->bind(1, *param);
    std::vector<database_record> out;
    while (st->step()) out.push_back(read_database(*st));
    return out;
}

std::optional<database_record> catalog::find_database(std::string_view id) {
    std::string key(id);
    auto gen = generation();
    if (auto cached = databases_by_id_.get(key, gen)) return *cached;
    auto found = find_database_uncached(key);
    databases_by_id_.put(key, found, gen);
    return found;
}

std::optional<database_record> catalog::find_database_uncached(const std::string& id) {
    auto r = readers_.acquire();
    auto st = r->cached(fmt::format(
        "SELECT {} FROM databases d JOIN teams t ON t.id = d.team_id WHERE d.id = ?",
        database_columns));
    st->bind(1, std::string(id));
    if (!st->step()) return std::nullopt;
    return read_database(*st);
}

std::optional<database_record> catalog::find_database_by_readonly_id(
    std::string_view readonly_id) {
    std::string key(readonly_id);
    auto gen = generation();
    if (auto cached = databases_by_readonly_id_.get(key, gen)) return *cached;
    auto found = find_database_by_readonly_id_uncached(key);
    databases_by_readonly_id_.put(key, found, gen);
    return found;
}

std::optional<database_record> catalog::find_database_by_readonly_id_uncached(
    const std::string& readonly_id) {
    auto r = readers_.acquire();
    auto st = r->cached(fmt::format(
        "SELECT {} FROM databases d JOIN teams t ON t.id = d.team_id WHERE d.readonly_id = ?",
        database_columns));
    st->bind(1, std::string(readonly_id));
    if (!st->step()) return std::nullopt;
    return read_database(*st);
}

std::vector<database_record> catalog::databases_of_team(std::int64_t team_id) {
    return read_databases("WHERE d.team_id = ?", team_id);
}

std::vector<database_record> catalog::databases_of_user(std::int64_t user_id) {
    return read_databases(
        "WHERE d.team_id IN (SELECT team_id FROM team_members WHERE user_id = ?)", user_id);
}

void catalog::update_database(const database_record& d,
                              const std::vector<env_var_record>* env_vars) {
    auto w = writer_.acquire();
    sqlite::transaction tx(*w);
    auto st = w->cached(
        "UPDATE databases SET readonly_id = ?, name = ?, description = ?, team_id = ?, "
        "visibility = ?, environment = ?, file_format = ?, auditing = ?, schema_locked = ?, "
        "views_tab = ?, location_lat = ?, location_long = ?, location_name = ?, "
        "ownership_utc = ? WHERE id = ?");
    st->bind(1, d.readonly_id)
        .bind(2, d.name)
        .bind(3, d.description)
        .bind(4, d.team_id)
        .bind(5, std::string(to_string(d.visibility)))
        .bind(6, d.environment)
        .bind(7, d.file_format)
        .bind(8, d.auditing ? 1 : 0)
        .bind(9, d.schema_locked ? 1 : 0)
        .bind(10, d.views_tab ? 1 : 0);
    bind_location(*st, 11, d.location);
    st->bind(14, d.ownership_utc).bind(15, d.id);
    st->run();
    // Tokens of other teams lose their permission on a database that changed hands.
    auto drop = w->cached(
        "DELETE FROM token_permissions WHERE db_id = ? AND token_id IN "
        "(SELECT id FROM tokens WHERE team_id != ?)");
    drop->bind(1, d.id).bind(2, d.team_id);
    drop->run();
    if (env_vars) {
        {
            auto del = w->cached("DELETE FROM database_env_vars WHERE db_id = ?");
            del->bind(1, d.id);
            del->run();
        }
        for (const auto& v : *env_vars) {
            auto ins = w->cached(
                "INSERT INTO database_env_vars (db_id, name, value, created_utc) "
                "VALUES (?, ?, ?, ?)");
            ins->bind(1, d.id).bind(2, v.name).bind(3, v.value).bind(4, v.created_utc);
            ins->run();
        }
    }
    tx.commit();
    wrote();
}

void catalog::delete_database(std::string_view id) {
    auto w = writer_.acquire();
    auto st = w->cached("DELETE FROM databases WHERE id = ?");
    st->bind(1, std::string(id));
    st->run();
    wrote();
}

void catalog::rename_database(std::string_view id, std::string_view new_id) {
    auto w = writer_.acquire();
    std::vector<std::string> tables;
    {
        auto st = w->prepare(
            "SELECT m.name FROM sqlite_schema AS m, pragma_table_info(m.name) AS c "
            "WHERE m.type = 'table' AND c.name = 'db_id'");
        while (st.step()) tables.push_back(st.text(0));
    }
    w->exec("PRAGMA defer_foreign_keys = ON");
    sqlite::transaction tx(*w);
    {
        auto st = w->prepare("UPDATE databases SET id = ? WHERE id = ?");
        st.bind(1, std::string(new_id)).bind(2, std::string(id));
        st.run();
    }
    for (const auto& table : tables) {
        auto st = w->prepare(fmt::format("UPDATE {} SET db_id = ? WHERE db_id = ?",
                                         sqlite::quote_identifier(table)));
        st.bind(1, std::string(new_id)).bind(2, std::string(id));
        st.run();
    }
    tx.commit();
    wrote();
}

std::int64_t catalog::count_databases() {
    auto r = readers_.acquire();
    auto st = r->cached("SELECT count(*) FROM databases");
    return st->step() ? st->int64(0) : 0;
}

std::vector<std::string> catalog::expired_databases(std::string_view now) {
    auto r = readers_.acquire();
    auto st = r->cached(
        "SELECT id FROM databases WHERE expires_utc IS NOT NULL AND expires_utc <= ? LIMIT 1000");
    st->bind(1, std::string(now));
    std::vector<std::string> out;
    while (st->step()) out.push_back(st->text(0));
    return out;
}

std::int64_t catalog::system_team_id(std::string_view name) {
    auto w = writer_.acquire();
    {
        auto st = w->cached("SELECT id FROM teams WHERE name = ?");
        st->bind(1, std::string(name));
        if (st->step()) return st->int64(0);
    }
    auto st =
        w->cached("INSERT INTO teams (name, created_utc) VALUES (?, '1970-01-01T00:00:00.000Z')");
    st->bind(1, std::string(name));
    st->run();
    wrote();
    return w->last_insert_rowid();
}

}  // namespace airsql::catalog
