// SPDX-License-Identifier: Apache-2.0
// The pages behind links in account mail: password reset, email confirmation, invitation.
// Plain HTML forms served from here (no JavaScript, no external resources), so they work in
// any browser and offline.
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "airsql/form_urlencoded.hpp"
#include "airsql/mail.hpp"
#include "airsql/users.hpp"
#include "airsql/html.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace {

http_response page(int status, std::string_view title, std::string_view body_html) {
    http_response res;
    res.status = status;
    res.content_type = "text/html; charset=utf-8";
    res.body = fmt::format(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>{0} · airsql</title><style>"
        "body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;"
        "line-height:1.5;color:#222}}label{{display:block;margin:.9rem 0 .2rem}}"
        "input{{width:100%;padding:.45rem;box-sizing:border-box;font:inherit}}"
        "button{{margin-top:1.2rem;padding:.5rem 1.2rem;font:inherit}}"
        ".error{{color:#a00}}.ok{{color:#060}}</style></head>"
        "<body><main><h1>{0}</h1>\n{1}\n</main></body></html>\n",
        escape_html(title), body_html);
    // The key is in the URL: no referrer, no caching, nothing but our own inline style.
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                             "frame-ancestors 'none'; base-uri 'none'");
    res.headers.emplace_back("Referrer-Policy", "no-referrer");
    res.headers.emplace_back("Cache-Control", "no-store");
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return res;
}

std::string error_paragraph(std::string_view message) {
    return fmt::format("<p class=\"error\" role=\"alert\">{}</p>", escape_html(message));
}

form_fields read_form(const route_context& c) {
    auto type = c.req.header("Content-Type");
    if (!type.starts_with("application/x-www-form-urlencoded")) {
        throw error(errc::invalid_argument, "expected an application/x-www-form-urlencoded form");
    }
    return form_fields::parse(c.req.body);
}

std::string reset_form(std::string_view message = {}) {
    return fmt::format(
        "{}<form method=\"post\"><label for=\"password\">New password (at least 8 "
        "characters)</label><input id=\"password\" name=\"password\" type=\"password\" "
        "autocomplete=\"new-password\" minlength=\"8\" maxlength=\"1024\" required>"
        "<label for=\"confirm\">Repeat it</label><input id=\"confirm\" name=\"confirm\" "
        "type=\"password\" autocomplete=\"new-password\" minlength=\"8\" maxlength=\"1024\" "
        "required><button type=\"submit\">Set password</button></form>",
        message.empty() ? "" : error_paragraph(message));
}

std::string invitation_form(const invitation_info& inv, std::string_view message = {},
                            std::string_view username = {}) {
    return fmt::format(
        "<p>You are invited to the team <strong>{}</strong>.</p>{}<form method=\"post\">"
        "<label for=\"email\">Email address</label><input id=\"email\" value=\"{}\" readonly>"
        "<label for=\"username\">Username</label><input id=\"username\" name=\"username\" "
        "value=\"{}\" autocomplete=\"username\" minlength=\"2\" maxlength=\"40\" required>"
        "<label for=\"password\">Password (at least 8 characters)</label><input id=\"password\" "
        "name=\"password\" type=\"password\" autocomplete=\"new-password\" minlength=\"8\" "
        "maxlength=\"1024\" required><button type=\"submit\">Create account</button></form>",
        escape_html(inv.team), message.empty() ? "" : error_paragraph(message),
        escape_html(inv.email), escape_html(username));
}

const char* invalid_link = "This link is invalid, used or expired.";

}  // namespace

void add_account_page_routes(router& r) {
    r.add("GET", "/password-reset/:passwordResetKey",
          {"Account pages", "The page of a password-reset link: a form for the new password.", "",
           "text/html"},
          [](route_context& c) {
              if (!password_reset_key_valid(c.eng, c.param("passwordResetKey"))) {
                  return page(404, "Reset your password",
                              error_paragraph(std::string(invalid_link) +
                                              " Ask for a new password-reset mail."));
              }
              return page(200, "Reset your password", reset_form());
          });
    r.add("POST", "/password-reset/:passwordResetKey",
          {"Account pages", "The reset form's answer (application/x-www-form-urlencoded).",
           "password=…&confirm=…", "text/html"},
          [](route_context& c) {
              auto form = read_form(c);
              auto password = form.get("password").value_or("");
              if (password != form.get("confirm").value_or("")) {
                  return page(400, "Reset your password", reset_form("The two passwords differ."));
              }
              try {
                  submit_password_reset(c.eng, principal::anonymous(c.req.client_address),
                                        {c.param("passwordResetKey"), password});
              } catch (const rate_limited_error&) {
                  throw;
              } catch (const error& e) {
                  if (!password_reset_key_valid(c.eng, c.param("passwordResetKey"))) {
                      return page(400, "Reset your password", error_paragraph(invalid_link));
                  }
                  return page(400, "Reset your password", reset_form(e.what()));
              }
              return page(200, "Password changed",
                          "<p class=\"ok\" role=\"status\">Your password was changed and every "
                          "session of your account was ended. Log in with the new password.</p>");
          });
    r.add("GET", "/verify-email/:emailVerificationKey",
          {"Account pages", "The page of an email-confirmation link: confirms the address.", "",
           "text/html"},
          [](route_context& c) {
              try {
                  auto username = verify_email(c.eng, c.param("emailVerificationKey"));
                  return page(200, "Email address confirmed",
                              fmt::format("<p class=\"ok\" role=\"status\">Thank you, {}: your "
                                          "email address is confirmed.</p>",
                                          escape_html(username)));
              } catch (const error&) {
                  return page(404, "Confirm your email address", error_paragraph(invalid_link));
              }
          });
    r.add("GET", "/invitation/:invitationKey",
          {"Account pages", "The page of an invitation link: a sign-up form for the team.", "",
           "text/html"},
          [](route_context& c) {
              auto inv = find_invitation(c.eng, c.param("invitationKey"));
              if (!inv) return page(404, "Invitation", error_paragraph(invalid_link));
              return page(200, "Create your account", invitation_form(*inv));
          });
    r.add("POST", "/invitation/:invitationKey",
          {"Account pages", "The invitation form's answer (application/x-www-form-urlencoded).",
           "username=…&password=…", "text/html"},
          [](route_context& c) {
              auto inv = find_invitation(c.eng, c.param("invitationKey"));
              if (!inv) return page(404, "Invitation", error_paragraph(invalid_link));
              auto form = read_form(c);
              auto username = form.get("username").value_or("");
              try {
                  sign_up(c.eng, principal::anonymous(c.req.client_address),
                          {username, inv->email, form.get("password").value_or(""),
                           std::string(c.param("invitationKey"))});
              } catch (const rate_limited_error&) {
                  throw;
              } catch (const error& e) {
                  return page(400, "Create your account",
                              invitation_form(*inv, e.what(), username));
              }
              return page(201, "Welcome",
                          fmt::format("<p class=\"ok\" role=\"status\">Your account {} was created "
                                      "and joined the team {}. You can log in now.</p>",
                                      escape_html(username), escape_html(inv->team)));
          });
}

}  // namespace airsql::server
