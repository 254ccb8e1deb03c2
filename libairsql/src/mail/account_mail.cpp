// SPDX-License-Identifier: Apache-2.0
#include "airsql/mail.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "auth/access.hpp"
#include "auth/password.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"
#include "core/ids.hpp"
#include "mail/account_mail.hpp"
#include "settings/server_settings_store.hpp"

namespace airsql {

namespace {

constexpr auto reset_lifetime = std::chrono::hours(1);
constexpr auto verify_lifetime = std::chrono::hours(24 * 7);
constexpr auto invite_lifetime = std::chrono::hours(24 * 7);

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool is_address(std::string_view e) {
    auto at = e.find('@');
    return e.size() <= 254 && at != std::string_view::npos && at > 0 &&
           e.find('@', at + 1) == std::string_view::npos &&
           e.find('.', at) != std::string_view::npos && e.back() != '.' &&
           std::none_of(e.begin(), e.end(), [](char c) {
               return static_cast<unsigned char>(c) <= ' ' || c == '<' || c == '>' || c == ',' ||
                      c == '"' || c == ';' || c == 0x7f;
           });
}

// Keys are short enough for a URL path segment and long enough not to be guessed.
bool plausible_key(std::string_view key) {
    return key.size() == 43 && std::all_of(key.begin(), key.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c));
           });
}

// A link to a page of this server: absolute with `publicUrl`, else a path.
std::string link(engine::impl& e, std::string_view path) {
    auto s = settings::current(e);
    return s->public_url.value_or("") + std::string(path);
}

std::string new_key(engine::impl& e, std::string_view purpose,
                    const catalog::account_key_record& record, std::chrono::hours lifetime) {
    auto key = core::random_base62(43);
    auto now = core::now();
    e.catalog.insert_account_key(core::sha256_hex(key), purpose, record, core::to_iso_utc(now),
                                 core::to_iso_utc(now + lifetime));
    return key;
}

}  // namespace

namespace mail {

void send_verification(engine::impl& e, std::int64_t user_id, const std::string& username,
                       const std::string& email) {
    catalog::account_key_record k;
    k.user_id = user_id;
    auto key = new_key(e, "email_verification", k, verify_lifetime);
    e.mailer.send({email, "Confirm your email address",
                   fmt::format("Hello {},\n\nplease confirm that this is your email address by "
                               "opening this link within 7 days:\n\n{}\n\nIf you did not sign "
                               "up, ignore this mail.\n",
                               username, link(e, "/verify-email/" + key))});
}

std::optional<catalog::account_key_record> take_invitation(engine::impl& e, std::string_view key) {
    if (!plausible_key(key)) return std::nullopt;
    return e.catalog.take_account_key(core::sha256_hex(key), "invitation", core::now_iso_utc());
}

}  // namespace mail

void request_password_reset(engine& eng, const principal& who,
                            const password_reset_request& request) {
    auto& e = eng.internals();
    if (!is_address(request.email)) {
        throw error(errc::invalid_argument, "email is not an email address");
    }
    e.limiter.take(e.opts.password_reset_per_address, "password-reset",
                   auth::address_key(who.client_address()),
                   "password-reset requests from this address");
    e.limiter.take(e.opts.password_reset_per_account, "password-reset-account",
                   lower(request.email), "password-reset requests for this address");
    // Whether the address has an account shows neither in the answer nor in its time: the
    // mail is queued (a catalog write either way would be ideal; the key and outbox rows are
    // written only for real accounts, which takes about a millisecond).
    auto user = e.catalog.find_user_by_email(request.email);
    if (!user) return;
    catalog::account_key_record k;
    k.user_id = user->id;
    auto key = new_key(e, "password_reset", k, reset_lifetime);
    e.mailer.send({user->email, "Reset your password",
                   fmt::format("Hello {},\n\nsomeone (hopefully you) asked to reset the password "
                               "of your account. Choose a new one within an hour here:\n\n{}\n\n"
                               "If it was not you, ignore this mail: your password stays as it "
                               "is.\n",
                               user->username, link(e, "/password-reset/" + key))});
}

