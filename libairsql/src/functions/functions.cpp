// SPDX-License-Identifier: Apache-2.0
#include "airsql/functions.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>

#include "airsql/error.hpp"
#include "airsql/graphql.hpp"
#include "airsql/http_fields.hpp"
#include "airsql/principal.hpp"
#include "airsql/sql.hpp"
#include "auth/access.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "functions/deno_check.hpp"
#include "functions/python_host.hpp"
#include "functions/invoke.hpp"
#include "json/utf8.hpp"
#include "settings/server_settings_store.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql {

namespace bj = boost::json;

namespace {

constexpr std::size_t max_name_length = 200;
constexpr std::size_t max_description_length = 10'000;

// ---- rights ----

// Managing: signed-in team Editors and Admins.
auth::resolved_database for_editors(engine::impl& e, const principal& who, std::string_view db_id) {
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_user(who);
    if (!db.access.schema) {
        throw error(errc::permission_denied,
                    "managing functions needs the Editor or Admin role in the owning team");
    }
    return db;
}

// Reading code and versions: signed-in members of the owning team (any role).
auth::resolved_database for_members(engine::impl& e, const principal& who, std::string_view db_id) {
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_user(who);
    if (!auth::role_in_team(e, who, db.record.team_id)) {
        throw error(errc::permission_denied,
                    "functions are visible to the members of the owning team");
    }
    return db;
}

catalog::function_record function_of(engine::impl& e, const auth::resolved_database& db,
                                     std::string_view function_id) {
    auto fn = e.catalog.find_function(function_id);
    if (!fn || fn->db_id != db.record.id) {
        throw error(errc::not_found,
                    fmt::format("there is no function \"{}\" in this database",
                                json::to_valid_utf8(std::string(function_id.substr(0, 100)))));
    }
    return *fn;
}

// ---- validation ----

void check_name(const std::string& name) {
    if (name.empty() || name.size() > max_name_length ||
        json::first_invalid_utf8(name) != name.size()) {
        throw error(
            errc::invalid_argument,
            fmt::format("a function name has 1–{} characters of UTF-8 text", max_name_length));
    }
}

void check_description(const std::optional<std::string>& d) {
    if (d && (d->size() > max_description_length || json::first_invalid_utf8(*d) != d->size())) {
        throw error(errc::invalid_argument,
                    fmt::format("a function description has at most {} bytes of UTF-8 text",
                                max_description_length));
    }
}

void check_runtime(const std::string& runtime) {
    if (runtime != "deno" && runtime != "python") {
        throw error(errc::invalid_argument,
                    fmt::format("runtime \"{}\" is not supported: use \"deno\" or \"python\"",
                                json::to_valid_utf8(runtime.substr(0, 50))));
    }
}

void check_content(const engine::impl& e, const std::string& content) {
    if (content.empty()) throw error(errc::invalid_argument, "content must not be empty");
    if (content.size() > e.opts.max_function_bytes) {
        throw error(errc::payload_too_large,
                    fmt::format("the module has {} bytes, more than the {} allowed", content.size(),
                                e.opts.max_function_bytes));
    }
    if (json::first_invalid_utf8(content) != content.size() ||
        content.find('\0') != std::string::npos) {
        throw error(errc::invalid_argument, "content must be UTF-8 text without NUL");
    }
}

// ---- event triggers ----

constexpr std::size_t max_triggers_per_function = 20;

// The triggers as the catalog keeps them, after checking them against the database's tables:
// `invalid_argument` for an unknown table (or a view, or one of SQLite's or airsql's own), an
// unknown or repeated event, a table named twice.
std::vector<catalog::function_trigger_record> checked_triggers(
    engine::impl& e, const principal& who, const auth::resolved_database& db,
    const std::string& function_id, const std::vector<function_trigger>& triggers) {
    if (triggers.size() > max_triggers_per_function) {
        throw error(errc::invalid_argument,
                    fmt::format("a function has at most {} triggers", max_triggers_per_function));
    }
    std::vector<catalog::function_trigger_record> out;
    if (triggers.empty()) return out;
    auto hosted = e.databases.open(db.record.id);
    auto reader = hosted->reader();
    for (const auto& t : triggers) {
        if (t.events.empty() || t.events.size() > 3) {
            throw error(errc::invalid_argument,
                        "a trigger needs 1–3 events among \"insert\", \"update\", \"delete\"");
        }
        for (std::size_t i = 0; i < t.events.size(); ++i) {
            const auto& ev = t.events[i];
            if (ev != "insert" && ev != "update" && ev != "delete") {
                throw error(errc::invalid_argument,
                            fmt::format("unknown trigger event \"{}\": use \"insert\", "
                                        "\"update\" or \"delete\"",
                                        json::to_valid_utf8(ev.substr(0, 50))));
            }
            if (std::find(t.events.begin(), t.events.begin() + static_cast<std::ptrdiff_t>(i),
                          ev) != t.events.begin() + static_cast<std::ptrdiff_t>(i)) {
                throw error(errc::invalid_argument,
                            fmt::format("trigger event \"{}\" is named twice", ev));
            }
        }
        if (t.max_attempts < 1 || t.max_attempts > 20) {
            throw error(errc::invalid_argument, "maxAttempts is an integer from 1 to 20");
        }
        if (t.backoff_ms < 10 || t.backoff_ms > 3'600'000) {
            throw error(errc::invalid_argument, "backoffMs is an integer from 10 to 3600000");
        }
        std::optional<std::string> name;
        if (t.table.size() <= 1000) {
            auto st = reader->prepare(
                "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND "
                "name = ? COLLATE NOCASE AND " AIRSQL_SQL_USER_TABLE("name"));
            st.bind(1, t.table);
            if (st.step()) name = st.text(0);
        }
        if (!name) {
            throw error(errc::invalid_argument,
                        fmt::format("there is no table \"{}\" in this database",
                                    json::to_valid_utf8(t.table.substr(0, 100))));
        }
        for (const auto& o : out) {
            if (o.table == *name) {
                throw error(errc::invalid_argument,
                            fmt::format("table \"{}\" has two triggers: name it once", *name));
            }
        }
        catalog::function_trigger_record r;
        r.function_id = function_id;
        r.db_id = db.record.id;
        r.table = *name;
        r.events = t.events;
        r.max_attempts = t.max_attempts;
        r.backoff_ms = t.backoff_ms;
        r.created_by = who.user_id();
        r.created_utc = core::now_iso_utc();
        out.push_back(std::move(r));
    }
    return out;
}

void store_triggers(engine::impl& e, const std::string& function_id,
                    const std::vector<catalog::function_trigger_record>& triggers) {
    e.catalog.set_function_triggers(function_id, triggers);
    e.databases.event_triggers_changed();
}

// Events still queued for triggers that went away are dropped by the delivery threads.
void wake_deliveries(engine::impl& e, const std::string& db_id) { e.events.wake(db_id); }

// ---- shapes ----

std::vector<function_diagnostic> diagnostics_from(const std::string& text) {
    boost::system::error_code ec;
    auto v = bj::parse(text, ec);
    std::vector<function_diagnostic> out;
    if (ec || !v.is_array()) return out;
    for (const auto& d : v.as_array()) {
        if (!d.is_object()) continue;
        const auto& o = d.as_object();
        function_diagnostic x;
        if (auto* m = o.if_contains("message"); m && m->is_string()) x.message = m->as_string();
        if (auto* c = o.if_contains("code"); c && c->is_string())
            x.code = std::string(c->as_string());
        if (auto* l = o.if_contains("line"); l && l->is_int64()) x.line = l->as_int64();
        if (auto* c = o.if_contains("column"); c && c->is_int64()) x.column = c->as_int64();
        if (auto* s = o.if_contains("syntax"); s && s->is_bool()) x.syntax = s->as_bool();
        out.push_back(std::move(x));
    }
    return out;
}

function_info info_of(engine::impl& e, const catalog::function_record& fn,
                      const std::optional<catalog::function_version_record>& version,
                      bool as_version) {
    function_info info;
    info.id = fn.id;
    info.name = fn.name;
    info.description = fn.description;
    info.is_public = fn.is_public;
    info.active_version = fn.active_version;
    info.created_utc = fn.created_utc;
    info.updated_utc = fn.updated_utc;
    info.versions = e.catalog.function_version_ids(fn.id);
    for (auto& t : e.catalog.function_triggers(fn.id)) {
        info.triggers.push_back({t.table, t.events, t.max_attempts, t.backoff_ms});
    }
    if (version) {
        info.runtime = version->runtime;
        info.content = version->content;
        info.diagnostics = diagnostics_from(version->diagnostics);
        if (as_version) {
            info.version_id = version->id;
            info.version_created_utc = version->created_utc;
        }
    }
    return info;
}

bool parses(const std::vector<function_diagnostic>& diagnostics) {
    return std::none_of(diagnostics.begin(), diagnostics.end(),
                        [](const function_diagnostic& d) { return d.syntax; });
}

catalog::function_version_record new_version(engine::impl& e, const std::string& function_id,
                                             const std::string& db_id, const std::string& runtime,
                                             const std::string& content,
                                             std::vector<function_diagnostic>& diagnostics) {
    diagnostics = runtime == "python" ? e.python_functions.check(content, db_id)
                                      : functions::check_module(e.opts, content);
    catalog::function_version_record v;
    v.id = core::make_ulid();
    v.function_id = function_id;
    v.db_id = db_id;
    v.runtime = runtime;
    v.content = content;
    v.diagnostics = bj::serialize(bj::value_from(diagnostics));
    v.parses = parses(diagnostics);
    v.created_utc = core::now_iso_utc();
    return v;
}

// ---- calls ----

std::string clipped(std::string s, std::size_t max) {
    if (s.size() <= max) return s;
    s.resize(max);
    while (!s.empty() && json::first_invalid_utf8(s) != s.size()) s.pop_back();
    return s + "…";
}

bool is_secret_header(const std::string& name) {
    return name == "authorization" || name == "cookie" || name == "proxy-authorization" ||
           name == "x-api-key";
}

bj::value caller_json(const principal& who) {
    switch (who.kind()) {
        case principal_kind::anonymous:
            return {{"kind", "anonymous"}};
        case principal_kind::user:
            return {{"kind", "user"}, {"id", who.user_id()}, {"name", who.username()}};
        case principal_kind::app_session:
            return {{"kind", "app_session"},
                    {"id", who.user_id()},
                    {"name", who.username()},
                    {"database", who.db_scope()}};
        case principal_kind::token:
            return {{"kind", "token"}, {"id", who.token_id()}};
        case principal_kind::readonly_link:
            return {{"kind", "readonly_link"}};
    }
    return nullptr;
}

bj::value error_body(errc code, const std::string& message) {
    return {{"errors", bj::array{bj::object{{"message", message}, {"code", to_string(code)}}}}};
}

// ---- a function's own HTTP answer ----

constexpr std::size_t max_response_fields = 64;  // clients cap a head (Python: 100 lines)
constexpr std::size_t max_response_field_bytes = 16 * 1024;  // names and values together

// Fields a function's answer may not set: airsql's cookies, and the fields that frame the
// message on the connection, which are the server's to write.
bool reserved_response_field(std::string_view lower_name) {
    static constexpr std::string_view reserved[] = {
        "set-cookie", "set-cookie2", "content-length", "transfer-encoding", "connection",
        "keep-alive", "upgrade",     "te",             "trailer",           "proxy-connection"};
    return std::find(std::begin(reserved), std::end(reserved), lower_name) != std::end(reserved);
}

// The header fields of a function's Response ([name, value] pairs): its content type and the
// fields to send, names lower-cased. The runners hand back what a Headers object holds, but
// the code they run can forge any pairs, so every one is checked here; pairs that are not two
// strings are skipped. The error for a field HTTP does not allow, or for too many.
std::optional<error> take_response_fields(const bj::array& pairs, function_response& out) {
    if (pairs.size() > max_response_fields) {
        return error(errc::payload_too_large,
                     fmt::format("the function's response has {} header fields, more than {}",
                                 pairs.size(), max_response_fields));
    }
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const auto* pair = pairs[i].if_array();
        if (!pair || pair->size() != 2 || !(*pair)[0].is_string() || !(*pair)[1].is_string()) {
            continue;
        }
        std::string name((*pair)[0].get_string());
        std::string_view value = (*pair)[1].get_string();
        bytes += name.size() + value.size();
        if (bytes > max_response_field_bytes) {
            return error(errc::payload_too_large,
                         fmt::format("the function's response header fields take more than {} "
                                     "bytes",
                                     max_response_field_bytes));
        }
        if (!is_http_field_name(name)) {
            return error(errc::internal,
                         fmt::format("the function failed: the name of its response header field "
                                     "#{} is not an HTTP token (1 to {} letters, digits or "
                                     "!#$%&'*+-.^_`|~)",
                                     i + 1, max_http_field_name_bytes));
        }
        if (!is_http_field_value(value)) {
            return error(errc::internal,
                         fmt::format("the function failed: the value of its response header "
                                     "field \"{}\" has a control character (CR, LF, NUL, …)",
                                     name));
        }
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name == "content-type") {
            out.content_type = value;
        } else if (!reserved_response_field(name)) {
            out.headers.emplace_back(std::move(name), value);
        }
    }
    return std::nullopt;
}

}  // namespace

