// SPDX-License-Identifier: Apache-2.0
#include "sqlite/confinement.hpp"

#include "sqlite/sql_allowlist.hpp"

#include "airsql/memory_only.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <string_view>

namespace airsql::sqlite {

namespace {

// The limits tightened for user SQL, with the strict values.
struct limit_setting {
    int id;
    int strict;
};
constexpr std::array<limit_setting, 12> strict_limits = {{
    {SQLITE_LIMIT_LENGTH, 256 * 1024 * 1024},
    {SQLITE_LIMIT_SQL_LENGTH, 4 * 1024 * 1024},
    {SQLITE_LIMIT_COLUMN, 2000},
    {SQLITE_LIMIT_EXPR_DEPTH, 500},
    {SQLITE_LIMIT_COMPOUND_SELECT, 500},
    {SQLITE_LIMIT_VDBE_OP, 250'000'000},
    {SQLITE_LIMIT_FUNCTION_ARG, 127},
    {SQLITE_LIMIT_ATTACHED, 0},
    {SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50'000},
    {SQLITE_LIMIT_VARIABLE_NUMBER, 32'766},
    {SQLITE_LIMIT_TRIGGER_DEPTH, 100},
    {SQLITE_LIMIT_WORKER_THREADS, 0},
}};

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

constexpr const char* read_only_access = "you have read-only access to this database";

bool equal_ascii_case_insensitive_sv(std::string_view x, std::string_view y) {
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(x[i])) !=
            std::tolower(static_cast<unsigned char>(y[i])))
            return false;
    }
    return true;
}

}  // namespace

namespace {

// Whether a statement under an inline_scope may go on once the wall clock passed `until`
// (and then when to look again): the budget is the thread's CPU time, so time spent preempted
// does not count, up to the scope's wall deadline (a read waiting on the disk uses no CPU
// time but holds the I/O thread). Notes the overrun when either is spent.
bool inline_budget_left(std::chrono::steady_clock::time_point now,
                        std::chrono::steady_clock::time_point outer,
                        std::chrono::steady_clock::time_point& until) {
    if (now >= outer) return false;
    auto left = inline_scope::budget() - inline_scope::cpu_used();
    auto wall = inline_scope::wall_deadline();
    if (left > left.zero() && now < wall) {
        until = std::min({outer, wall,
                          now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(left)});
        return true;
    }
    inline_scope::note_overrun();
    return false;
}

}  // namespace

confinement::confinement(connection& conn, sql_rights rights, clock::time_point deadline)
    : conn_(conn),
      rights_(rights),
      deadline_(deadline),
      outer_deadline_(deadline),
      inline_(inline_scope::active()) {
    sqlite3* h = conn_.handle();
    if (inline_) {
        deadline_ = std::min(deadline_, inline_scope::deadline());
        sqlite3_busy_timeout(h, 0);
    }
    for (std::size_t i = 0; i < strict_limits.size(); ++i) {
        saved_limits_[i] = sqlite3_limit(h, strict_limits[i].id, strict_limits[i].strict);
    }
    install_authorizer(conn_);
    outer_ = conn_.confined_by();
    conn_.set_confined_by(this);
    sqlite3_progress_handler(h, 1000, &confinement::progress, this);
    saved_function_deadline_ = conn_.function_deadline().until;
    conn_.function_deadline().until = deadline_;
}

confinement::~confinement() {
    sqlite3* h = conn_.handle();
    sqlite3_progress_handler(h, 0, nullptr, nullptr);
    if (inline_) sqlite3_busy_timeout(h, connection::busy_timeout_ms);
    conn_.set_confined_by(outer_);
    conn_.function_deadline().until = saved_function_deadline_;
    for (std::size_t i = 0; i < strict_limits.size(); ++i) {
        sqlite3_limit(h, strict_limits[i].id, saved_limits_[i]);
    }
}

int confinement::progress(void* self) {
    auto* c = static_cast<confinement*>(self);
    auto now = clock::now();
    if (now < c->deadline_) return 0;
    if (c->inline_ && inline_budget_left(now, c->outer_deadline_, c->deadline_)) return 0;
    c->timed_out_ = true;
    return 1;
}

