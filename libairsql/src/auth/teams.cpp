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

namespace airsql {

namespace {

void check_team_name(const std::string& n) {
    auto ok_char = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == ' ' || c == '.' || c == '_' || c == '-';
    };
    if (n.size() < 2 || n.size() > 64 || !std::all_of(n.begin(), n.end(), ok_char) ||
        n.front() == ' ' || n.back() == ' ' || n.find("  ") != std::string::npos) {
        throw error(errc::invalid_argument,
                    "a team name must have 2–64 letters, digits, spaces, '.', '_' or '-', "
                    "without spaces at either end");
    }
}

void check_billing_email(const std::optional<std::string>& e) {
    if (!e) return;
    auto at = e->find('@');
    if (e->size() > 254 || at == std::string::npos || at == 0 ||
        e->find('@', at + 1) != std::string::npos || e->find('.', at) == std::string::npos ||
        std::any_of(e->begin(), e->end(),
                    [](char c) { return static_cast<unsigned char>(c) <= ' '; })) {
        throw error(errc::invalid_argument, "billing_email_address is not an email address");
    }
}

}  // namespace

team_info create_team(engine& eng, const principal& who, const create_team_request& request) {
    auth::require_user(who);
    check_team_name(request.name);
    auto& e = eng.internals();
    e.catalog.create_team(request.name, who.user_id(), core::now_iso_utc());
    return get_team(eng, who, request.name);
}

team_info update_team(engine& eng, const principal& who, std::string_view team_name,
                      const team_patch& patch) {
    auto& e = eng.internals();
    auto team = auth::require_team_role(e, who, team_name, team_role::admin);
    if ((patch.billing_plan || patch.billing_subscription_id) && !who.is_server_admin()) {
        throw error(errc::permission_denied,
                    "billing_plan and billing_subscription_id are set by billing events or "
                    "server admins");
    }
    if (patch.name) check_team_name(*patch.name);
    if (patch.billing_email_address) check_billing_email(*patch.billing_email_address);
    if (patch.billing_plan && *patch.billing_plan &&
        ((*patch.billing_plan)->empty() || (*patch.billing_plan)->size() > 64)) {
        throw error(errc::invalid_argument, "billing_plan must have 1–64 characters");
    }
    if (patch.name && *patch.name != team.name) {
        if (team.personal_user_id) {
            throw error(errc::failed_precondition, "a personal team keeps the name of its user");
        }
        e.catalog.rename_team(team.id, *patch.name);
        team.name = *patch.name;
    }
    if (patch.billing_email_address || patch.billing_plan || patch.billing_subscription_id) {
        auto b = team.billing.value_or(billing_info{});
        if (patch.billing_email_address) b.email_address = *patch.billing_email_address;
        if (patch.billing_plan) b.plan = *patch.billing_plan;
        if (patch.billing_subscription_id) b.subscription_id = *patch.billing_subscription_id;
        bool empty = !b.email_address && !b.plan && !b.subscription_id;
        e.catalog.set_team_billing(team.id, empty ? std::nullopt : std::optional(b));
        // The plan decides the size cap of the team's databases.
        if (patch.billing_plan) e.databases.limits_changed();
    }
    return get_team(eng, who, team.name);
}

void delete_team(engine& eng, const principal& who, std::string_view team_name,
                 bool delete_databases) {
    auto& e = eng.internals();
    auto team = auth::require_team_role(e, who, team_name, team_role::admin);
    if (team.personal_user_id) {
        throw error(errc::failed_precondition, "a personal team goes only with its user's account");
    }
    auto dbs = e.catalog.databases_of_team(team.id);
    if (!dbs.empty() && !delete_databases) {
        throw error(errc::failed_precondition,
                    fmt::format("team \"{}\" owns {} database(s): move or delete them first, or "
                                "ask for ?deleteDatabases=true",
                                team.name, dbs.size()));
    }
    for (const auto& d : dbs) {
        e.catalog.delete_database(d.id);
        e.graphql_schemas.forget(d.id);
        e.databases.remove(d.id);
    }
    e.catalog.delete_team(team.id);
}

}  // namespace airsql