std::vector<function_info> list_functions(engine& eng, const principal& who,
                                          std::string_view db_id) {
    auto& e = eng.internals();
    auto db = for_members(e, who, db_id);
    std::vector<function_info> out;
    for (const auto& fn : e.catalog.functions_of_database(db.record.id)) {
        std::optional<catalog::function_version_record> v;
        if (fn.active_version) v = e.catalog.find_function_version(*fn.active_version);
        out.push_back(info_of(e, fn, v, false));
    }
    return out;
}

function_info create_function(engine& eng, const principal& who, std::string_view db_id,
                              const function_input& input) {
    auto& e = eng.internals();
    auto db = for_editors(e, who, db_id);
    check_name(input.name);
    check_description(input.description);
    check_runtime(input.runtime);
    check_content(e, input.content);
    catalog::function_record fn;
    fn.id = core::make_ulid();
    auto triggers = checked_triggers(e, who, db, fn.id, input.triggers);
    fn.db_id = db.record.id;
    fn.name = input.name;
    fn.description = input.description;
    fn.is_public = input.is_public;
    fn.created_utc = fn.updated_utc = core::now_iso_utc();
    std::vector<function_diagnostic> diagnostics;
    auto v = new_version(e, fn.id, fn.db_id, input.runtime, input.content, diagnostics);
    if (v.parses) fn.active_version = v.id;
    e.catalog.insert_function(fn, v, e.opts.max_functions_per_database);
    if (!triggers.empty()) store_triggers(e, fn.id, triggers);
    auto info = info_of(e, fn, v, false);
    return info;
}

