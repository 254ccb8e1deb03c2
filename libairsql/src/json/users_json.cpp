// SPDX-License-Identifier: Apache-2.0
// JSON shapes of users and teams: the HTTP contract's field names, including its mixed casing.
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <fmt/format.h>

#include "airsql/error.hpp"
#include "airsql/mail.hpp"
#include "airsql/users.hpp"
#include "json/read.hpp"

namespace airsql {

namespace bj = boost::json;

sign_up_request tag_invoke(bj::value_to_tag<sign_up_request>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    return {json::required_string(o, "username"), json::required_string(o, "email_address"),
            json::required_string(o, "password"), json::optional_string(o, "invite_key")};
}

password_change tag_invoke(bj::value_to_tag<password_change>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    return {json::optional_string(o, "currentPassword").value_or(""),
            json::required_string(o, "newPassword")};
}

password_reset_request tag_invoke(bj::value_to_tag<password_reset_request>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    return {json::required_string(o, "email")};
}

password_reset_submit tag_invoke(bj::value_to_tag<password_reset_submit>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    return {json::required_string(o, "resetKey"), json::required_string(o, "password")};
}

invite_request tag_invoke(bj::value_to_tag<invite_request>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    invite_request r{json::required_string(o, "email"), json::optional_string(o, "team"), {}};
    if (const auto* roles = o.if_contains("roles"); roles && !roles->is_null()) {
        r.roles = bj::value_to<member_roles_request>(bj::value{{"roles", *roles}}).roles;
    }
    return r;
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const outbox_entry& v) {
    jv = {{"id", v.id},
          {"to", v.to},
          {"subject", v.subject},
          {"body", v.body},
          {"createdUtc", v.created_utc},
          {"status", v.status},
          {"error", bj::value_from(v.error)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const outbox_list& v) {
    jv = {{"mails", bj::value_from(v.mails)}};
}

login_request tag_invoke(bj::value_to_tag<login_request>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    return {json::required_string(o, "username"), json::required_string(o, "password")};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const login_response& v) {
    jv = {{"sessionToken", v.session_token},
          {"teams", bj::value_from(v.teams)},
          {"username", v.username}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const user_info& v) {
    jv = {{"serverRoles", bj::value_from(v.server_roles)},
          {"teams", bj::value_from(v.teams)},
          {"username", v.username}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const billing_info& v) {
    jv = {{"email_address", bj::value_from(v.email_address)},
          {"plan", bj::value_from(v.plan)},
          {"subscription_id", bj::value_from(v.subscription_id)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const team_summary& v) {
    jv = {{"billing", bj::value_from(v.billing)},
          {"name", v.name},
          {"numberOfDatabases", v.number_of_databases}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const team_database& v) {
    jv = {{"environment", bj::value_from(v.environment)},
          {"id", v.id},
          {"name", v.name},
          {"ownership_utc", v.ownership_utc},
          {"visibility", v.visibility}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const team_info& v) {
    jv = {{"billing", bj::value_from(v.billing)},
          {"created_utc", v.created_utc},
          {"databases", bj::value_from(v.databases)},
          {"name", v.name}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const team_member& v) {
    bj::array roles;
    for (auto r : v.roles) roles.emplace_back(to_string(r));
    jv = {{"username", v.username}, {"roles", std::move(roles)}, {"createdUtc", v.created_utc}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const team_members& v) {
    jv = {{"members", bj::value_from(v.members)}};
}

member_roles_request tag_invoke(bj::value_to_tag<member_roles_request>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    const auto* roles = o.if_contains("roles");
    if (!roles || !roles->is_array()) json::fail("field \"roles\" must be an array of role names");
    member_roles_request r;
    for (const auto& item : roles->get_array()) {
        std::string_view name = item.is_string() ? std::string_view(item.get_string()) : "";
        bool known = false;
        for (auto role : {team_role::viewer, team_role::editor, team_role::admin}) {
            if (to_string(role) == name) {
                r.roles.push_back(role);
                known = true;
            }
        }
        if (!known) json::fail("roles must be \"Admin\", \"Editor\" or \"Viewer\"");
    }
    return r;
}

create_team_request tag_invoke(bj::value_to_tag<create_team_request>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    return {json::required_string(o, "name")};
}

team_patch tag_invoke(bj::value_to_tag<team_patch>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    for (const auto& kv : o) {
        auto k = std::string_view(kv.key());
        if (k != "name" && k != "billing_email_address" && k != "billing_plan" &&
            k != "billing_subscription_id") {
            json::fail(fmt::format("a team has no field \"{}\"", k.substr(0, 100)));
        }
    }
    team_patch p;
    if (auto name = json::patch_string(o, "name")) {
        if (!*name) json::fail("field \"name\" cannot be null");
        p.name = **name;
    }
    p.billing_email_address = json::patch_string(o, "billing_email_address");
    p.billing_plan = json::patch_string(o, "billing_plan");
    if (const auto* v = o.if_contains("billing_subscription_id")) {
        const auto& u = json::untag(*v, "billing_subscription_id");
        if (u.is_null()) {
            p.billing_subscription_id = std::optional<std::int64_t>();
        } else if (u.is_int64()) {
            p.billing_subscription_id = std::optional<std::int64_t>(u.get_int64());
        } else {
            json::fail("billing_subscription_id must be an integer or null");
        }
    }
    return p;
}

}  // namespace airsql
