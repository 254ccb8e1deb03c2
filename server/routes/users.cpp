// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "airsql/mail.hpp"
#include "airsql/server_settings.hpp"
#include "airsql/users.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

// `Secure` when the request came through HTTPS (a TLS-terminating proxy says so): browsers
// then never send the cookie over plain HTTP. Without it, a server on plain HTTP (the default,
// 127.0.0.1) could not set the cookie at all.
std::string session_cookie(const http_request& req, std::string_view value, long max_age_seconds) {
    bool https = contains_ascii_ci(req.header("X-Forwarded-Proto"), "https");
    return fmt::format("{}={}; Path=/; HttpOnly; SameSite=Lax{}; Max-Age={}", session_cookie_name,
                       value, https ? "; Secure" : "", max_age_seconds);
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
            // The answer sets the session cookie: not for another site's page.
            refuse_cross_site(credentials_of(c.req, true));
            auto res = login(c.eng, principal::anonymous(c.req.client_address),
                             c.body_as<login_request>());
            auto out = json_response(bj::value_from(res));
            auto max_age = session_lifetime_seconds(c.eng);
            out.headers.emplace_back("Set-Cookie", session_cookie(c.req, res.session_token, max_age));
            return out;
        });
    r.add("POST", "/api/logout", {"Users", "Log out: ends the session.", "{}", "{}"},
          [](route_context& c) {
              logout(c.eng, c.who());
              auto out = json_response(bj::object{});
              out.headers.emplace_back("Set-Cookie", session_cookie(c.req, "", 0));
              return out;
          });
    r.add("GET", "/api/users/:username",
          {"Users", "A user's teams and server roles (the user themself or a server admin).", "",
           R"({"serverRoles": ["admin"], "teams": [{"billing": null, "name": "john", "numberOfDatabases": 1}], "username": "john"})"},
          [](route_context& c) {
              return json_response(bj::value_from(get_user(c.eng, c.who(), c.param("username"))));
          });
    r.add("PATCH", "/api/users/:username",
          {"Users",
           "Changes a password: the user with their current password, or a server admin. Ends "
           "the user's other sessions.",
           R"({"currentPassword": "a long passphrase", "newPassword": "another long passphrase"})",
           "{}"},
          [](route_context& c) {
              change_password(c.eng, c.who(), c.param("username"), c.body_as<password_change>());
              return json_response(bj::object{});
          });
    r.add("DELETE", "/api/users/:username",
          {"Users",
           "Deletes an account with its sessions, memberships and personal team (which must own "
           "no databases): the user themself or a server admin.",
           "", "{}"},
          [](route_context& c) {
              delete_user(c.eng, c.who(), c.param("username"));
              return json_response(bj::object{});
          });
    r.add("POST", "/api/users/invite",
          {"Users",
           "Invites an email address to a team (its Admins; default: the caller's personal "
           "team, role Editor): a mail with a single-use sign-up link, valid 7 days.",
           R"({"email": "joe@example.com", "roles": ["Editor"], "team": "good-corp"})", "{}"},
          [](route_context& c) {
              invite_user(c.eng, c.who(), c.body_as<invite_request>());
              return json_response(bj::object{});
          });
    r.add("POST", "/api/users/reset-password",
          {"Users",
           "Mails a password-reset link (valid 1 hour) to the account with this address. "
           "Answers the same whether or not there is one.",
           R"({"email": "joe@example.com"})", "{}"},
          [](route_context& c) {
              request_password_reset(c.eng, principal::anonymous(c.req.client_address),
                                     c.body_as<password_reset_request>());
              return json_response(bj::object{});
          });
    r.add("POST", "/api/users/reset-password/submit",
          {"Users", "Sets a new password with the key of a reset link; ends every session.",
           R"({"password": "donotusethispassword", "resetKey": "the key from the link"})", "{}"},
          [](route_context& c) {
              submit_password_reset(c.eng, principal::anonymous(c.req.client_address),
                                    c.body_as<password_reset_submit>());
              return json_response(bj::object{});
          });
    r.add(
        "GET", "/api/mail/outbox",
        {"Users",
         "The newest mails (server admins): kept here when no SMTP is configured; sent mail "
         "keeps no body. ?limit (default 100, at most 1000).",
         "",
         R"({"mails": [{"body": "…", "createdUtc": "2024-05-01T09:00:00.000Z", "error": null, "id": 1, "status": "kept", "subject": "Reset your password", "to": "joe@example.com"}]})"},
        [](route_context& c) {
            std::size_t limit = 100;
            if (auto l = c.query("limit")) {
                try {
                    limit = std::stoul(*l);
                } catch (...) {
                    throw error(errc::invalid_argument, "limit must be a number");
                }
            }
            return json_response(bj::value_from(read_outbox(c.eng, c.who(), limit)));
        });
}

}  // namespace airsql::server