function_info get_function(engine& eng, const principal& who, std::string_view db_id,
                           std::string_view function_id) {
    auto& e = eng.internals();
    auto db = for_members(e, who, db_id);
    auto fn = function_of(e, db, function_id);
    std::optional<catalog::function_version_record> v;
    if (fn.active_version) v = e.catalog.find_function_version(*fn.active_version);
    return info_of(e, fn, v, false);
}

function_save_result update_function(engine& eng, const principal& who, std::string_view db_id,
                                     std::string_view function_id, const function_patch& patch) {
    auto& e = eng.internals();
    auto db = for_editors(e, who, db_id);
    auto fn = function_of(e, db, function_id);
    if (patch.name) check_name(*patch.name);
    if (patch.description) check_description(*patch.description);
    if (patch.runtime) check_runtime(*patch.runtime);
    if (patch.content) check_content(e, *patch.content);
    std::optional<std::vector<catalog::function_trigger_record>> new_triggers;
    if (patch.triggers) {
        auto previous = e.catalog.function_triggers(fn.id);
        auto triggers = checked_triggers(e, who, db, fn.id, *patch.triggers);
        // A trigger kept as it was keeps whose rights it runs with.
        for (auto& t : triggers) {
            for (const auto& p : previous) {
                if (p.table == t.table && p.events == t.events) {
                    t.created_by = p.created_by;
                    t.created_utc = p.created_utc;
                }
            }
        }
        new_triggers = std::move(triggers);
    }
    // Stored with the rest of the change (after the checks and the type check).
    auto save_triggers = [&] {
        if (!new_triggers) return;
        store_triggers(e, fn.id, *new_triggers);
        wake_deliveries(e, fn.db_id);
    };
    if (patch.name) fn.name = *patch.name;
    if (patch.description) fn.description = *patch.description;
    if (patch.is_public) fn.is_public = *patch.is_public;
    fn.updated_utc = core::now_iso_utc();
    function_save_result result;
    result.function_id = fn.id;
    if (!patch.content && !patch.runtime) {
        e.catalog.update_function(fn);
        save_triggers();
        result.id = fn.active_version.value_or("");
        result.active = fn.active_version.has_value();
        if (fn.active_version) {
            if (auto v = e.catalog.find_function_version(*fn.active_version)) {
                result.diagnostics = diagnostics_from(v->diagnostics);
            }
        }
        return result;
    }
    // A new version: the given content, or the active one's under a new runtime. Without a
    // runtime, the active version's (else the newest version's) stays.
    std::string content;
    std::string runtime = "deno";
    std::optional<catalog::function_version_record> current;
    if (fn.active_version) {
        current = e.catalog.find_function_version(*fn.active_version);
    } else if (auto ids = e.catalog.function_version_ids(fn.id); !ids.empty()) {
        current = e.catalog.find_function_version(ids.back());
    }
    if (current) runtime = current->runtime;
    if (patch.content) {
        content = *patch.content;
    } else if (current && fn.active_version) {
        content = current->content;
    }
    if (content.empty()) throw error(errc::invalid_argument, "content must not be empty");
    auto v = new_version(e, fn.id, fn.db_id, patch.runtime.value_or(runtime), content,
                         result.diagnostics);
    if (v.parses) fn.active_version = v.id;
    e.catalog.insert_function_version(fn, v,
                                      std::max<std::size_t>(e.opts.max_function_versions, 1));
    save_triggers();
    result.id = v.id;
    result.active = v.parses;
    return result;
}

