// SPDX-License-Identifier: Apache-2.0
// Server-wide settings (`GET/PATCH /api/settings`): who may sign up, how long sessions last,
// limits of teams and databases (also per billing plan), outbound hosts and environment
// variables for functions, and outgoing mail. Kept in the catalog (one JSON document), so
// they survive restarts; an engine caches the current version in memory.
//
// A setting left unset falls back to the engine's `options` (which are also the upper bound
// of every limit here: settings can make an instance stricter than its host configured,
// never looser).
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airsql {

class engine;
class principal;

/// Who may create an account with `POST /api/users`.
enum class sign_up_policy {
    open,         ///< anyone
    invite_only,  ///< holders of an invitation key (see mail.hpp), and server admins
    closed,       ///< server admins only (the first user of a fresh instance always may)
};

/// "open", "invite-only", "closed".
std::string_view to_string(sign_up_policy p) noexcept;

/// Limits of teams and their databases. Null: no limit beyond the engine's options.
struct team_limits {
    /// Most databases one team may own (creating or receiving more is `failed_precondition`).
    std::optional<std::int64_t> max_databases_per_team;
    /// Largest size a database may grow to (at most `options::max_database_bytes`).
    std::optional<std::uint64_t> max_database_bytes;
    bool operator==(const team_limits&) const = default;
};

/// How mail leaves the server (see mail.hpp). Without it, mail goes to the outbox.
struct smtp_settings {
    /// `smtp://host[:port]` (plain, or STARTTLS when `tls` is "starttls") or
    /// `smtps://host[:port]` (implicit TLS).
    std::string url;
    /// "starttls" (required), "implicit" (smtps://) or "none" (plain text: local relays only).
    std::string tls = "starttls";
    std::string username;  ///< empty: no authentication
    /// Never shown by `get_server_settings` (which reports `password_set`); in a PATCH, an
    /// absent password keeps the stored one.
    std::optional<std::string> password;
    bool password_set = false;
    std::string from;  ///< sender address, e.g. "noreply@example.org"
    /// Whether the server's certificate is verified (default; off only for test relays).
    bool verify_peer = true;
    bool operator==(const smtp_settings&) const = default;
};

/// A server-wide environment variable (functions of every database get them).
struct server_env_var {
    std::string name;
    std::string value;
    std::string created_utc;
    bool operator==(const server_env_var&) const = default;
};

/// All server settings. JSON keys in camelCase (see docs/decisions.md "Server settings").
struct server_settings {
    sign_up_policy sign_up = sign_up_policy::open;
    /// Lifetime of new login sessions, 1 hour to 1 year.
    std::int64_t session_lifetime_hours = 24 * 30;
    team_limits limits;
    /// Limits by billing plan (`billing.plan` of a team, set by Paddle events or admins);
    /// a plan's null fields fall back to `limits`.
    std::map<std::string, team_limits> plans;
    /// Largest upload (database file, CSV, file cell) the server accepts; null: the server's
    /// own cap.
    std::optional<std::uint64_t> max_upload_bytes;
    /// Hosts (`name` or `name:port`, as Deno's --allow-net takes them) that functions may
    /// reach. Empty: none.
    std::vector<std::string> allowed_hosts;
    std::vector<server_env_var> env_vars;
    std::optional<smtp_settings> smtp;
    /// Base URL of this server as users reach it (e.g. "https://db.example.org"), for links in
    /// mail; null: links are relative paths.
    std::optional<std::string> public_url;
    /// Whether `POST /api/dbs` without a session creates an anonymous database: public,
    /// owned by no team, readable and writable by whoever knows its id, deleted after
    /// `options::anonymous_database_lifetime` (10 days).
    bool anonymous_databases = false;
    /// Size cap of anonymous databases (null: `limits.maxDatabaseBytes`).
    std::optional<std::uint64_t> anonymous_max_database_bytes;
    /// The `key` query parameter Paddle's webhook calls `POST /api/events/paddle` with (see
    /// billing.hpp); null: billing events are refused. Never shown (see `paddle_key_set`).
    std::optional<std::string> paddle_webhook_key;
    bool paddle_key_set = false;
    /// Which plan a Paddle `subscription_plan_id` buys; ids not listed buy "pro".
    std::map<std::string, std::string> paddle_plans;
    bool operator==(const server_settings&) const = default;
};

/// `PATCH /api/settings` body: every present key replaces that setting (`smtp: null` removes
/// SMTP, `publicUrl: null` clears it).
struct server_settings_patch {
    std::optional<sign_up_policy> sign_up;
    std::optional<std::int64_t> session_lifetime_hours;
    std::optional<team_limits> limits;
    std::optional<std::map<std::string, team_limits>> plans;
    std::optional<std::optional<std::uint64_t>> max_upload_bytes;
    std::optional<std::vector<std::string>> allowed_hosts;
    std::optional<std::vector<server_env_var>> env_vars;  ///< created_utc ignored
    std::optional<std::optional<smtp_settings>> smtp;
    std::optional<std::optional<std::string>> public_url;
    std::optional<std::optional<std::string>> paddle_webhook_key;
    std::optional<bool> anonymous_databases;
    std::optional<std::optional<std::uint64_t>> anonymous_max_database_bytes;
    std::optional<std::map<std::string, std::string>> paddle_plans;
};

/// The settings, with the SMTP password removed. Server admins only: `unauthenticated` for
/// anonymous callers, `permission_denied` for everyone else.
server_settings get_server_settings(engine& eng, const principal& who);

/// Validates and applies a patch in one step (all or nothing): `invalid_argument` naming the
/// first bad field. Server admins only, as `get_server_settings`. Returns the new settings
/// (password removed).
server_settings update_server_settings(engine& eng, const principal& who,
                                       const server_settings_patch& patch);

/// Server-wide environment variables one at a time (`/api/settings/env`), server admins
/// only, with the rules of `envVars`: `add_server_env_var` (`already_exists` for a taken
/// name), `update_server_env_var` (new name and/or value; `not_found`, `already_exists`),
/// `delete_server_env_var` (`not_found`). Each returns the variable as stored (or nothing).
std::vector<server_env_var> list_server_env_vars(engine& eng, const principal& who);
server_env_var add_server_env_var(engine& eng, const principal& who, const std::string& name,
                                  const std::string& value);
server_env_var update_server_env_var(engine& eng, const principal& who, std::string_view name,
                                     const std::optional<std::string>& new_name,
                                     const std::optional<std::string>& new_value);
void delete_server_env_var(engine& eng, const principal& who, std::string_view name);

/// The current settings, including secrets (SMTP password, environment variable values), for
/// library code and embedding hosts (e.g. the functions runtime reads `allowed_hosts` and
/// `env_vars` from here). No principal check: never hand the result to a caller. The snapshot
/// is immutable; a later update does not change it. Thread-safe; cheap (no catalog read).
std::shared_ptr<const server_settings> current_server_settings(engine& eng);

/// The effective upload cap: the smaller of `server_cap` and the setting. Cheap; thread-safe.
std::uint64_t effective_upload_cap(engine& eng, std::uint64_t server_cap);

/// Lifetime of new sessions, in seconds (for the cookie's Max-Age).
std::int64_t session_lifetime_seconds(engine& eng);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const server_settings& v);
server_settings_patch tag_invoke(boost::json::value_to_tag<server_settings_patch>,
                                 const boost::json::value& jv);

}  // namespace airsql
