// SPDX-License-Identifier: Apache-2.0
// Functions: JavaScript/TypeScript modules per database, run by Deno (`/api/dbs/:dbId/functions`
// to manage them, `/fns/:funcId` to call them).
//
// - Every save of a function's code is a new version (content kept); one version is active.
//   A version is type-checked on save (`deno check`): its errors come back as `diagnostics`
//   with line and column. A version whose module does not parse is stored but not activated.
// - A call runs the active version's `export default async function (context)` with
//   `functionId`, `databaseId`, `method`, `headers`, `data` (the parsed JSON body, or the raw
//   text), `query` (URL parameters), `env` (the database's variables over the server's) and
//   two helpers, `context.sql(query)` and `context.graphql(query, variables)`, that run against
//   the function's own database with the CALLER's rights, through pipes to airsql: the module
//   needs no file or network permission for its database.
// - Sandbox: Deno with `--no-prompt`; the module runs in a Worker with permission to read its
//   own module and nothing else, no env, subprocess, FFI or system information; network only
//   to `options::function_allowed_hosts`. A V8 heap cap, rlimits on the process, and a
//   wall-clock timeout per call. See docs/decisions.md ("Functions").
// - `runtime: "python"`: the version's `async def main(context)` with the same context and
//   helpers (`await context.sql(query)`), each call in a fresh Debian python3 under bubblewrap
//   (no network, only the interpreter's files, an empty environment, rlimits, a uid of its
//   own per concurrent call). See docs/decisions.md ("Functions (Python, issue 9)").
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "airsql/settings.hpp"

namespace airsql {

class engine;
class principal;

/// One type-check message of a version.
struct function_diagnostic {
    std::string message;
    std::optional<std::string> code;  ///< "TS2322"; null for syntax errors
    std::int64_t line = 0;            ///< 1-based; 0 when the checker named no place
    std::int64_t column = 0;          ///< 1-based
    bool syntax = false;              ///< the module does not parse
    bool operator==(const function_diagnostic&) const = default;
};

/// An event trigger: the function is called once (at least) for every committed INSERT,
/// UPDATE or DELETE of a row of `table` (a table of its database) among `events`. Its
/// `context.method` is "POST" and `context.data` is `{"trigger": {"table", "event"}, "old",
/// "new", "deliveryId", "attempt"}` (old/new: the row as a JSON object, null where there is
/// none; BLOBs as `{"base16": "…"}`). A call that fails (error, timeout, status outside
/// 2xx) is tried again after `backoff_ms`·2^(attempt−1) (at most an hour) until
/// `max_attempts`; then the event is dead-lettered (recorded with state "dead" and dropped).
/// The helpers (`context.sql`, `context.graphql`) run with the rights of the user who
/// attached the trigger, as they are at delivery time. See docs/decisions.md.
struct function_trigger {
    std::string table;
    std::vector<std::string> events;  ///< "insert", "update", "delete" (at least one)
    int max_attempts = 5;             ///< JSON "maxAttempts": 1–20
    std::int64_t backoff_ms = 1000;   ///< JSON "backoffMs": 10–3,600,000
    bool operator==(const function_trigger&) const = default;
};

/// A function as `GET …/functions/:funcId` shows it (and one version of it, as
/// `GET …/versions/:versionId` shows it: then `content`, `diagnostics` and `runtime` are that
/// version's).
struct function_info {
    std::string id;
    std::string name;
    std::optional<std::string> description;
    std::string runtime = "deno";
    /// The content of the active version (of the version asked for, for a version); null when
    /// no version is active.
    std::optional<std::string> content;
    std::optional<std::vector<function_diagnostic>> diagnostics;
    /// Version ids, oldest first.
    std::vector<std::string> versions;
    std::optional<std::string> active_version;  ///< JSON "activeVersion"
    bool is_public = false;                     ///< JSON "public": callable anonymously
    std::string created_utc;
    std::string updated_utc;
    /// For a version: its id (JSON "versionId") and creation time.
    std::optional<std::string> version_id;
    std::optional<std::string> version_created_utc;
    /// Its event triggers (JSON "triggers"), by table name.
    std::vector<function_trigger> triggers;
    bool operator==(const function_info&) const = default;
};

/// `POST …/functions` body.
struct function_input {
    std::string name;
    std::optional<std::string> description;
    std::string runtime = "deno";
    std::string content;
    bool is_public = false;
    /// Event triggers to attach (JSON "triggers"): one entry per table, at most 20.
    std::vector<function_trigger> triggers;
    bool operator==(const function_input&) const = default;
};

/// `PATCH …/functions/:funcId` body. Absent fields stay; `content` (or `runtime`) saves a new
/// version.
struct function_patch {
    std::optional<std::string> name;
    std::optional<std::optional<std::string>> description;
    std::optional<std::string> runtime;
    std::optional<std::string> content;
    std::optional<bool> is_public;
    /// Replaces every event trigger (`[]` detaches them all).
    std::optional<std::vector<function_trigger>> triggers;
    bool operator==(const function_patch&) const = default;
};

/// Answer of PATCH and republish: the version saved (or made active) and its diagnostics.
struct function_save_result {
    std::string id;           ///< the version id
    std::string function_id;  ///< JSON "functionId"
    std::vector<function_diagnostic> diagnostics;
    bool active = false;  ///< the version is now the active one
    bool operator==(const function_save_result&) const = default;
};

/// One log line of an invocation.
struct function_log_entry {
    std::string message;
    std::string stream;  ///< "stdout" (console.log/info/debug) or "stderr" (warn/error)
    std::string utc;
    bool operator==(const function_log_entry&) const = default;
};

/// One recorded call.
struct function_invocation {
    std::int64_t id = 0;
    std::string created_utc;  ///< JSON "createdUtc"
    std::string version_id;   ///< JSON "versionId"
    int status = 200;         ///< the HTTP status answered
    /// The answered body as text (JSON "data", a string as in the reference), at most
    /// `options::function_max_recorded_bytes`.
    std::string data;
    std::vector<function_log_entry> logs;
    double runtime_ms = 0;  ///< JSON "runtimeMs"
    /// {"method", "query", "headers" (without credentials and cookies), "caller"}.
    boost::json::value request;
    std::optional<std::string> error;  ///< why the call failed (timeout, memory, exception)
    /// Only for event-trigger deliveries (absent from other calls' JSON): {"table", "event"}
    /// (JSON "trigger"), the event, which attempt this was (1-based), the state after it
    /// ("delivered", "retrying" or "dead") and the event's id (JSON "deliveryId", the same
    /// across its attempts).
    std::optional<boost::json::value> trigger;
    std::optional<std::string> event;
    std::optional<std::int64_t> attempt;
    std::optional<std::string> state;
    std::optional<std::string> delivery_id;
    bool operator==(const function_invocation&) const = default;
};

/// The request of a call (`/fns/:funcId`), as the transport found it.
struct function_call {
    std::string method = "GET";
    std::vector<std::pair<std::string, std::string>> headers;  ///< names lower-case
    std::vector<std::pair<std::string, std::string>> query;
    std::string body;
    std::string content_type;
};

/// What a call answers.
struct function_response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string content_type = "application/json";
};