void delete_function(engine& eng, const principal& who, std::string_view db_id,
                     std::string_view function_id) {
    auto& e = eng.internals();
    auto db = for_editors(e, who, db_id);
    auto fn = function_of(e, db, function_id);
    auto versions = e.catalog.function_version_ids(fn.id);
    bool had_triggers = !e.catalog.function_triggers(fn.id).empty();
    e.catalog.delete_function(fn.id);
    if (had_triggers) {
        e.databases.event_triggers_changed();
        wake_deliveries(e, fn.db_id);
    }
    e.function_runtimes.drop(versions);
}

function_info get_function_version(engine& eng, const principal& who, std::string_view db_id,
                                   std::string_view function_id, std::string_view version_id) {
    auto& e = eng.internals();
    auto db = for_members(e, who, db_id);
    auto fn = function_of(e, db, function_id);
    auto v = e.catalog.find_function_version(version_id);
    if (!v || v->function_id != fn.id) {
        throw error(errc::not_found, "there is no such version of this function");
    }
    return info_of(e, fn, v, true);
}

function_save_result republish_function(engine& eng, const principal& who, std::string_view db_id,
                                        std::string_view function_id, std::string_view version_id) {
    auto& e = eng.internals();
    auto db = for_editors(e, who, db_id);
    auto fn = function_of(e, db, function_id);
    auto v = e.catalog.find_function_version(version_id);
    if (!v || v->function_id != fn.id) {
        throw error(errc::not_found, "there is no such version of this function");
    }
    if (!v->parses) {
        throw error(errc::failed_precondition,
                    "this version does not parse (see its diagnostics) and cannot be active");
    }
    fn.active_version = v->id;
    fn.updated_utc = core::now_iso_utc();
    e.catalog.update_function(fn);
    return {v->id, fn.id, diagnostics_from(v->diagnostics), true};
}

