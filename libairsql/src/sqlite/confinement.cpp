// SPDX-License-Identifier: Apache-2.0
#include "sqlite/confinement.hpp"

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

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// Pragmas that only report, whose argument (if any) names a table, index or schema.
bool is_introspection_pragma(std::string_view name) {
    return one_of(name, {"table_info", "table_xinfo", "table_list", "index_list", "index_info",
                         "index_xinfo", "foreign_key_list", "foreign_key_check",
                         "integrity_check", "quick_check", "collation_list", "function_list",
                         "module_list", "pragma_list", "compile_options"});
}

// Pragmas whose current value may be read.
bool is_readable_pragma(std::string_view name) {
    return one_of(name, {"schema_version", "user_version", "application_id", "page_count",
                         "page_size", "freelist_count", "data_version", "encoding",
                         "foreign_keys", "max_page_count", "journal_mode", "auto_vacuum",
                         "defer_foreign_keys", "recursive_triggers", "case_sensitive_like"});
}

// Pragmas a writer may set: they are stored in the file or end with the transaction, so
// nothing leaks into later requests on the same connection.
bool is_settable_pragma(std::string_view name) {
    return one_of(name, {"user_version", "application_id", "defer_foreign_keys", "optimize"});
}

}  // namespace

confinement::confinement(connection& conn, sql_rights rights, clock::time_point deadline)
    : conn_(conn), rights_(rights), deadline_(deadline) {
    sqlite3* h = conn_.handle();
    for (std::size_t i = 0; i < strict_limits.size(); ++i) {
        saved_limits_[i] = sqlite3_limit(h, strict_limits[i].id, strict_limits[i].strict);
    }
    sqlite3_set_authorizer(h, &confinement::authorize, this);
    sqlite3_progress_handler(h, 1000, &confinement::progress, this);
}

confinement::~confinement() {
    sqlite3* h = conn_.handle();
    sqlite3_progress_handler(h, 0, nullptr, nullptr);
    sqlite3_set_authorizer(h, nullptr, nullptr);
    for (std::size_t i = 0; i < strict_limits.size(); ++i) {
        sqlite3_limit(h, strict_limits[i].id, saved_limits_[i]);
    }
}

int confinement::progress(void* self) {
    auto* c = static_cast<confinement*>(self);
    if (clock::now() < c->deadline_) return 0;
    c->timed_out_ = true;
    return 1;
}

int confinement::authorize(void* self, int action, const char* a, const char* b,
                           const char* /*db*/, const char* /*trigger*/) {
    return static_cast<confinement*>(self)->check(action, a, b);
}

int confinement::deny(std::string reason) {
    denial_ = std::move(reason);
    return SQLITE_DENY;
}

int confinement::check(int action, const char* a, const char* b) {
    bool writer = rights_ == sql_rights::read_write;
    switch (action) {
        case SQLITE_ATTACH:
        case SQLITE_DETACH:
            return deny("ATTACH and DETACH are not allowed");
        case SQLITE_TRANSACTION:
        case SQLITE_SAVEPOINT:
            return deny(
                "transaction statements are not allowed: airsql runs the whole script in one "
                "transaction");
        case SQLITE_FUNCTION: {
            std::string name = lower(b ? b : "");
            if (name == "load_extension") return deny("loading extensions is not allowed");
            return SQLITE_OK;
        }
        case SQLITE_PRAGMA: {
            std::string name = lower(a ? a : "");
            if (is_introspection_pragma(name)) return SQLITE_OK;
            if (b == nullptr && is_readable_pragma(name)) return SQLITE_OK;
            if (is_settable_pragma(name)) {
                if (writer) return SQLITE_OK;
                return deny("you have read-only access to this database");
            }
            return deny(fmt::format("PRAGMA {} is not allowed here", name));
        }
        case SQLITE_CREATE_VTABLE:
        case SQLITE_DROP_VTABLE: {
            if (!writer) break;
            std::string module = lower(b ? b : "");
            if (one_of(module, {"fts3", "fts4", "fts5", "rtree"})) return SQLITE_OK;
            return deny(fmt::format("virtual table module \"{}\" is not allowed", module));
        }
        case SQLITE_READ:
        case SQLITE_SELECT:
        case SQLITE_RECURSIVE:
            return SQLITE_OK;
        default:
            break;
    }
    if (writer) return SQLITE_OK;
    // Everything left changes the database: refused for read-only rights.
    return deny("you have read-only access to this database");
}

deadline::deadline(connection& conn, clock::time_point until) : conn_(conn), until_(until) {
    sqlite3_progress_handler(conn_.handle(), 1000, &deadline::progress, this);
}

deadline::~deadline() { sqlite3_progress_handler(conn_.handle(), 0, nullptr, nullptr); }

int deadline::progress(void* self) {
    auto* d = static_cast<deadline*>(self);
    if (clock::now() < d->until_) return 0;
    d->expired_ = true;
    return 1;
}

}  // namespace airsql::sqlite