namespace {

// Outside a confinement (SQL that airsql generates, and the views and triggers that SQL sets
// off) only the function and module lists apply, so a view or trigger cannot smuggle a refused
// function past the GraphQL API.
int library_check(int action, const char* b, const char* a) {
    if (action == SQLITE_FUNCTION) {
        return is_allowed_function(lower(b ? b : "")) ? SQLITE_OK : SQLITE_DENY;
    }
    if (action == SQLITE_READ && find_unreadable_module(lower(a ? a : ""))) return SQLITE_DENY;
    return SQLITE_OK;
}

int authorize_connection(void* conn, int action, const char* a, const char* b, const char* db,
                         const char* trigger) {
    if (action == SQLITE_ALTER_TABLE || action == SQLITE_CREATE_TABLE) {
        static_cast<connection*>(conn)->note_alter();
    }
    confinement* active = static_cast<connection*>(conn)->confined_by();
    if (active == nullptr) return library_check(action, b, a);
    return confinement::authorize(active, action, a, b, db, trigger);
}

}  // namespace

void install_authorizer(connection& conn) {
    if (conn.has_authorizer()) return;
    // Installed once: setting an authorizer expires every prepared statement of the connection.
    sqlite3_set_authorizer(conn.handle(), &authorize_connection, &conn);
    conn.mark_authorizer_installed();
}

int confinement::authorize(void* self, int action, const char* a, const char* b, const char* db,
                           const char* trigger) {
    auto* c = static_cast<confinement*>(self);
    // The event queue of event triggers (functions/event_triggers.hpp) is airsql's: user SQL
    // may neither read, write, alter nor drop it, nor name a trigger like airsql's own. Only
    // airsql's TEMP triggers (installed by the library, never by users: TEMP objects are
    // refused below) append to it and read its ids for the size check.
    std::string_view av = a ? a : "";
    std::string_view bv = b ? b : "";
    if (equal_ascii_case_insensitive_sv(av, event_queue_table) ||
        equal_ascii_case_insensitive_sv(bv, event_queue_table)) {
        bool ours =
            trigger != nullptr && std::string_view(trigger).starts_with(event_trigger_prefix);
        if (!(ours && (action == SQLITE_INSERT || action == SQLITE_READ))) {
            return c->deny(fmt::format("the table {} is reserved for airsql's event triggers",
                                       event_queue_table));
        }
        return SQLITE_OK;
    }
    if (action == SQLITE_CREATE_TRIGGER || action == SQLITE_CREATE_TEMP_TRIGGER) {
        if (lower(av).starts_with(event_trigger_prefix)) {
            return c->deny(fmt::format("trigger names starting with \"{}\" are reserved",
                                       event_trigger_prefix));
        }
    }
    if (action == SQLITE_DROP_TEMP_TRIGGER && av.starts_with(event_trigger_prefix) &&
        c->rights_ == sql_rights::read_write) {
        // Dropping a table drops airsql's TEMP triggers on it.
        return SQLITE_OK;
    }
    if (action == SQLITE_PRAGMA) {
        return c->check_pragma(lower(a ? a : ""), b != nullptr,
                               c->rights_ == sql_rights::read_write);
    }
    return c->check(action, a ? a : "", b ? b : "", db ? db : "");
}

int confinement::deny(std::string reason) {
    // The first reason is the one to report: SQLite may ask again about related actions.
    if (denial_.empty()) denial_ = std::move(reason);
    return SQLITE_DENY;
}