std::vector<function_invocation> list_function_invocations(engine& eng, const principal& who,
                                                           std::string_view db_id,
                                                           std::string_view function_id) {
    auto& e = eng.internals();
    auto db = for_editors(e, who, db_id);
    auto fn = function_of(e, db, function_id);
    std::vector<function_invocation> out;
    for (auto& r : e.catalog.function_invocations(fn.id, e.opts.function_max_invocations)) {
        function_invocation inv;
        inv.id = r.id;
        inv.created_utc = r.created_utc;
        inv.version_id = r.version_id;
        inv.status = r.status;
        inv.data = std::move(r.data);
        inv.runtime_ms = r.runtime_ms;
        boost::system::error_code ec;
        auto request = bj::parse(r.request, ec);
        inv.request = ec ? bj::value(nullptr) : request;
        auto logs = bj::parse(r.logs, ec);
        if (!ec && logs.is_array()) {
            for (const auto& l : logs.as_array()) {
                if (!l.is_object()) continue;
                const auto& o = l.as_object();
                function_log_entry entry;
                if (auto* m = o.if_contains("message"); m && m->is_string())
                    entry.message = m->as_string();
                if (auto* s = o.if_contains("stream"); s && s->is_string())
                    entry.stream = s->as_string();
                if (auto* u = o.if_contains("utc"); u && u->is_string()) entry.utc = u->as_string();
                inv.logs.push_back(std::move(entry));
            }
        }
        inv.error = std::move(r.error);
        if (r.delivery) {
            auto d = bj::parse(*r.delivery, ec);
            if (!ec && d.is_object()) {
                const auto& o = d.as_object();
                inv.trigger = o.contains("trigger") ? o.at("trigger") : bj::value(nullptr);
                if (auto* x = o.if_contains("event"); x && x->is_string())
                    inv.event = std::string(x->as_string());
                if (auto* x = o.if_contains("attempt"); x && x->is_int64())
                    inv.attempt = x->as_int64();
                if (auto* x = o.if_contains("state"); x && x->is_string())
                    inv.state = std::string(x->as_string());
                if (auto* x = o.if_contains("deliveryId"); x && x->is_string())
                    inv.delivery_id = std::string(x->as_string());
            }
        }
        out.push_back(std::move(inv));
    }
    return out;
}

