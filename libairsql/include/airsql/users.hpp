// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/fwd.hpp>
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
    bool operator==(const sign_up_request&) const = default;
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
/// The first user of a fresh instance becomes server admin. Anyone may sign up while
/// `options::allow_sign_up` is set (else server admins only: `permission_denied`).
/// Throws `invalid_argument` for a bad username, email or password, `already_exists` when
/// the username, email or team name is taken. Hashes the password (argon2id, ~0.1 s).
void sign_up(engine& eng, const principal& who, const sign_up_request& request);

/// Checks the password and opens a session. Throws `unauthenticated` for an unknown user or
/// a wrong password (same message for both, same time for both).
login_response login(engine& eng, const principal& who, const login_request& request);

/// Ends the caller's session. `unauthenticated` unless the principal came from a session.
void logout(engine& eng, const principal& who);

/// A user's teams and server roles. The user themself and server admins only; others get
/// `not_found` (whether the name exists is not revealed).
user_info get_user(engine& eng, const principal& who, std::string_view username);

sign_up_request tag_invoke(boost::json::value_to_tag<sign_up_request>, const boost::json::value& jv);
login_request tag_invoke(boost::json::value_to_tag<login_request>, const boost::json::value& jv);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const login_response& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const user_info& v);

}  // namespace airsql
