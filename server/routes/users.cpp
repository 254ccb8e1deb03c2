// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>
#include <fmt/format.h>

#include "airsql/server_settings.hpp"
#include "airsql/users.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

std::string session_cookie(std::string_view value, long max_age_seconds) {
    return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}", session_cookie_name,
                       value, max_age_seconds);
}

}  // namespace

void add_user_routes(router& r) {
    r.add("POST", "/api/users",
          {"Users", "Sign up. Creates the user and a personal team named after the username.",
           R"({"email_address": "john@example.org", "password": "a long passphrase", "username": "john"})",
           "{}"},
          [](route_context& c) {
              sign_up(c.eng, c.who(), c.body_as<sign_up_request>());
              return json_response(bj::object{}, 201);
          });
    r.add(
        "POST", "/api/login",
        {"Users", "Log in. Returns a session token and sets the session cookie.",
         R"({"password": "a long passphrase", "username": "john"})",
         R"({"sessionToken": "ANnlP4ZQt2CFcaKsCuuGVc0SNNjQ4Ujm", "teams": [{"billing": null, "name": "john", "numberOfDatabases": 1}], "username": "john"})"},
        [](route_context& c) {
            auto res = login(c.eng, principal::anonymous(c.req.client_address),
                             c.body_as<login_request>());
            auto out = json_response(bj::value_from(res));
            auto max_age = session_lifetime_seconds(c.eng);
            out.headers.emplace_back("Set-Cookie", session_cookie(res.session_token, max_age));
            return out;
        });
    r.add("POST", "/api/logout", {"Users", "Log out: ends the session.", "{}", "{}"},
          [](route_context& c) {
              logout(c.eng, c.who());
              auto out = json_response(bj::object{});
              out.headers.emplace_back("Set-Cookie", session_cookie("", 0));
              return out;
          });
    r.add("GET", "/api/users/:username",
          {"Users", "A user's teams and server roles (the user themself or a server admin).", "",
           R"({"serverRoles": ["admin"], "teams": [{"billing": null, "name": "john", "numberOfDatabases": 1}], "username": "john"})"},
          [](route_context& c) {
              return json_response(bj::value_from(get_user(c.eng, c.who(), c.param("username"))));
          });
}

}  // namespace airsql::server
