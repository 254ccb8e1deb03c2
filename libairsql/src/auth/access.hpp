// SPDX-License-Identifier: Apache-2.0
// The single authorization check: what a principal may do with a database or a team.
// Every library call that touches either goes through here.
#pragma once

#include <optional>
#include <string_view>

#include "airsql/principal.hpp"
#include "airsql/teams.hpp"
#include "catalog/catalog.hpp"
#include "core/engine_impl.hpp"

namespace airsql::auth {

/// The system team that owns anonymous databases (a name no user or team can take).
inline constexpr const char* anonymous_team_name = "(anonymous)";

/// What a principal may do with one database.
struct database_access {
    bool read = false;    ///< query data and schema
    bool insert = false;  ///< insert rows
    bool modify = false;  ///< update and delete rows
    bool schema = false;  ///< change tables, views, indexes (DDL)
    bool manage = false;  ///< settings that need a team Admin (visibility, owner, delete)
    bool any() const noexcept { return read || insert || modify || schema || manage; }
};

/// A database as a principal sees it.
struct resolved_database {
    catalog::database_record record;
    database_access access;
};

/// `who` as the catalog holds it now, for a long-lived connection that authenticated a while
/// ago: its session or token read again by id (a server admin flag may have changed).
/// `unauthenticated` when the session ended (logout, password change, expiry) or the token was
/// revoked or expired. Anonymous and read-only-link principals come back as they are (the
/// database lookup checks a read-only id).
principal refresh_principal(engine::impl& eng, const principal& who);

/// The strongest role in a list; nullopt for an empty list.
std::optional<team_role> strongest(const std::vector<team_role>& roles);

/// The role a principal holds in a team: server admins count as Admin everywhere; tokens and
/// anonymous callers hold none.
std::optional<team_role> role_in_team(engine::impl& eng, const principal& who,
                                      std::int64_t team_id);

/// What `who` may do with the database `record`.
database_access access_to(engine::impl& eng, const principal& who,
                          const catalog::database_record& record);

/// Looks the database up (by read-only id for `readonly_link` principals) and resolves the
/// caller's access. Throws `not_found` when it does not exist or the caller has no access at
/// all, so private databases cannot be probed.
resolved_database resolve_database(engine::impl& eng, const principal& who,
                                   std::string_view db_id);

/// The named capability, else `permission_denied` with a message naming what is missing.
void require_read(const resolved_database& db);
void require_manage(const resolved_database& db);

/// Editor-level rights over the database (team Editor or Admin, or a `write` token), else
/// `permission_denied`. For changes that are not schema changes (a database's name,
/// description, environment, viewsTab); callers that need a signed-in user check that too.
void require_editor(const resolved_database& db);

/// For every schema change (tables, columns, views, indexes, triggers; replacing the whole
/// database file): `require_editor`, then `require_schema_unlocked`. Rights are checked first,
/// so a caller without them learns nothing about the lock.
void require_schema(const resolved_database& db);

/// Passes unless the database's schema is locked (settings `schemaLocked`); then
/// `failed_precondition` (HTTP 409) with core::schema_locked_message. Doors that check rights
/// their own way and change the schema (e.g. an upload that replaces the database, which
/// needs `require_manage`) call this one directly.
void require_schema_unlocked(const resolved_database& db);

/// The team, if `who` holds at least `minimum` there. Unknown teams and teams the caller is not
/// a member of are `not_found`; members with a weaker role get `permission_denied`;
/// anonymous callers `unauthenticated`.
catalog::team_record require_team_role(engine::impl& eng, const principal& who,
                                       std::string_view team_name, team_role minimum);

/// Passes for signed-in users; `unauthenticated` for anonymous callers, `permission_denied` for
/// API tokens and read-only links.
void require_user(const principal& who);

}  // namespace airsql::auth