// An allowlist by action (pragmas are checked by name in check_pragma): every action code not named here is refused, so a newer SQLite's
// new kind of statement is refused until someone decides otherwise.
int confinement::check(int action, std::string_view a, std::string_view b, std::string_view db) {
    bool writer = rights_ == sql_rights::read_write;
    auto write_action = [&]() {
        if (!writer) {
            // SQLite asks to update sqlite_master while it declares an eponymous virtual table
            // (json_each, pragma_table_info) for a read. Real schema changes have their own
            // action codes (refused above), read rights run on query_only connections, and
            // run_script refuses statements that are not read-only.
            if (a == "sqlite_master") return SQLITE_OK;
            return deny(read_only_access);
        }
        // TEMP objects would live on the shared writer connection, visible to (and shadowing
        // tables for) every later caller, and would vanish at restart.
        // (SQLite itself updates sqlite_temp_master when ALTER TABLE renames.)
        if (db == "temp" && a != "sqlite_temp_master") {
            return deny("TEMP tables, views, indexes and triggers are not allowed");
        }
        return SQLITE_OK;
    };
    switch (action) {
        case SQLITE_SELECT:
        case SQLITE_RECURSIVE:
            return SQLITE_OK;
        case SQLITE_READ:
            if (auto refused = find_unreadable_module(lower(a))) {
                return deny(fmt::format("the \"{}\" virtual table is not allowed: {}",
                                        refused->name, refused->reason));
            }
            return SQLITE_OK;
        case SQLITE_FUNCTION: {
            std::string name = lower(b);
            if (is_allowed_function(name)) return SQLITE_OK;
            if (auto refused = find_refused_function(name)) {
                return deny(fmt::format("the SQL function {}() is not allowed: {}", name,
                                        refused->reason));
            }
            return deny(fmt::format("the SQL function {}() is not allowed", name));
        }
        case SQLITE_CREATE_TABLE:
        case SQLITE_CREATE_INDEX:
        case SQLITE_CREATE_VIEW:
        case SQLITE_CREATE_TRIGGER:
        case SQLITE_DROP_TABLE:
        case SQLITE_DROP_INDEX:
        case SQLITE_DROP_VIEW:
        case SQLITE_DROP_TRIGGER:
        case SQLITE_ALTER_TABLE:
            if (writer && !schema_refusal_.empty()) return deny(schema_refusal_);
            return write_action();
        case SQLITE_INSERT:
        case SQLITE_UPDATE:
        case SQLITE_DELETE:
        case SQLITE_REINDEX:
        case SQLITE_ANALYZE:
            return write_action();
        case SQLITE_CREATE_TEMP_TABLE:
        case SQLITE_CREATE_TEMP_INDEX:
        case SQLITE_CREATE_TEMP_VIEW:
        case SQLITE_CREATE_TEMP_TRIGGER:
        case SQLITE_DROP_TEMP_TABLE:
        case SQLITE_DROP_TEMP_INDEX:
        case SQLITE_DROP_TEMP_VIEW:
        case SQLITE_DROP_TEMP_TRIGGER:
            if (!writer) return deny(read_only_access);
            return deny("TEMP tables, views, indexes and triggers are not allowed");
        case SQLITE_CREATE_VTABLE:
        case SQLITE_DROP_VTABLE: {
            if (!writer) return deny(read_only_access);
            if (!schema_refusal_.empty()) return deny(schema_refusal_);
            std::string module = lower(b);
            if (is_allowed_module(module)) return write_action();
            if (auto refused = find_refused_module(module)) {
                return deny(fmt::format("virtual table module \"{}\" is not allowed: {}", module,
                                        refused->reason));
            }
            return deny(fmt::format("virtual table module \"{}\" is not allowed", module));
        }
        case SQLITE_ATTACH:
        case SQLITE_DETACH:
            // VACUUM attaches its temporary copy, so it is refused here too.
            return deny("ATTACH, DETACH and VACUUM are not allowed");
        case SQLITE_TRANSACTION:
        case SQLITE_SAVEPOINT:
            return deny(
                "transaction statements are not allowed: airsql runs the whole script in one "
                "transaction");
        default:
            return deny(fmt::format("this kind of statement is not allowed (SQLite action {})",
                                    action));
    }
}

int confinement::check_pragma(const std::string& name, bool has_argument, bool writer) {
    const pragma_rule* rule = find_pragma_rule(name);
    if (rule == nullptr) return deny(fmt::format("PRAGMA {} is not allowed", name));
    switch (rule->use) {
        case pragma_use::introspect:
            return SQLITE_OK;
        case pragma_use::read:
            if (!has_argument) return SQLITE_OK;
            return deny(fmt::format("PRAGMA {} may only be read", name));
        case pragma_use::read_or_set:
            if (!has_argument || writer) return SQLITE_OK;
            return deny(read_only_access);
        case pragma_use::refused:
            break;
    }
    return deny(fmt::format("PRAGMA {} is not allowed: {}", name, rule->reason));
}

deadline::deadline(connection& conn, clock::time_point until)
    : conn_(conn), until_(until), outer_until_(until), inline_(inline_scope::active()) {
    if (inline_) {
        until_ = std::min(until_, inline_scope::deadline());
        sqlite3_busy_timeout(conn_.handle(), 0);
    }
    sqlite3_progress_handler(conn_.handle(), 1000, &deadline::progress, this);
    saved_function_deadline_ = conn_.function_deadline().until;
    conn_.function_deadline().until = until_;
}

deadline::~deadline() {
    sqlite3_progress_handler(conn_.handle(), 0, nullptr, nullptr);
    if (inline_) sqlite3_busy_timeout(conn_.handle(), connection::busy_timeout_ms);
    conn_.function_deadline().until = saved_function_deadline_;
}

int deadline::progress(void* self) {
    auto* d = static_cast<deadline*>(self);
    auto now = clock::now();
    if (now < d->until_) return 0;
    if (d->inline_ && inline_budget_left(now, d->outer_until_, d->until_)) return 0;
    d->expired_ = true;
    return 1;
}

}  // namespace airsql::sqlite
