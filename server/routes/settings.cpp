// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/settings.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr const char* settings_example =
    R"({"auditing": true, "environment": "production", "envVars": [{"created_utc": "2024-05-01T09:00:00.000Z", "name": "HELLO", "value": "world"}], "schemaLocked": false, "viewsTab": true, "visibility": "private"})";

constexpr const char* env_var_example =
    R"({"created_utc": "2022-01-01T00:00:00.000Z", "name": "ENVIRONMENT", "value": "production"})";

constexpr const char* audit_example =
    R"({"entries": [{"id": 42, "utc": "2024-05-01T09:00:00.123Z", "principal": {"kind": "user", "id": 3, "name": "ann"}, "tableName": "users", "rowId": 7, "operation": "UPDATE", "oldValues": {"email": "ann@old.example"}, "newValues": {"email": "ann@new.example"}}], "nextCursor": 42})";

}  // namespace

void add_settings_routes(router& r) {
    r.add("GET", "/api/dbs/:dbId/settings",
          {"Settings",
           "The database's settings (read access). envVars: names and values for team Admins, "
           "names only for Editors, null for everyone else.",
           "", settings_example},
          [](route_context& c) {
              return json_response(bj::value_from(get_settings(c.eng, c.who(), c.param("dbId"))));
          });
    r.add("PATCH", "/api/dbs/:dbId/settings",
          {"Settings",
           "Changes settings (signed-in users): environment, viewsTab (Editor); auditing, "
           "schemaLocked, visibility, envVars (Admin; envVars replaces the whole set). "
           "environment accepts a string, null or the tagged form.",
           R"({"auditing": true, "envVars": [{"name": "HELLO", "value": "world"}], "environment": {"contents": "production", "tag": "TextValue"}, "schemaLocked": false, "viewsTab": true, "visibility": "public"})",
           "{}"},
          [](route_context& c) {
              update_settings(c.eng, c.who(), c.param("dbId"), c.body_as<settings_patch>());
              return json_response(bj::object{});
          });
    r.add("GET", "/api/dbs/:dbId/env",
          {"Settings",
           "The database's environment variables: with values for team Admins, names only "
           "(value null) for Editors.",
           "", std::string(R"({"envVars": [)") + env_var_example + "]}"},
          [](route_context& c) {
              return json_response(bj::object{
                  {"envVars",
                   bj::value_from(list_env_vars(c.eng, c.who(), c.param("dbId")))}});
          });
    r.add("POST", "/api/dbs/:dbId/env",
          {"Settings", "Adds an environment variable (team Admins).",
           R"({"name": "ENVIRONMENT", "value": "development"})", env_var_example},
          [](route_context& c) {
              return json_response(
                  bj::value_from(add_env_var(c.eng, c.who(), c.param("dbId"),
                                             c.body_as<env_var_input>())),
                  201);
          });
    r.add("PATCH", "/api/dbs/:dbId/env/:varName",
          {"Settings", "Renames and/or revalues an environment variable (team Admins).",
           R"({"name": "ENVIRONMENT", "value": "development"})", "{}"},
          [](route_context& c) {
              update_env_var(c.eng, c.who(), c.param("dbId"), c.param("varName"),
                             c.body_as<env_var_patch>());
              return json_response(bj::object{});
          });
    r.add("DELETE", "/api/dbs/:dbId/env/:varName",
          {"Settings", "Deletes an environment variable (team Admins).", "", "{}"},
          [](route_context& c) {
              delete_env_var(c.eng, c.who(), c.param("dbId"), c.param("varName"));
              return json_response(bj::object{});
          });
    r.add("GET", "/api/dbs/:dbId/audit",
          {"Settings",
           "The audit log (team Admins), newest first: ?limit (default 100, at most 1000), "
           "?before=<id> (the previous page's nextCursor), ?table=<name>, ?since= and ?until= "
           "(ISO-8601 UTC times).",
           "", audit_example},
          [](route_context& c) {
              auto query = parse_audit_query(c.query("limit"), c.query("before"),
                                             c.query("table"), c.query("since"),
                                             c.query("until"));
              return json_response(
                  bj::value_from(read_audit_log(c.eng, c.who(), c.param("dbId"), query)));
          });
}

}  // namespace airsql::server
