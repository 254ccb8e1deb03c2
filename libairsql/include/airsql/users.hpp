// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/teams.hpp"

namespace airsql {

class engine;
class principal;

/// `POST /api/users` body.
struct sign_up_request {
    std::string username;       ///< 2–40 of [A-Za-z0-9_-], starting with a letter or digit
    std::string email_address;  ///< must look like an address (one @, a dot in the domain)
    std::string password;       ///< at least 8 characters
    /// JSON "invite_key": the key of an invitation mail (mail.hpp). It must be for
    /// `email_address`; it is used up, the user joins the invitation's team, and sign-up is
    /// allowed whatever the sign-up policy.
    std::optional<std::string> invite_key = std::nullopt;
    bool operator==(const sign_up_request&) const = default;
};

/// `PATCH /api/users/:username` body.
struct password_change {
    std::string current_password;  ///< JSON "currentPassword"; not needed by server admins
                                   ///< changing another user's password
    std::string new_password;      ///< JSON "newPassword", 8–1024 characters
    bool operator==(const password_change&) const = default;
};

/// `POST /api/login` body.
struct login_request {
    std::string username;
    std::string password;
    bool operator==(const login_request&) const = default;
};

/// `POST /api/login` response. `session_token` is shown only here; airsql keeps its hash.
struct login_response {
    std::string session_token;
    std::vector<team_summary> teams;
    std::string username;
    bool operator==(const login_response&) const = default;
};

/// `GET /api/users/:username` response.
struct user_info {
    std::vector<std::string> server_roles;  ///< ["admin"] for server admins, else []
    std::vector<team_summary> teams;
    std::string username;
    bool operator==(const user_info&) const = default;
};

/// Creates a user and a personal team named after the username, with the user as its Admin.
/// The first user of a fresh instance becomes server admin. Who may sign up follows the server
/// settings' sign-up policy (`permission_denied`); an invitation key always admits its
/// address. Rate-limited per client address (`rate_limited_error`). When SMTP is configured,
/// a mail asks the user to confirm their address.
/// Throws `invalid_argument` for a bad username, email or password, `already_exists` when
/// the username, email or team name is taken. Hashes the password (argon2id, ~0.1 s).
void sign_up(engine& eng, const principal& who, const sign_up_request& request);

/// Checks the password and opens a session. Throws `unauthenticated` for an unknown user or
/// a wrong password (same message for both, same time for both).
login_response login(engine& eng, const principal& who, const login_request& request);

/// Ends the caller's session. `unauthenticated` unless the principal came from a session.
void logout(engine& eng, const principal& who);

/// Changes a password: the user themself with their current password (`unauthenticated` when
/// it is wrong), or a server admin for anyone. Ends every other session of that user (the
/// caller's own session stays). `not_found` for other callers.
void change_password(engine& eng, const principal& who, std::string_view username,
                     const password_change& request);

/// Deletes an account with its sessions, memberships and personal team. The user themself or
/// a server admin. `failed_precondition` while their personal team owns databases or they are
/// the last Admin of another team; the last server admin cannot delete themself.
void delete_user(engine& eng, const principal& who, std::string_view username);

/// A user's teams and server roles. The user themself and server admins only; others get
/// `not_found` (whether the name exists is not revealed).
user_info get_user(engine& eng, const principal& who, std::string_view username);

sign_up_request tag_invoke(boost::json::value_to_tag<sign_up_request>, const boost::json::value& jv);
login_request tag_invoke(boost::json::value_to_tag<login_request>, const boost::json::value& jv);
password_change tag_invoke(boost::json::value_to_tag<password_change>,
                           const boost::json::value& jv);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const login_response& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const user_info& v);

}  // namespace airsql
