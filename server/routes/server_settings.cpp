// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/server_settings.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr const char* server_settings_example =
    R"({"allowedHosts": ["localhost", "example.org:1234"], "envVars": [{"created_utc": "2024-05-01T09:00:00.000Z", "name": "HELLO", "value": "world"}], "limits": {"maxDatabaseBytes": null, "maxDatabasesPerTeam": 10}, "maxUploadBytes": null, "plans": {"pro": {"maxDatabaseBytes": 1073741824, "maxDatabasesPerTeam": 100}}, "publicUrl": "https://db.example.org", "sessionLifetimeHours": 720, "signUp": "open", "smtp": {"from": "noreply@example.org", "passwordSet": true, "tls": "starttls", "url": "smtp://mail.example.org:587", "username": "airsql", "verifyPeer": true}})";

}  // namespace

void add_server_settings_routes(router& r) {
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
