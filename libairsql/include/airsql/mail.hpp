// SPDX-License-Identifier: Apache-2.0
// Account flows that go through mail: password reset, email verification, invitations, and
// the outbox. Mail leaves over SMTP (server settings `smtp`, sent by a background thread with
// libcurl: STARTTLS or implicit TLS, optional authentication); without SMTP it is kept in the
// outbox, which server admins read. The server log names each mail's recipient and subject,
// never its body (which holds the secret link).
//
// Keys are 43 random base62 characters (~256 bits), stored as SHA-256, single-use (taken in
// one statement) and short-lived: password reset 1 hour, email verification 7 days,
// invitations 7 days.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/teams.hpp"

namespace airsql {

class engine;
class principal;

/// `POST /api/users/reset-password` body.
struct password_reset_request {
    std::string email;
    bool operator==(const password_reset_request&) const = default;
};

/// `POST /api/users/reset-password/submit` body.
struct password_reset_submit {
    std::string reset_key;  ///< JSON "resetKey"
    std::string password;
    bool operator==(const password_reset_submit&) const = default;
};

/// `POST /api/users/invite` body.
struct invite_request {
    std::string email;
    /// The team to join; default: the inviter's personal team.
    std::optional<std::string> team;
    /// Roles in that team; default Editor.
    std::vector<team_role> roles;
    bool operator==(const invite_request&) const = default;
};

/// What an invitation offers (for the sign-up page of its link).
struct invitation_info {
    std::string email;
    std::string team;
    bool operator==(const invitation_info&) const = default;
};

/// One mail as server admins see it in the outbox. `body` is empty once the mail was sent.
struct outbox_entry {
    std::int64_t id = 0;
    std::string to;
    std::string subject;
    std::string body;
    std::string created_utc;
    std::string status;  ///< "kept" (no SMTP), "queued", "sent", "failed"
    std::optional<std::string> error;
    bool operator==(const outbox_entry&) const = default;
};

struct outbox_list {
    std::vector<outbox_entry> mails;
    bool operator==(const outbox_list&) const = default;
};

/// Sends a password-reset link to the account with this email address, if there is one.
/// Succeeds the same way (and does the same work in the caller's thread) whether or not the
/// address belongs to an account. Rate-limited per client address and per email address
/// (`rate_limited_error`); `invalid_argument` only for a body that is not an address.
void request_password_reset(engine& eng, const principal& who,
                            const password_reset_request& request);

/// Sets a new password with a reset key, which it uses up; ends every session of the user.
/// `invalid_argument` for an unknown, used or expired key, or a bad password (the key then
/// stays valid).
void submit_password_reset(engine& eng, const principal& who, const password_reset_submit& request);

/// Whether a password-reset key is valid now (without using it): for the reset page.
bool password_reset_key_valid(engine& eng, std::string_view key);

/// Marks the address of the key's user as verified and uses the key up; returns the username.
/// `invalid_argument` for an unknown, used or expired key.
std::string verify_email(engine& eng, std::string_view key);

/// Invites an email address to a team: a mail with a single-use sign-up link. Admins of the
/// team (and server admins); rate-limited per inviter. Works whatever the sign-up policy: an
/// invitation is how an invite-only server lets people in. `already_exists` when a user has
/// that address (add them as a member instead).
void invite_user(engine& eng, const principal& who, const invite_request& request);

/// What a valid invitation key offers; nullopt for an unknown, used or expired key.
std::optional<invitation_info> find_invitation(engine& eng, std::string_view key);

/// The newest mails of the outbox, at most `limit` (≤ 1000). Server admins only.
outbox_list read_outbox(engine& eng, const principal& who, std::size_t limit = 100);

/// Waits until no mail is queued for SMTP, or `timeout_ms` passed; returns whether it is
/// empty. For tests and orderly shutdown.
bool flush_mail(engine& eng, std::int64_t timeout_ms);

password_reset_request tag_invoke(boost::json::value_to_tag<password_reset_request>,
                                  const boost::json::value& jv);
password_reset_submit tag_invoke(boost::json::value_to_tag<password_reset_submit>,
                                 const boost::json::value& jv);
invite_request tag_invoke(boost::json::value_to_tag<invite_request>, const boost::json::value& jv);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const outbox_entry& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const outbox_list& v);

}  // namespace airsql
