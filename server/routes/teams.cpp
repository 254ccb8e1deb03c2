// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/error.hpp"
#include "airsql/teams.hpp"
#include "airsql/tokens.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {
constexpr const char* team_example =
    R"({"billing": {"email_address": "billing@good-corp.com", "plan": null, "subscription_id": 1}, "created_utc": "2023-05-30T13:30:15.467Z", "databases": [{"environment": "Testing", "id": "01h2v1ask448h1wdaqdwvd90v9", "name": "App Database", "ownership_utc": "2023-05-30T13:32:46.788Z", "visibility": "private"}], "name": "good-corp"})";
}  // namespace

void add_team_routes(router& r) {
    r.add("POST", "/api/teams",
          {"Teams", "Creates a team with the caller as its Admin (signed-in users).",
           R"({"name": "good-corp"})", team_example},
          [](route_context& c) {
              return json_response(
                  bj::value_from(create_team(c.eng, c.who(), c.body_as<create_team_request>())),
                  201);
          });
    r.add(
        "PATCH", "/api/teams/:teamName",
        {"Teams",
         "Renames a team or changes its billing email (team Admins); billing_plan and "
         "billing_subscription_id: server admins. Databases, members and tokens stay.",
         R"({"billing_email_address": "john@example.com", "billing_plan": "pro", "billing_subscription_id": 1234567890, "name": "New Team Name"})",
         team_example},
        [](route_context& c) {
            return json_response(bj::value_from(
                update_team(c.eng, c.who(), c.param("teamName"), c.body_as<team_patch>())));
        });
    r.add("DELETE", "/api/teams/:teamName",
          {"Teams",
           "Deletes a team (team Admins). Refused while it owns databases unless "
           "?deleteDatabases=true, which deletes them too. Personal teams go with their user.",
           "", "{}"},
          [](route_context& c) {
              auto flag = c.query("deleteDatabases");
              if (flag && *flag != "true" && *flag != "false") {
                  throw error(errc::invalid_argument, "deleteDatabases must be true or false");
              }
              delete_team(c.eng, c.who(), c.param("teamName"), flag && *flag == "true");
              return json_response(bj::object{});
          });
    r.add("GET", "/api/teams/:teamName",
          {"Teams", "A team with its databases (members only).", "",
           R"({"billing": null, "created_utc": "2023-05-30T13:30:15.467Z", "databases": [{"environment": "Testing", "id": "01h2v1ask448h1wdaqdwvd90v9", "name": "App Database", "ownership_utc": "2023-05-30T13:32:46.788Z", "visibility": "private"}], "name": "good-corp"})"},
          [](route_context& c) {
              return json_response(bj::value_from(get_team(c.eng, c.who(), c.param("teamName"))));
          });
    r.add("GET", "/api/teams/:teamName/members",
          {"Teams", "The members of a team and their roles.", "",
           R"({"members": [{"username": "john", "roles": ["Admin"], "createdUtc": "2023-05-30T13:30:15.467Z"}]})"},
          [](route_context& c) {
              return json_response(
                  bj::value_from(list_team_members(c.eng, c.who(), c.param("teamName"))));
          });
    r.add("PATCH", "/api/teams/:teamName/members/:username",
          {"Teams", "Adds a member or sets their roles (team admins).",
           R"({"roles": ["Admin", "Editor"]})", "{}"},
          [](route_context& c) {
              set_member_roles(c.eng, c.who(), c.param("teamName"), c.param("username"),
                               c.body_as<member_roles_request>());
              return json_response(bj::object{});
          });
    r.add("DELETE", "/api/teams/:teamName/members/:username",
          {"Teams", "Removes a member (team admins, or the member themself).", "", "{}"},
          [](route_context& c) {
              remove_team_member(c.eng, c.who(), c.param("teamName"), c.param("username"));
              return json_response(bj::object{});
          });
    r.add("GET", "/api/teams/:teamName/tokens",
          {"API tokens", "The team's API tokens, masked (team admins).", "",
           R"({"tokens": []})"},
          [](route_context& c) {
              return json_response(
                  bj::value_from(list_team_tokens(c.eng, c.who(), c.param("teamName"))));
          });
}

}  // namespace airsql::server