std::int64_t event_retry_delay_ms(std::int64_t backoff_ms, std::int64_t attempt) {
    constexpr std::int64_t hour = 3'600'000;
    std::int64_t delay = std::max<std::int64_t>(backoff_ms, 1);
    for (std::int64_t i = 1; i < attempt && delay < hour; ++i) delay *= 2;
    return std::min(delay, hour);
}

function_response call_function(engine& eng, const principal& who, std::string_view function_id,
                                const function_call& call) {
    auto& e = eng.internals();
    auto fn = e.catalog.find_function(function_id);
    if (!fn) {
        throw error(errc::not_found,
                    fmt::format("there is no function \"{}\"",
                                json::to_valid_utf8(std::string(function_id.substr(0, 100)))));
    }
    if (!fn->is_public) {
        // Not public: the caller needs some access to the function's database. Read-only
        // links open GraphQL and files, not functions.
        if (who.kind() == principal_kind::anonymous) {
            throw error(errc::unauthenticated, "this function needs credentials");
        }
        std::optional<auth::resolved_database> db;
        try {
            db = auth::resolve_database(e, who, fn->db_id);
        } catch (const error& err) {
            if (err.code() != errc::not_found) throw;
        }
        if (!db || !db->access.any() || who.kind() == principal_kind::readonly_link) {
            throw error(errc::not_found,
                        fmt::format("there is no function \"{}\" or you may not call it", fn->id));
        }
    }
    if (!fn->active_version) {
        throw error(errc::failed_precondition,
                    "the function has no active version (its module does not parse)");
    }
    auto version = e.catalog.find_function_version(*fn->active_version);
    if (!version) throw error(errc::failed_precondition, "the function has no active version");

    // The context.
    bj::object headers;
    for (const auto& [k, v] : call.headers) {
        if (!is_secret_header(k)) headers[k] = v;
    }
    bj::object query;
    for (const auto& [k, v] : call.query) query[k] = v;
    bj::value data = nullptr;
    if (!call.body.empty()) {
        boost::system::error_code ec;
        auto parsed = bj::parse(call.body, ec);
        data = ec ? bj::value(json::to_valid_utf8(call.body)) : parsed;
    }
    auto outcome = functions::invoke(eng, who, *fn, *version, call.method, std::move(headers),
                                     std::move(query), std::move(data), nullptr);
    if (outcome.failure) throw *outcome.failure;
    return std::move(outcome.response);
}

