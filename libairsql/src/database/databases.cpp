// SPDX-License-Identifier: Apache-2.0
#include "airsql/databases.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "auth/access.hpp"
#include "auth/rate_limiter.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "database/database_patch.hpp"
#include "database/schema_facts.hpp"
#include "settings/server_settings_store.hpp"
#include "settings/settings_log.hpp"
#include "sql/script_execution.hpp"
#include "tables/metadata.hpp"

namespace airsql {

std::string_view to_string(visibility v) noexcept {
    return v == visibility::public_read ? "public" : "private";
}

namespace {

std::string file_name_for(std::string_view name) {
    std::string slug;
    for (unsigned char c : name) {
        if (std::isalnum(c)) {
            slug.push_back(static_cast<char>(std::tolower(c)));
        } else if (!slug.empty() && slug.back() != '-') {
            slug.push_back('-');
        }
    }
    while (!slug.empty() && slug.back() == '-') slug.pop_back();
    return (slug.empty() ? "database" : slug) + ".sqlite";
}

void check_name(const std::string& name) {
    auto n = std::count_if(name.begin(), name.end(),
                           [](unsigned char c) { return (c & 0xC0) != 0x80; });
    if (n < 1 || n > 100) throw error(errc::invalid_argument, "name must have 1–100 characters");
}

void check_environment(const std::optional<std::string>& env) {
    if (env && env->size() > 100) {
        throw error(errc::invalid_argument, "environment must have at most 100 characters");
    }
}

database_info info_of(engine::impl& e, const catalog::database_record& d) {
    database_info info;
    info.auditing = d.auditing;
    info.created_utc = d.created_utc;
    info.description = d.description;
    info.environment = d.environment;
    info.file_format = d.file_format;
    info.file_name = file_name_for(d.name);
    info.id = d.id;
    info.last_modified_utc = d.created_utc;
    info.location = d.location;
    info.name = d.name;
    info.owner = d.team_name;
    info.readonly_id = d.readonly_id;
    info.schema_locked = d.schema_locked;
    info.views_tab = d.views_tab;
    info.visibility = d.visibility;
    auto hosted = e.databases.open(d.id);
    auto conn = hosted->reader();
    database::fill_live_facts(*conn, hosted->file(), info);
    // The table order kept in the catalog (tables/metadata.hpp); unordered ones last.
    std::vector<std::string> names;
    for (const auto& t : info.tables) names.push_back(t.name);
    std::vector<table_info> ordered;
    for (const auto& name : tables::table_order(e, d.id, names)) {
        auto it = std::find_if(info.tables.begin(), info.tables.end(),
                               [&](const table_info& t) { return t.name == name; });
        ordered.push_back(std::move(*it));
    }
    info.tables = std::move(ordered);
    return info;
}

}  // namespace

create_database_response create_database(engine& eng, const principal& who,
                                         const create_database_request& request) {
    auto& e = eng.internals();
    // Without a session, where the server settings allow it: an anonymous database (public,
    // owned by airsql's system team, writable by whoever knows its id, expiring).
    bool anonymous =
        who.kind() == principal_kind::anonymous && settings::current(e)->anonymous_databases;
    catalog::team_record team;
    if (anonymous) {
        e.limiter.take(e.opts.anonymous_databases_per_address, "anonymous-database",
                       auth::address_key(who.client_address()),
                       "anonymous databases from this address");
        team.id = e.catalog.system_team_id(auth::anonymous_team_name);
        team.name = auth::anonymous_team_name;
    } else {
        if (request.team.empty() && who.kind() == principal_kind::user) {
            throw error(errc::invalid_argument, "field \"team\" is required");
        }
        team = auth::require_team_role(e, who, request.team, team_role::editor);
        settings::check_database_count(e, team);
    }
    check_name(request.name);
    auto format = request.file_format.value_or("sqlite");
    if (format != "sqlite" && format != "csv" && format != "sql") {
        throw error(errc::invalid_argument, "fileFormat must be \"sqlite\", \"csv\" or \"sql\"");
    }
    if (request.query && request.query->find('\0') != std::string::npos) {
        throw error(errc::invalid_argument, "query contains a NUL character");
    }
    if (request.query) {
        std::size_t chars = std::count_if(request.query->begin(), request.query->end(),
                                          [](unsigned char c) { return (c & 0xC0) != 0x80; });
        if (chars > e.opts.max_sql_length) {
            throw error(errc::invalid_argument,
                        fmt::format("query is too long ({} characters, maximum is {})", chars,
                                    e.opts.max_sql_length));
        }
    }

    catalog::database_record d;
    d.id = core::make_ulid();
    d.readonly_id = core::make_readonly_id();
    d.name = request.name;
    d.team_id = team.id;
    d.team_name = team.name;
    d.file_format = format;
    d.created_utc = core::now_iso_utc();
    d.ownership_utc = d.created_utc;
    if (anonymous) {
        d.visibility = visibility::public_read;
        d.expires_utc = core::to_iso_utc(core::now() + e.opts.anonymous_database_lifetime);
    }

    auto hosted = e.databases.create(d.id);
    try {
        if (request.query) {
            sql::check_script_text(e.opts, *request.query);
            auto settings = sql::script_settings_for(e.opts, sqlite::sql_rights::read_write);
            // A new database: nobody else can see it yet, and auditing starts switched off.
            auto conn = hosted->writer(audit::context::off());
            auto result = sql::execute_script(*conn, *request.query, settings);
            if (!result.errors.empty()) {
                throw error(errc::invalid_argument,
                            fmt::format("the query failed: {}", result.errors.front()));
            }
        }
        e.catalog.insert_database(d);
        // Its size cap depends on its record (team, plan): re-read at the next write.
        e.databases.limits_changed();
    } catch (...) {
        hosted.reset();
        e.databases.remove(d.id);
        throw;
    }
    if (anonymous) return {d.id, "", d.ownership_utc, d.readonly_id, d.expires_utc};
    return {d.id, team.name, d.ownership_utc, std::nullopt, std::nullopt};
}

database_list list_databases(engine& eng, const principal& who) {
    auto& e = eng.internals();
    std::vector<catalog::database_record> records;
    switch (who.kind()) {
        case principal_kind::user:
            records = e.catalog.databases_of_user(who.user_id());
            break;
        case principal_kind::token: {
            auto token = e.catalog.find_token(who.token_id());
            if (token) {
                for (const auto& p : token->permissions) {
                    if (auto d = e.catalog.find_database(p.db_id)) records.push_back(*d);
                }
            }
            break;
        }
        case principal_kind::readonly_link:
            if (auto d = e.catalog.find_database_by_readonly_id(who.readonly_id())) {
                records.push_back(*d);
            }
            break;
        case principal_kind::anonymous:
            throw error(errc::unauthenticated,
                        "sign in first (Authorization: Bearer <session token>)");
        case principal_kind::app_session:
            auth::require_user(who);  // refuses: an app's session lists nothing
    }
    database_list out;
    for (const auto& d : records) {
        auto info = info_of(e, d);
        // The read-only id grants reading: principals that may only write (write-only and
        // insert-only tokens) must not learn it. They keep the table list, which they need to
        // write and which GraphQL introspection shows them anyway.
        if (!auth::access_to(e, who, d).read) info.readonly_id.clear();
        out.databases.push_back(std::move(info));
    }
    out.number_of_databases = static_cast<std::int64_t>(out.databases.size());
    return out;
}

database_info get_database(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_read(db);
    return info_of(e, db.record);
}

namespace database {

catalog::database_record patched_record(engine::impl& e, const principal& who,
                                        const auth::resolved_database& db,
                                        const database_patch& patch, bool other_admin_fields) {
    auth::require_user(who);
    auto d = db.record;
    bool admin_change = patch.visibility || patch.owner || patch.auditing ||
                        patch.schema_locked || other_admin_fields;
    if (admin_change) {
        auth::require_manage(db);
    } else {
        auth::require_editor(db);
    }
    if (patch.name) {
        check_name(*patch.name);
        d.name = *patch.name;
    }
    if (patch.description) {
        if (*patch.description && (*patch.description)->size() > 100'000) {
            throw error(errc::invalid_argument, "description must have at most 100000 bytes");
        }
        d.description = patch.description->value_or("");
    }
    if (patch.environment) {
        check_environment(*patch.environment);
        d.environment = *patch.environment;
    }
    if (patch.location) d.location = *patch.location;
    if (patch.visibility) d.visibility = *patch.visibility;
    if (patch.auditing) d.auditing = *patch.auditing;
    if (patch.schema_locked) d.schema_locked = *patch.schema_locked;
    if (patch.views_tab) d.views_tab = *patch.views_tab;
    if (patch.owner && *patch.owner != d.team_name) {
        auto target = auth::require_team_role(e, who, *patch.owner, team_role::admin);
        settings::check_database_count(e, target);
        d.team_id = target.id;
        d.team_name = target.name;
        d.ownership_utc = core::now_iso_utc();
    }
    return d;
}

}  // namespace database

void update_database(engine& eng, const principal& who, std::string_view db_id,
                     const database_patch& patch) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auto d = database::patched_record(e, who, db, patch, false);
    e.catalog.update_database(d);
    // Another team may have another plan, so another size cap.
    if (d.team_id != db.record.team_id) e.databases.limits_changed();
    settings::log_settings_change(e, who, db.record, d, nullptr);
}

void delete_database(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_manage(db);
    e.catalog.delete_database(db.record.id);
    e.graphql_schemas.forget(db.record.id);
    e.databases.remove(db.record.id);
}

}  // namespace airsql