void submit_password_reset(engine& eng, const principal& who,
                           const password_reset_submit& request) {
    auto& e = eng.internals();
    e.limiter.take(e.opts.password_reset_per_address, "password-reset-submit",
                   auth::address_key(who.client_address()),
                   "password-reset attempts from this address");
    if (request.password.size() < 8 || request.password.size() > 1024) {
        throw error(errc::invalid_argument, "the password must have 8–1024 characters");
    }
    auto bad_key = [] {
        return error(errc::invalid_argument,
                     "this password-reset link is invalid, used or expired; ask for a new one");
    };
    if (!plausible_key(request.reset_key)) throw bad_key();
    // Hash first (slow), then take the key: a failure in between does not burn it.
    auto hash = auth::hash_password(request.password, e.opts.password_hash_ops,
                                    e.opts.password_hash_memory);
    auto k = e.catalog.take_account_key(core::sha256_hex(request.reset_key), "password_reset",
                                        core::now_iso_utc());
    if (!k || !k->user_id) throw bad_key();
    e.catalog.set_password(*k->user_id, hash, 0);
}

bool password_reset_key_valid(engine& eng, std::string_view key) {
    auto& e = eng.internals();
    return plausible_key(key) &&
           e.catalog.peek_account_key(core::sha256_hex(key), "password_reset", core::now_iso_utc());
}

std::string verify_email(engine& eng, std::string_view key) {
    auto& e = eng.internals();
    auto bad = [] {
        return error(errc::invalid_argument, "this confirmation link is invalid, used or expired");
    };
    if (!plausible_key(key)) throw bad();
    auto k = e.catalog.take_account_key(core::sha256_hex(key), "email_verification",
                                        core::now_iso_utc());
    if (!k || !k->user_id) throw bad();
    e.catalog.set_email_verified(*k->user_id);
    auto users = e.catalog.find_user_by_id(*k->user_id);
    return users ? users->username : std::string();
}

void invite_user(engine& eng, const principal& who, const invite_request& request) {
    auto& e = eng.internals();
    auth::require_user(who);
    auto team_name = request.team.value_or(who.username());
    auto team = auth::require_team_role(e, who, team_name, team_role::admin);
    e.limiter.take(e.opts.invite_per_account, "invite", std::to_string(who.user_id()),
                   "invitations from this account");
    if (!is_address(request.email)) {
        throw error(errc::invalid_argument, "email is not an email address");
    }
    if (e.catalog.find_user_by_email(request.email)) {
        throw error(errc::already_exists,
                    "a user with this email address exists: add them to the team instead");
    }
    catalog::account_key_record k;
    k.email = request.email;
    k.team_id = team.id;
    k.roles = request.roles.empty() ? std::vector<team_role>{team_role::editor} : request.roles;
    auto key = new_key(e, "invitation", k, invite_lifetime);
    e.mailer.send(
        {request.email, fmt::format("{} invites you to the team {}", who.username(), team.name),
         fmt::format("Hello,\n\n{} invites you to join the team \"{}\". Create your "
                     "account within 7 days here:\n\n{}\n\nIf you do not know {}, "
                     "ignore this mail.\n",
                     who.username(), team.name, link(e, "/invitation/" + key), who.username())});
}

std::optional<invitation_info> find_invitation(engine& eng, std::string_view key) {
    auto& e = eng.internals();
    if (!plausible_key(key)) return std::nullopt;
    auto k = e.catalog.peek_account_key(core::sha256_hex(key), "invitation", core::now_iso_utc());
    if (!k || !k->email || !k->team_id) return std::nullopt;
    auto team = e.catalog.find_team_by_id(*k->team_id);
    if (!team) return std::nullopt;
    return invitation_info{*k->email, team->name};
}

outbox_list read_outbox(engine& eng, const principal& who, std::size_t limit) {
    auth::require_user(who);
    if (!who.is_server_admin()) {
        throw error(errc::permission_denied, "the outbox is for server admins only");
    }
    outbox_list out;
    for (auto& m :
         eng.internals().catalog.outbox(std::clamp<std::size_t>(limit, 1, 1000), std::nullopt)) {
        out.mails.push_back(
            {m.id, m.recipient, m.subject, m.body, m.created_utc, m.status, m.error});
    }
    return out;
}

bool flush_mail(engine& eng, std::int64_t timeout_ms) {
    return eng.internals().mailer.flush(std::chrono::milliseconds(timeout_ms));
}

}  // namespace airsql