namespace functions {

invoke_result invoke(engine& eng, const principal& who, const catalog::function_record& fn_record,
                     const catalog::function_version_record& version_record,
                     const std::string& method, bj::object headers, bj::object query,
                     bj::value data, const std::function<std::string(bool succeeded)>& delivery) {
    auto& e = eng.internals();
    const auto* fn = &fn_record;
    const auto* version = &version_record;
    struct call_view {
        const std::string& method;
    } call{method};
    std::map<std::string, std::string> env;
    for (const auto& [k, v] : e.opts.function_env_vars) env[k] = v;
    auto server = settings::current(e);
    for (const auto& v : server->env_vars) env[v.name] = v.value;
    for (const auto& v : e.catalog.env_vars(fn->db_id)) env[v.name] = v.value;
    bj::object env_json;
    for (const auto& [k, v] : env) env_json[k] = v;
    bj::object context{{"functionId", fn->id}, {"databaseId", fn->db_id}, {"method", call.method},
                       {"headers", headers},   {"query", query},          {"data", data},
                       {"env", env_json}};

    // The call, its helpers with the caller's rights.
    auto db_id = fn->db_id;
    functions::request_handler on_request = [&](const bj::object& m) -> bj::value {
        auto t = m.at("t").as_string();
        const auto* q = m.if_contains("query");
        if (!q || !q->is_string()) throw error(errc::invalid_argument, "query must be a string");
        if (t == "sql") {
            auto result = run_sql(eng, who, db_id, sql_request{std::string(q->as_string())});
            if (!result.errors.empty()) {
                std::string message;
                for (const auto& err : result.errors)
                    message += (message.empty() ? "" : "; ") + err;
                throw error(errc::invalid_argument, message);
            }
            return bj::value_from(result);
        }
        graphql_request request;
        request.query = q->as_string();
        if (auto* vars = m.if_contains("variables"); vars && vars->is_object()) {
            request.variables = vars->as_object();
        }
        auto response = execute_graphql(eng, who, db_id, request);
        return bj::parse(response.body);
    };
    auto started = std::chrono::steady_clock::now();
    auto created = core::now_iso_utc();
    functions::call_outcome outcome;
    std::optional<error> failure;
    try {
        // Allowed hosts: the host's options and the server settings' `allowedHosts`.
        auto hosts = e.opts.function_allowed_hosts;
        hosts.insert(hosts.end(), server->allowed_hosts.begin(), server->allowed_hosts.end());
        if (version->runtime == "python") {
            // A fresh sandbox per call (no network at all: allowed hosts are Deno's).
            outcome = e.python_functions.call(version->content, context, e.opts.function_timeout,
                                              on_request, fn->db_id);
        } else {
            auto host = e.function_runtimes.get(version->id, version->content, hosts);
            outcome = host->call(context, e.opts.function_timeout, on_request);
        }
    } catch (const error& err) {
        failure = err;
    }
    double runtime_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();

    function_response response;
    std::optional<std::string> error_text;
    if (failure) {
        response.status = failure->code() == errc::unavailable ? 503 : 500;
        error_text = failure->what();
    } else {
        switch (outcome.how) {
            case functions::call_outcome::kind::ok:
                break;
            case functions::call_outcome::kind::exception:
                failure = error(errc::internal, "the function failed: " + outcome.error);
                break;
            case functions::call_outcome::kind::timeout:
                failure = error(errc::deadline_exceeded, outcome.error);
                break;
            case functions::call_outcome::kind::out_of_memory:
                failure = error(errc::resource_exhausted, outcome.error);
                break;
            case functions::call_outcome::kind::crashed:
                failure = error(errc::internal, "the function failed: " + outcome.error);
                break;
        }
        if (failure) error_text = failure->what();
    }
    if (!failure) {
        const auto& r = outcome.result;
        auto kind = r.if_contains("kind");
        if (kind && kind->is_string() && kind->as_string() == "response") {
            response.status = 200;
            if (auto* s = r.if_contains("status"); s && s->is_int64()) {
                response.status =
                    static_cast<int>(std::clamp<std::int64_t>(s->as_int64(), 200, 599));
            }
            response.content_type = "text/plain;charset=utf-8";
            if (auto* hs = r.if_contains("headers"); hs && hs->is_array()) {
                failure = take_response_fields(hs->as_array(), response);
                if (failure) error_text = failure->what();
            }
            std::string decoded;
            if (auto* b = r.if_contains("body"); b && b->is_string()) {
                const auto& text = b->as_string();
                decoded.resize(text.size());
                std::size_t len = 0;
                static constexpr auto decode = [](unsigned char c) -> int {
                    if (c >= 'A' && c <= 'Z') return c - 'A';
                    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
                    if (c >= '0' && c <= '9') return c - '0' + 52;
                    if (c == '+') return 62;
                    if (c == '/') return 63;
                    return -1;
                };
                unsigned acc = 0;
                int bits = 0;
                for (char ch : text) {
                    int d = decode(static_cast<unsigned char>(ch));
                    if (d < 0) continue;
                    acc = (acc << 6) | static_cast<unsigned>(d);
                    bits += 6;
                    if (bits >= 8) {
                        bits -= 8;
                        decoded[len++] = static_cast<char>((acc >> bits) & 0xff);
                    }
                }
                decoded.resize(len);
            }
            response.body = std::move(decoded);
        } else {
            if (auto* b = r.if_contains("body"); b && b->is_string()) {
                response.body = b->as_string();
            } else {
                response.body = "null";
            }
        }
        if (response.body.size() > e.opts.max_function_response_bytes) {
            failure = error(errc::payload_too_large, "the function's answer is too large");
            error_text = failure->what();
        }
    }
    if (failure) {
        response = {};
        response.body = bj::serialize(error_body(failure->code(), failure->what()));
    }

    // The record.
    catalog::function_invocation_record rec;
    rec.function_id = fn->id;
    rec.db_id = fn->db_id;
    rec.version_id = version->id;
    rec.created_utc = created;
    rec.status = failure ? 0 : response.status;
    rec.runtime_ms = runtime_ms;
    rec.request = bj::serialize(bj::object{{"method", call.method},
                                           {"query", query},
                                           {"headers", headers},
                                           {"caller", caller_json(who)}});
    rec.data = clipped(json::to_valid_utf8(response.body), e.opts.function_max_recorded_bytes);
    bj::array logs;
    for (auto& l : outcome.logs) {
        if (logs.size() >= e.opts.function_max_log_entries) break;
        logs.push_back(l);
    }
    rec.logs = bj::serialize(logs);
    rec.error = error_text;
    if (delivery) {
        rec.delivery = delivery(!failure && response.status >= 200 && response.status < 300);
    }
    if (failure) {
        // The status the transport will answer (the one place that maps codes is the
        // server's; these are its values).
        switch (failure->code()) {
            case errc::deadline_exceeded:
                rec.status = 504;
                break;
            case errc::resource_exhausted:
                rec.status = 507;
                break;
            case errc::payload_too_large:
                rec.status = 413;
                break;
            case errc::unavailable:
                rec.status = 503;
                break;
            default:
                rec.status = 500;
                break;
        }
    }
    try {
        e.catalog.append_function_invocation(rec, e.opts.function_max_invocations);
    } catch (const error&) {
        // A call's answer does not depend on its record.
    }
    return {std::move(response), std::move(failure)};
}

}  // namespace functions

}  // namespace airsql
