// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/teams.hpp"
#include "airsql/tokens.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

void add_team_routes(router& r) {
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