/// Functions of a database (`GET …/functions`): signed-in members of the owning team (any
/// role). `not_found` when the database does not exist or the caller has no access;
/// `permission_denied` for API tokens, read-only links and outsiders of public databases.
std::vector<function_info> list_functions(engine& eng, const principal& who,
                                          std::string_view db_id);

/// Creates a function and its first version (team Editors and Admins). `invalid_argument` for
/// a bad name (1–200 characters), runtime ("deno" or "python"), or content (empty, over
/// `options::max_function_bytes`, not UTF-8); `failed_precondition` when the database has
/// `options::max_functions_per_database`; `unavailable` when no Deno is configured (for
/// "python": no python3 or bwrap, or bwrap cannot create its namespaces). The
/// answer holds the diagnostics; `activeVersion` stays null when the module does not parse.
function_info create_function(engine& eng, const principal& who, std::string_view db_id,
                              const function_input& input);

/// One function (team members). `not_found` for an unknown id or one of another database.
function_info get_function(engine& eng, const principal& who, std::string_view db_id,
                           std::string_view function_id);

/// Changes a function (team Editors and Admins); with `content` or `runtime`, a new version
/// that becomes active if it parses. Versions beyond `options::max_function_versions` are
/// dropped, oldest first (never the active one).
function_save_result update_function(engine& eng, const principal& who, std::string_view db_id,
                                     std::string_view function_id, const function_patch& patch);

/// Deletes a function with its versions and invocations (team Editors and Admins).
void delete_function(engine& eng, const principal& who, std::string_view db_id,
                     std::string_view function_id);

/// One version (team members).
function_info get_function_version(engine& eng, const principal& who, std::string_view db_id,
                                   std::string_view function_id, std::string_view version_id);

/// Makes an old version active again (team Editors and Admins). `failed_precondition` when
/// that version does not parse.
function_save_result republish_function(engine& eng, const principal& who, std::string_view db_id,
                                        std::string_view function_id, std::string_view version_id);

/// The recorded calls, newest first: the last `options::function_max_invocations` per
/// function (team Editors and Admins: logs may show data).
std::vector<function_invocation> list_function_invocations(engine& eng, const principal& who,
                                                           std::string_view db_id,
                                                           std::string_view function_id);

/// Calls a function's active version and records the call. Who may call: a public function
/// anyone; else principals with any access to its database (team members, API tokens by
/// their permission). The helpers run with `who`'s rights.
///
/// A returned value becomes a 200 JSON body; a returned `Response` keeps its status, headers
/// (but never `Set-Cookie`) and body. Failures are answered as errors after they are recorded:
/// `deadline_exceeded` (the wall-clock limit ran out: the call's worker was terminated),
/// `resource_exhausted` (the V8 heap cap; the runtime was restarted), `internal` (an
/// uncaught exception, with its message), `failed_precondition` (no active version),
/// `payload_too_large` (an answer over `options::max_function_response_bytes`),
/// `unavailable` (no Deno configured). Thread-safe; calls of one function share a warm
/// runtime, each call in its own Worker.
function_response call_function(engine& eng, const principal& who, std::string_view function_id,
                                const function_call& call);

/// Backoff before attempt `attempt + 1` of an event delivery whose attempt `attempt` (1-based)
/// failed: `backoff_ms`·2^(attempt−1), at most one hour.
std::int64_t event_retry_delay_ms(std::int64_t backoff_ms, std::int64_t attempt);

/// Server-wide environment variables and allowed hosts come from the server settings
/// (server_settings.hpp: `envVars`, `allowedHosts`, and `/api/settings/env`).


void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const function_diagnostic& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const function_trigger& v);
function_trigger tag_invoke(boost::json::value_to_tag<function_trigger>,
                            const boost::json::value& jv);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const function_info& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const function_save_result& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const function_log_entry& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const function_invocation& v);
function_input tag_invoke(boost::json::value_to_tag<function_input>, const boost::json::value& jv);
function_patch tag_invoke(boost::json::value_to_tag<function_patch>, const boost::json::value& jv);

}  // namespace airsql
