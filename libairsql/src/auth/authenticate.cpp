// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "auth/access.hpp"
#include "auth/principal_access.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"
#include "core/ids.hpp"

namespace airsql {

namespace {

// A cookie-authenticated request that changes state must come from our own pages. A
// sandboxed document (an app, apps.hpp) sends `Origin: null` (and `Sec-Fetch-Site:
// cross-site`): its requests never act with the visitor's cookie, whatever the method. Our own
// pages send `Origin: null` only for requests a no-referrer policy strips, which browsers mark
// `Sec-Fetch-Site: same-origin`.
void check_same_origin(const credentials& creds) {
    if (creds.origin == "null" && creds.sec_fetch_site != "same-origin") {
        throw error(errc::permission_denied,
                    "requests from sandboxed pages (Origin: null) cannot use the session cookie");
    }
    if (!creds.state_changing) return;
    if (!creds.sec_fetch_site.empty()) {
        if (creds.sec_fetch_site == "same-origin" || creds.sec_fetch_site == "none") return;
        throw error(errc::permission_denied, "cross-site request refused");
    }
    if (creds.origin.empty()) return;  // non-browser client: no ambient cookie risk
    auto scheme_end = creds.origin.find("://");
    std::string_view origin_host = scheme_end == std::string::npos
                                       ? std::string_view(creds.origin)
                                       : std::string_view(creds.origin).substr(scheme_end + 3);
    if (origin_host == creds.host) return;
    throw error(errc::permission_denied, "cross-site request refused");
}

}  // namespace

void refuse_cross_site(const credentials& creds) {
    auto as_state_changing = creds;
    as_state_changing.state_changing = true;
    check_same_origin(as_state_changing);
}

principal principal::readonly_link(std::string readonly_id) {
    return principal_access::readonly(std::move(readonly_id));
}

namespace {
principal resolve(engine& eng, const credentials& creds);
}  // namespace

namespace auth {

principal refresh_principal(engine::impl& e, const principal& who) {
    auto now = core::now_iso_utc();
    switch (who.kind()) {
        case principal_kind::anonymous:
        case principal_kind::readonly_link:
            return who;
        case principal_kind::token: {
            auto token = e.catalog.find_token(who.token_id());
            if (!token || (token->expiration_utc && *token->expiration_utc <= now)) {
                throw error(errc::unauthenticated, "the API token was revoked or has expired");
            }
            return who;
        }
        case principal_kind::user:
        case principal_kind::app_session: {
            auto session = e.catalog.find_session_by_id(who.session_id(), now);
            if (!session) throw error(errc::unauthenticated, "the session ended; log in again");
            auto fresh = who.kind() == principal_kind::user
                             ? principal_access::user(session->user_id, session->username,
                                                      session->server_admin, session->session_id)
                             : principal_access::app_session(
                                   session->user_id, session->username, session->server_admin,
                                   session->session_id, session->db_scope);
            return principal_access::with_address(std::move(fresh), who.client_address());
        }
    }
    return who;
}

}  // namespace auth

principal authenticate(engine& eng, const credentials& creds) {
    return principal_access::with_address(resolve(eng, creds), creds.client_address);
}

namespace {

principal resolve(engine& eng, const credentials& creds) {
    auto& e = eng.internals();
    bool from_cookie = creds.bearer.empty();
    const std::string& secret = from_cookie ? creds.session_cookie : creds.bearer;
    if (secret.empty()) return principal::anonymous();
    if (secret.size() > 512) throw error(errc::unauthenticated, "invalid token");
    auto hash = core::sha256_hex(secret);
    auto now = core::now_iso_utc();
    if (secret.starts_with("ast_")) {
        if (from_cookie) throw error(errc::unauthenticated, "invalid session");
        auto token = e.catalog.find_token_by_hash(hash, now);
        if (!token) throw error(errc::unauthenticated, "invalid, expired or revoked API token");
        return principal_access::token(token->id);
    }
    auto session = e.catalog.find_session(hash, now);
    if (!session) throw error(errc::unauthenticated, "invalid or expired session; log in again");
    if (from_cookie) check_same_origin(creds);
    if (!session->db_scope.empty()) {
        // An app's session works as a bearer value only (it is handed to the app's page).
        if (from_cookie) throw error(errc::unauthenticated, "invalid session");
        return principal_access::app_session(session->user_id, session->username,
                                             session->server_admin, session->session_id,
                                             session->db_scope);
    }
    return principal_access::user(session->user_id, session->username, session->server_admin,
                                  session->session_id);
}

}  // namespace

}  // namespace airsql
