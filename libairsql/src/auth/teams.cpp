// SPDX-License-Identifier: Apache-2.0
#include "airsql/teams.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "airsql/databases.hpp"
#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "auth/access.hpp"
#include "core/clock.hpp"

namespace airsql {

std::string_view to_string(team_role role) noexcept {
    switch (role) {
        case team_role::viewer:
            return "Viewer";
        case team_role::editor:
            return "Editor";
        case team_role::admin:
            return "Admin";
    }
    return "Viewer";
}

namespace {

// Whose Admin role authorises a membership change: the caller's own, unless they are a server
// admin (who needs no team role).
std::optional<std::int64_t> acting_admin(const principal& who) {
    if (who.is_server_admin()) return std::nullopt;
    return who.user_id();
}

}  // namespace

team_info get_team(engine& eng, const principal& who, std::string_view team_name) {
    auto& e = eng.internals();
    auto team = auth::require_team_role(e, who, team_name, team_role::viewer);
    team_info info{team.billing, team.created_utc, {}, team.name};
    for (const auto& d : e.catalog.databases_of_team(team.id)) {
        info.databases.push_back(
            {d.environment, d.id, d.name, d.ownership_utc, std::string(to_string(d.visibility))});
    }
    return info;
}

team_members list_team_members(engine& eng, const principal& who, std::string_view team_name) {
    auto& e = eng.internals();
    auto team = auth::require_team_role(e, who, team_name, team_role::viewer);
    team_members out;
    for (auto& m : e.catalog.team_members(team.id)) {
        out.members.push_back({m.username, m.roles, m.created_utc});
    }
    return out;
}

void set_member_roles(engine& eng, const principal& who, std::string_view team_name,
                      std::string_view username, const member_roles_request& request) {
    auto& e = eng.internals();
    auto team = auth::require_team_role(e, who, team_name, team_role::admin);
    if (request.roles.empty()) {
        throw error(errc::invalid_argument,
                    "roles must name at least one of Admin, Editor, Viewer (to remove a member, "
                    "DELETE the membership)");
    }
    auto user = e.catalog.find_user(username);
    if (!user) throw error(errc::not_found, fmt::format("user \"{}\" does not exist", username));
    // The Admin checks are repeated inside the catalog's transaction: a concurrent change may
    // have demoted the caller or the team's other Admin since the checks above.
    e.catalog.change_member_roles(team.id, acting_admin(who), user->id, request.roles,
                                  core::now_iso_utc());
}

void remove_team_member(engine& eng, const principal& who, std::string_view team_name,
                        std::string_view username) {
    auto& e = eng.internals();
    auth::require_user(who);
    bool self = who.username() == username;
    auto team = auth::require_team_role(e, who, team_name, self ? team_role::viewer : team_role::admin);
    auto user = e.catalog.find_user(username);
    auto roles = user ? e.catalog.member_roles(team.id, user->id) : std::vector<team_role>{};
    if (roles.empty()) {
        throw error(errc::not_found,
                    fmt::format("\"{}\" is not a member of team \"{}\"", username, team.name));
    }
    e.catalog.change_member_roles(team.id, self ? std::nullopt : acting_admin(who), user->id, {},
                                  core::now_iso_utc());
}

}  // namespace airsql
