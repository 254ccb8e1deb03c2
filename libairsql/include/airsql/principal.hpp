// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

namespace airsql {

class engine;

/// Who is calling. Every library call takes one and checks it.
enum class principal_kind {
    anonymous,      ///< no credentials
    user,           ///< a signed-in user (session token or session cookie)
    token,          ///< an API token (`ast_…`) with per-database permissions
    readonly_link,  ///< holder of a database's read-only id
    /// A signed-in user acting through an app of one database (apps.hpp): a short-lived
    /// session minted when the user opened the app, scoped to that database. It has at most
    /// the user's own rights there, never the Admin-only ones, nothing on any other database,
    /// and cannot do what needs a signed-in user (accounts, teams, tokens, database lists).
    app_session,
};

/// An authenticated caller. Obtain one from `authenticate`, `principal::anonymous()` or
/// `principal::readonly_link()`. A value type; cheap to copy; immutable.
class principal {
public:
    /// Anonymous caller (the default).
    principal() = default;
    static principal anonymous() { return {}; }
    /// Anonymous caller seen at `client_address` (rate limits of anonymous actions count by it).
    static principal anonymous(std::string client_address) {
        principal p;
        p.client_address_ = std::move(client_address);
        return p;
    }

    /// Holder of the read-only id `readonly_id`: may read that one database and nothing else.
    static principal readonly_link(std::string readonly_id);

    principal_kind kind() const noexcept { return kind_; }

    /// The user, for `principal_kind::user` and `app_session`; 0 / empty otherwise.
    std::int64_t user_id() const noexcept { return user_id_; }
    const std::string& username() const noexcept { return username_; }
    bool is_server_admin() const noexcept { return server_admin_; }
    /// The login session this principal came from (0 when not from a session).
    std::int64_t session_id() const noexcept { return session_id_; }

    /// The one database an `app_session` may reach; empty for other kinds.
    const std::string& db_scope() const noexcept { return db_scope_; }

    /// The API token, for `principal_kind::token`; 0 otherwise.
    std::int64_t token_id() const noexcept { return token_id_; }

    /// The read-only id, for `principal_kind::readonly_link`; empty otherwise.
    const std::string& readonly_id() const noexcept { return readonly_id_; }

    /// The network address the call came from, as the transport reported it ("" if unknown).
    /// Sign-up, login, password reset, invitations and anonymous databases are rate-limited by
    /// it (see `options`).
    const std::string& client_address() const noexcept { return client_address_; }

  private:
    friend struct principal_access;
    principal_kind kind_ = principal_kind::anonymous;
    std::int64_t user_id_ = 0;
    std::string username_;
    bool server_admin_ = false;
    std::int64_t session_id_ = 0;
    std::int64_t token_id_ = 0;
    std::string readonly_id_;
    std::string db_scope_;
    std::string client_address_;
};

/// Credentials of one request, as a transport found them.
struct credentials {
    /// Value after `Bearer ` in the `Authorization` header: a session token or an `ast_` token.
    std::string bearer;
    /// Value of the session cookie set at login (browser pages).
    std::string session_cookie;
    /// Whether the request may change state (anything but GET, HEAD, OPTIONS).
    bool state_changing = false;
    /// `Origin`, `Sec-Fetch-Site` and `Host` headers, for the cross-site check of cookie
    /// sessions. Empty when absent.
    std::string origin;
    std::string sec_fetch_site;
    std::string host;
    /// The peer's IP address as text; copied into the principal.
    std::string client_address;
};

/// Name of the session cookie that `login` results are meant to be stored in.
inline constexpr const char* session_cookie_name = "airsql_session";

/// Resolves credentials to a principal. No credentials → anonymous. A bearer value wins over
/// the cookie. Throws `errc::unauthenticated` for an unknown, expired or revoked token or
/// session, and `errc::permission_denied` for a state-changing request authenticated by
/// cookie from another site (cross-site request forgery), and for any cookie-authenticated
/// request with `Origin: null` (sandboxed documents such as apps, whatever the method) unless
/// the browser marked it `Sec-Fetch-Site: same-origin`. An
/// app's database-scoped session is only accepted as a bearer value.
principal authenticate(engine& eng, const credentials& creds);

/// Refuses (`permission_denied`) a request another site's page made in a browser, whatever
/// its credentials: for requests that set the session cookie (a login), which another site
/// must not do (login CSRF: the victim would work in the attacker's account). Requests
/// without `Origin` and `Sec-Fetch-Site` (non-browser clients) pass.
void refuse_cross_site(const credentials& creds);

}  // namespace airsql
