// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/server_settings.hpp"
#include "airsql/settings.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr const char* server_settings_example =
    R"({"allowedHosts": ["localhost", "example.org:1234"], "envVars": [{"created_utc": "2024-05-01T09:00:00.000Z", "name": "HELLO", "value": "world"}], "limits": {"maxDatabaseBytes": null, "maxDatabasesPerTeam": 10}, "maxUploadBytes": null, "plans": {"pro": {"maxDatabaseBytes": 1073741824, "maxDatabasesPerTeam": 100}}, "publicUrl": "https://db.example.org", "sessionLifetimeHours": 720, "signUp": "open", "smtp": {"from": "noreply@example.org", "passwordSet": true, "tls": "starttls", "url": "smtp://mail.example.org:587", "username": "airsql", "verifyPeer": true}})";

bj::value env_json(const server_env_var& v) {
    return {{"created_utc", v.created_utc}, {"name", v.name}, {"value", v.value}};
}

constexpr const char* server_env_example =
    R"({"created_utc": "2022-01-01T00:00:00.000Z", "name": "ENVIRONMENT", "value": "production"})";

void add_server_env_routes(router& r) {
    r.add("GET", "/api/settings/env",
          {"Server settings", "The server-wide environment variables (server admins).", "",
           std::string(R"({"envVars": [)") + server_env_example + "]}"},
          [](route_context& c) {
              bj::array vars;
              for (const auto& v : list_server_env_vars(c.eng, c.who()))
                  vars.push_back(env_json(v));
              return json_response(bj::object{{"envVars", std::move(vars)}});
          });
    r.add("POST", "/api/settings/env",
          {"Server settings", "Adds a server-wide environment variable (server admins).",
           R"({"name": "ENVIRONMENT", "value": "development"})", server_env_example},
          [](route_context& c) {
              auto in = c.body_as<env_var_input>();
              return json_response(env_json(add_server_env_var(c.eng, c.who(), in.name, in.value)),
                                   201);
          });
    r.add("PATCH", "/api/settings/env/:varName",
          {"Server settings",
           "Renames and/or revalues a server-wide environment variable (server admins).",
           R"({"name": "ENVIRONMENT", "value": "development"})", "{}"},
          [](route_context& c) {
              auto p = c.body_as<env_var_patch>();
              update_server_env_var(c.eng, c.who(), c.param("varName"), p.name, p.value);
              return json_response(bj::object{});
          });
    r.add("DELETE", "/api/settings/env/:varName",
          {"Server settings", "Deletes a server-wide environment variable (server admins).", "",
           "{}"},
          [](route_context& c) {
              delete_server_env_var(c.eng, c.who(), c.param("varName"));
              return json_response(bj::object{});
          });
}

}  // namespace

void add_server_settings_routes(router& r) {
    add_server_env_routes(r);
    r.add("GET", "/api/settings",
          {"Server settings",
           "The server's settings (server admins; the SMTP password is never "
           "shown).",
           "", server_settings_example},
          [](route_context& c) {
              return json_response(bj::value_from(get_server_settings(c.eng, c.who())));
          });
    r.add(
        "PATCH", "/api/settings",
        {"Server settings",
         "Changes server settings (server admins): every key present replaces that setting; "
         "all are validated before any is applied. Answers the new settings.",
         R"({"allowedHosts": ["localhost", "example.org:1234"], "envVars": [{"name": "HELLO", "value": "world"}], "signUp": "invite-only"})",
         server_settings_example},
        [](route_context& c) {
            return json_response(bj::value_from(
                update_server_settings(c.eng, c.who(), c.body_as<server_settings_patch>())));
        });
}

}  // namespace airsql::server
