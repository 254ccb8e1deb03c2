// SPDX-License-Identifier: Apache-2.0
// Running SQL written by users on a hosted database connection, per SQLite's security
// guidance: an authorizer, a deadline that really interrupts, and strict limits.
#pragma once

#include <array>
#include <chrono>
#include <string>
#include <string_view>

#include "sqlite/connection.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql::sqlite {

/// The table inside each hosted database file where event triggers' events wait for delivery
/// (refused to user SQL, hidden from every listing), and the name prefix of airsql's TEMP
/// triggers that fill it.
inline constexpr std::string_view event_queue_table = AIRSQL_EVENT_QUEUE_TABLE;
inline constexpr std::string_view event_trigger_prefix = "_airsql_evt_";

/// What user SQL may do on the connection while a `confinement` is in force.
enum class sql_rights {
    read_only,   ///< SELECT and introspection pragmas only
    read_write,  ///< anything but the always-denied operations
};

/// While alive, confines `conn` for user SQL: installs the authorizer, the deadline and the
/// strict limit profile; the destructor restores the relaxed profile used for SQL that airsql
/// generates itself. Always denied: ATTACH/DETACH, transaction control, pragmas that change
/// the connection, extension loading, virtual table modules other than FTS and R*Tree.
/// Inside an inline_scope the scope's budget of CPU time applies as for `deadline` below, and
/// a lock is not waited for. Not thread-safe (like the connection).
class confinement {
public:
    using clock = std::chrono::steady_clock;

    confinement(connection& conn, sql_rights rights, clock::time_point deadline);
    ~confinement();
    confinement(const confinement&) = delete;
    confinement& operator=(const confinement&) = delete;

    sql_rights rights() const noexcept { return rights_; }
    /// The confined connection.
    const connection& conn() const noexcept { return conn_; }
    /// Whether the deadline interrupted a statement.
    bool timed_out() const noexcept { return timed_out_; }
    /// Why the authorizer last refused something ("" when it did not).
    const std::string& denial() const noexcept { return denial_; }

    /// From now on, refuse every schema change (CREATE, DROP and ALTER of tables, indexes,
    /// views, triggers and virtual tables) with `reason`, whatever the rights; data changes
    /// stay as the rights allow. Used for databases whose schema is locked.
    void refuse_schema_changes(std::string reason) { schema_refusal_ = std::move(reason); }

    /// The authorizer callback while this confinement is in force.
    static int authorize(void* self, int action, const char* a, const char* b, const char* db,
                         const char* trigger);

private:
    static int progress(void* self);
    int check(int action, std::string_view a, std::string_view b, std::string_view db);
    int check_pragma(const std::string& name, bool has_argument, bool writer);
    int deny(std::string reason);

    connection& conn_;
    sql_rights rights_;
    clock::time_point deadline_;        ///< the next check of the limits
    clock::time_point outer_deadline_;  ///< the deadline the caller gave
    bool inline_ = false;               ///< inside an inline_scope: no busy waits meanwhile
    bool timed_out_ = false;
    std::string denial_;
    std::string schema_refusal_;  ///< "" unless refuse_schema_changes was called
    std::array<int, 12> saved_limits_{};
    confinement* outer_ = nullptr;
    clock::time_point saved_function_deadline_;
};

/// Installs airsql's authorizer on `conn` for the rest of its life (idempotent). Outside a
/// `confinement` it refuses only the SQL functions and virtual tables that no SQL on a hosted
/// database may use (so views and triggers cannot call them from generated SQL); inside one,
/// the confinement's full allowlist applies.
void install_authorizer(connection& conn);

/// While alive, interrupts any statement on `conn` that runs past `deadline` (for SQL that
/// airsql generates itself, which needs no authorizer). Inside an inline_scope, the
/// scope's budget of CPU time applies when it ends earlier, and a lock is not waited for
/// (SQLITE_BUSY at once): either ends the statement with `would_block`.
class deadline {
public:
    using clock = std::chrono::steady_clock;
    deadline(connection& conn, clock::time_point until);
    ~deadline();
    deadline(const deadline&) = delete;
    deadline& operator=(const deadline&) = delete;
    bool expired() const noexcept { return expired_; }

private:
    static int progress(void* self);
    connection& conn_;
    clock::time_point until_;        ///< the next check of the limits below
    clock::time_point outer_until_;  ///< the deadline the caller gave
    clock::time_point saved_function_deadline_;
    bool expired_ = false;
    bool inline_ = false;  ///< inside an inline_scope: no busy waits meanwhile
};

}  // namespace airsql::sqlite
