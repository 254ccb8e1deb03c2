// SPDX-License-Identifier: Apache-2.0
#include "airsql/users.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "airsql/server_settings.hpp"
#include "auth/access.hpp"
#include "auth/password.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"
#include "core/ids.hpp"
#include "mail/account_mail.hpp"

namespace airsql {

namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

void validate(const sign_up_request& r) {
    const auto& u = r.username;
    if (u.size() < 2 || u.size() > 40 || !std::all_of(u.begin(), u.end(), is_name_char) ||
        u.front() == '-' || u.front() == '_') {
        throw error(errc::invalid_argument,
                    "username must be 2–40 letters, digits, '-' or '_', starting with a letter "
                    "or digit");
    }
    const auto& e = r.email_address;
    auto at = e.find('@');
    if (e.size() > 254 || at == std::string::npos || at == 0 || e.find('@', at + 1) != std::string::npos ||
        e.find('.', at) == std::string::npos || e.back() == '.' ||
        std::any_of(e.begin(), e.end(), [](char c) { return c == ' ' || c < 0x20; })) {
        throw error(errc::invalid_argument, "email_address is not a valid email address");
    }
    if (r.password.size() < 8) {
        throw error(errc::invalid_argument, "password must have at least 8 characters");
    }
    if (r.password.size() > 1024) {
        throw error(errc::invalid_argument, "password must have at most 1024 characters");
    }
}

std::vector<team_summary> summaries(const std::vector<catalog::team_record>& teams) {
    std::vector<team_summary> out;
    out.reserve(teams.size());
    for (const auto& t : teams) out.push_back({t.billing, t.name, t.number_of_databases});
    return out;
}

// A hash to verify against when the user does not exist, so both failures take as long.
const std::string& decoy_hash(const options& opts) {
    static const std::string h =
        auth::hash_password("decoy password", opts.password_hash_ops, opts.password_hash_memory);
    return h;
}

// The key of an account for rate limits: the name as typed, case-folded, bounded.
std::string account_key(std::string_view name) {
    std::string key(name.substr(0, 64));
    std::transform(key.begin(), key.end(), key.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return key;
}

}  // namespace

void sign_up(engine& eng, const principal& who, const sign_up_request& request) {
    auto& e = eng.internals();
    if (!who.is_server_admin()) {
        e.limiter.take(e.opts.sign_up_per_address, "sign-up",
                       auth::address_key(who.client_address()), "sign-ups from this address");
    }
    validate(request);
    if (request.invite_key && request.invite_key->size() > 64) {
        throw error(errc::invalid_argument, "invite_key is not an invitation key");
    }
    auto policy = current_server_settings(eng)->sign_up;
    if (!request.invite_key && policy != sign_up_policy::open && !who.is_server_admin() &&
        e.catalog.count_users() > 0) {
        throw error(errc::permission_denied, policy == sign_up_policy::closed
                                                 ? "sign-up is closed on this server"
                                                 : "sign-up on this server needs an invitation");
    }
    auto hash = auth::hash_password(request.password, e.opts.password_hash_ops,
                                    e.opts.password_hash_memory);
    std::string invite_hash;
    if (request.invite_key) invite_hash = core::sha256_hex(*request.invite_key);
    auto user_id = e.catalog.create_user_with_team(request.username, request.email_address, hash,
                                                   request.username, core::now_iso_utc(),
                                                   request.invite_key ? &invite_hash : nullptr);
    // An invitation came by mail to this address: confirmed already.
    if (!request.invite_key && current_server_settings(eng)->smtp) {
        mail::send_verification(e, user_id, request.username, request.email_address);
    }
}

login_response login(engine& eng, const principal& who, const login_request& request) {
    auto& e = eng.internals();
    // Limits first, so a refused attempt costs no hashing (and says nothing about the user).
    e.limiter.take(e.opts.login_per_address, "login", auth::address_key(who.client_address()),
                   "login attempts from this address");
    auto account = account_key(request.username);
    // A failure's token is reserved before the password is checked (concurrent guesses cannot
    // all pass a check first) and given back when the password is right.
    e.limiter.take(e.opts.login_failures_per_account, "login-failure", account,
                   "failed logins for this account");
    if (request.username.size() > 256 || request.password.size() > 1024) {
        throw error(errc::unauthenticated, "invalid username or password");  // token spent
    }
    auto user = e.catalog.find_user(request.username);
    // The same work whether the user exists or not: a decoy hash is verified for unknown users.
    bool ok = user ? auth::verify_password(user->password_hash, request.password)
                   : (auth::verify_password(decoy_hash(e.opts), request.password), false);
    if (!ok) throw error(errc::unauthenticated, "invalid username or password");
    e.limiter.give_back(e.opts.login_failures_per_account, "login-failure", account);
    auto token = core::random_base62(43);
    auto now = core::now();
    e.catalog.create_session(
        user->id, core::sha256_hex(token), core::to_iso_utc(now),
        core::to_iso_utc(now + std::chrono::seconds(session_lifetime_seconds(eng))));
    return {token, summaries(e.catalog.teams_of_user(user->id)), user->username};
}

void logout(engine& eng, const principal& who) {
    if (who.kind() != principal_kind::user || who.session_id() == 0) {
        throw error(errc::unauthenticated, "not logged in with a session");
    }
    eng.internals().catalog.delete_session(who.session_id());
}

user_info get_user(engine& eng, const principal& who, std::string_view username) {
    auth::require_user(who);
    auto& e = eng.internals();
    auto user = e.catalog.find_user(username);
    bool allowed = who.is_server_admin() || (user && user->id == who.user_id());
    if (!user || !allowed) {
        throw error(errc::not_found, fmt::format("user \"{}\" does not exist", username));
    }
    user_info info;
    if (user->server_admin) info.server_roles.push_back("admin");
    info.teams = summaries(e.catalog.teams_of_user(user->id));
    info.username = user->username;
    return info;
}

void change_password(engine& eng, const principal& who, std::string_view username,
                     const password_change& request) {
    auth::require_user(who);
    auto& e = eng.internals();
    auto user = e.catalog.find_user(username);
    bool self = user && user->id == who.user_id();
    if (!user || !(self || who.is_server_admin())) {
        throw error(errc::not_found, fmt::format("user \"{}\" does not exist", username));
    }
    if (request.new_password.size() < 8 || request.new_password.size() > 1024) {
        throw error(errc::invalid_argument, "newPassword must have 8–1024 characters");
    }
    if (self) {
        // Guessing the current password through this door counts like failed logins.
        auto account = account_key(user->username);
        e.limiter.take(e.opts.login_failures_per_account, "login-failure", account,
                       "failed password checks for this account");
        if (request.current_password.size() > 1024 ||
            !auth::verify_password(user->password_hash, request.current_password)) {
            throw error(errc::unauthenticated, "currentPassword is wrong");
        }
        e.limiter.give_back(e.opts.login_failures_per_account, "login-failure", account);
    }
    auto hash = auth::hash_password(request.new_password, e.opts.password_hash_ops,
                                    e.opts.password_hash_memory);
    e.catalog.set_password(user->id, hash, self ? who.session_id() : 0);
}

void delete_user(engine& eng, const principal& who, std::string_view username) {
    auth::require_user(who);
    auto& e = eng.internals();
    auto user = e.catalog.find_user(username);
    bool self = user && user->id == who.user_id();
    if (!user || !(self || who.is_server_admin())) {
        throw error(errc::not_found, fmt::format("user \"{}\" does not exist", username));
    }
    if (user->server_admin && e.catalog.count_server_admins() <= 1) {
        throw error(errc::failed_precondition, "the last server admin cannot be deleted");
    }
    e.catalog.delete_user(user->id);
}

}  // namespace airsql
