// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/patch.hpp"

namespace airsql {

class engine;
class principal;

/// Roles a team member may hold, weakest first. A member holds a list; the strongest applies.
/// Viewer reads; Editor also changes data and schema, creates databases, functions, charts;
/// Admin also manages members, tokens, billing and deletes databases.
enum class team_role { viewer, editor, admin };

/// "Viewer", "Editor", "Admin".
std::string_view to_string(team_role role) noexcept;

/// Billing details of a team (null in JSON when the team has none).
struct billing_info {
    std::optional<std::string> email_address;
    std::optional<std::string> plan;
    std::optional<std::int64_t> subscription_id;
    bool operator==(const billing_info&) const = default;
};

/// A team as listed in login and user responses.
struct team_summary {
    std::optional<billing_info> billing;
    std::string name;
    std::int64_t number_of_databases = 0;
    bool operator==(const team_summary&) const = default;
};

/// A database as listed in a team.
struct team_database {
    std::optional<std::string> environment;
    std::string id;
    std::string name;
    std::string ownership_utc;
    std::string visibility;
    bool operator==(const team_database&) const = default;
};

/// `GET /api/teams/:teamName`.
struct team_info {
    std::optional<billing_info> billing;
    std::string created_utc;
    std::vector<team_database> databases;
    std::string name;
    bool operator==(const team_info&) const = default;
};

struct team_member {
    std::string username;
    std::vector<team_role> roles;
    std::string created_utc;
    bool operator==(const team_member&) const = default;
};

/// `GET /api/teams/:teamName/members`.
struct team_members {
    std::vector<team_member> members;
    bool operator==(const team_members&) const = default;
};

/// `PATCH /api/teams/:teamName/members/:username` body.
struct member_roles_request {
    std::vector<team_role> roles;
    bool operator==(const member_roles_request&) const = default;
};

/// `POST /api/teams` body.
struct create_team_request {
    std::string name;  ///< 2–64 of letters, digits, space, '.', '_', '-'; no space at the ends
    bool operator==(const create_team_request&) const = default;
};

/// `PATCH /api/teams/:teamName` body (the reference's keys).
struct team_patch {
    std::optional<std::string> name;
    patch<std::string> billing_email_address;
    patch<std::string> billing_plan;
    patch<std::int64_t> billing_subscription_id;
    bool operator==(const team_patch&) const = default;
};

/// Creates a team with the caller as its Admin. Signed-in users only (`unauthenticated`,
/// `permission_denied` for tokens); `invalid_argument` for a bad name, `already_exists` when a
/// team or user has it. The caller's membership counts nowhere else; limits apply per team.
team_info create_team(engine& eng, const principal& who, const create_team_request& request);

/// Renames a team and/or changes its billing fields; returns the team as `get_team`. Team
/// Admins and server admins; `billing_plan` and `billing_subscription_id` decide limits, so
/// only server admins (and billing events) may set them (`permission_denied`). A personal
/// team keeps its user's name (`failed_precondition`). Databases, members and tokens stay
/// attached (they refer to the team, not its name).
team_info update_team(engine& eng, const principal& who, std::string_view team_name,
                      const team_patch& patch);

/// Deletes a team with its memberships and API tokens. Team Admins and server admins. A
/// personal team cannot be deleted while its user exists (`failed_precondition`); nor can a
/// team that owns databases unless `delete_databases`, which deletes them and their files
/// first (`failed_precondition` otherwise).
void delete_team(engine& eng, const principal& who, std::string_view team_name,
                 bool delete_databases);

/// A team with its databases. Members of the team and server admins only.
/// Throws `not_found` for an unknown team (or one the caller cannot see),
/// `unauthenticated` for anonymous callers.
team_info get_team(engine& eng, const principal& who, std::string_view team_name);

/// The members of a team and their roles. Members and server admins only.
team_members list_team_members(engine& eng, const principal& who, std::string_view team_name);

/// Adds `username` to the team or replaces their roles. Team admins only. `roles` must not be
/// empty (`invalid_argument`); removing the last admin's Admin role is `failed_precondition`.
void set_member_roles(engine& eng, const principal& who, std::string_view team_name,
                      std::string_view username, const member_roles_request& request);

/// Removes a member. Team admins, or the member themself. The last admin cannot leave
/// (`failed_precondition`).
void remove_team_member(engine& eng, const principal& who, std::string_view team_name,
                        std::string_view username);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const billing_info& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const team_summary& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const team_database& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const team_info& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const team_member& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const team_members& v);
member_roles_request tag_invoke(boost::json::value_to_tag<member_roles_request>,
                                const boost::json::value& jv);
create_team_request tag_invoke(boost::json::value_to_tag<create_team_request>,
                               const boost::json::value& jv);
team_patch tag_invoke(boost::json::value_to_tag<team_patch>, const boost::json::value& jv);

}  // namespace airsql
