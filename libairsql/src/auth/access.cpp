// SPDX-License-Identifier: Apache-2.0
#include "auth/access.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "airsql/error.hpp"
#include "core/schema_lock.hpp"

namespace airsql::auth {

namespace {

database_access access_for_role(team_role role) {
    switch (role) {
        case team_role::admin:
            return {true, true, true, true, true};
        case team_role::editor:
            return {true, true, true, true, false};
        case team_role::viewer:
            return {true, false, false, false, false};
    }
    return {};
}

database_access access_for_token(token_access a) {
    switch (a) {
        case token_access::read:
            return {true, false, false, false, false};
        case token_access::write:
            return {true, true, true, true, false};
        case token_access::writeonly:
            return {false, true, true, false, false};
        case token_access::insertonly:
            return {false, true, false, false, false};
    }
    return {};
}

[[noreturn]] void no_such_database(std::string_view id) {
    throw error(errc::not_found,
                fmt::format("Database \"{}\" does not exist or you have no access to it", id));
}

}  // namespace

std::optional<team_role> strongest(const std::vector<team_role>& roles) {
    if (roles.empty()) return std::nullopt;
    return *std::max_element(roles.begin(), roles.end());
}

std::optional<team_role> role_in_team(engine::impl& eng, const principal& who,
                                      std::int64_t team_id) {
    if (who.kind() != principal_kind::user) return std::nullopt;
    if (who.is_server_admin()) return team_role::admin;
    return strongest(eng.catalog.member_roles(team_id, who.user_id()));
}

database_access access_to(engine::impl& eng, const principal& who,
                          const catalog::database_record& record) {
    database_access public_access;
    public_access.read = record.visibility == visibility::public_read;
    // An app's session reaches its own database only (checked before the anonymous
    // databases' rule, which grants everything to whoever knows the id).
    if (who.kind() == principal_kind::app_session && who.db_scope() != record.id) return {};
    if (record.expires_utc && record.team_name == anonymous_team_name) {
        // An anonymous database: its id is the capability. Whoever knows it reads and writes
        // (schema too); nobody manages it (settings, deletion, moving): it expires.
        if (who.kind() == principal_kind::readonly_link) {
            return {who.readonly_id() == record.readonly_id, false, false, false, false};
        }
        return {true, true, true, true, false};
    }
    switch (who.kind()) {
        case principal_kind::anonymous:
            return public_access;
        case principal_kind::readonly_link:
            return {who.readonly_id() == record.readonly_id, false, false, false, false};
        case principal_kind::token: {
            auto perm = eng.catalog.token_access_for(who.token_id(), record.id);
            return perm ? access_for_token(*perm) : public_access;
        }
        case principal_kind::user: {
            auto role = role_in_team(eng, who, record.team_id);
            return role ? access_for_role(*role) : public_access;
        }
        case principal_kind::app_session: {
            // Nothing on any other database (not even public reading); on its own, the user's
            // rights of now, without the Admin-only ones.
            if (who.db_scope() != record.id) return {};
            auto role = who.is_server_admin()
                            ? std::optional<team_role>(team_role::admin)
                            : strongest(eng.catalog.member_roles(record.team_id, who.user_id()));
            auto access = role ? access_for_role(*role) : public_access;
            access.manage = false;
            return access;
        }
    }
    return {};
}

resolved_database resolve_database(engine::impl& eng, const principal& who,
                                   std::string_view db_id) {
    auto record = who.kind() == principal_kind::readonly_link
                      ? eng.catalog.find_database_by_readonly_id(db_id)
                      : eng.catalog.find_database(db_id);
    if (!record) no_such_database(db_id);
    auto access = access_to(eng, who, *record);
    if (!access.any()) no_such_database(db_id);
    return {std::move(*record), access};
}

void require_read(const resolved_database& db) {
    if (!db.access.read) {
        throw error(errc::permission_denied, "you may not read this database");
    }
}

void require_editor(const resolved_database& db) {
    if (!db.access.schema) {
        throw error(errc::permission_denied,
                    "changing this database needs the Editor or Admin role (or a write token)");
    }
}

void require_schema(const resolved_database& db) {
    require_editor(db);
    require_schema_unlocked(db);
}

void require_schema_unlocked(const resolved_database& db) {
    if (db.record.schema_locked) {
        throw error(errc::failed_precondition, core::schema_locked_message);
    }
}

void require_manage(const resolved_database& db) {
    if (!db.access.manage) {
        throw error(errc::permission_denied, "this needs the Admin role in the owning team");
    }
}

void require_user(const principal& who) {
    switch (who.kind()) {
        case principal_kind::user:
            return;
        case principal_kind::anonymous:
            throw error(errc::unauthenticated,
                        "sign in first (Authorization: Bearer <session token>)");
        case principal_kind::token:
        case principal_kind::readonly_link:
            throw error(errc::permission_denied,
                        "this needs a signed-in user; API tokens and read-only links cannot do it");
        case principal_kind::app_session:
            throw error(errc::permission_denied,
                        "this needs a signed-in user; an app's session reaches only its "
                        "database's data");
    }
}

catalog::team_record require_team_role(engine::impl& eng, const principal& who,
                                       std::string_view team_name, team_role minimum) {
    require_user(who);
    auto team = eng.catalog.find_team(team_name);
    auto role = team ? role_in_team(eng, who, team->id) : std::nullopt;
    if (!team || !role) {
        throw error(errc::not_found, fmt::format("team \"{}\" does not exist or you are not a "
                                                 "member",
                                                 team_name));
    }
    if (*role < minimum) {
        throw error(errc::permission_denied,
                    fmt::format("this needs the {} role in team \"{}\"", to_string(minimum),
                                team->name));
    }
    return *team;
}

}  // namespace airsql::auth
