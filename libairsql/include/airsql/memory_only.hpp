// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

namespace airsql {

/// While an instance lives on a thread, library calls on that thread answer only from
/// memory: a call that would read or write a database file, or hash a password, throws
/// `error(errc::would_block)` before doing anything. A server's I/O threads use it to answer
/// cheap requests (cached GraphQL responses) inline and hand everything else to a worker
/// pool, so no blocking work ever runs on them. Scopes nest; not copyable.
class memory_only_scope {
public:
    memory_only_scope() noexcept;
    ~memory_only_scope();
    memory_only_scope(const memory_only_scope&) = delete;
    memory_only_scope& operator=(const memory_only_scope&) = delete;

    /// Whether a scope is active on the calling thread.
    static bool active() noexcept;
};

/// Like memory_only_scope, but GraphQL queries may also read their database, for `budget`
/// of the thread's CPU time at most (time the thread waits preempted does not count), on a
/// reader connection that is open and idle already. Everything else that would
/// block (a mutation, opening a database or a connection, a catalog read the caches do not
/// answer, hashing) throws `error(errc::would_block)` before any side effect, and so does a
/// read that outgrows the budget or meets a lock (it is stopped; reads change nothing). The
/// caller then runs the request again where blocking is fine. A server's I/O threads use it
/// to answer cheap reads without the hop to a worker pool, while no request can hold an I/O
/// thread for longer than the budget. Scopes do not nest; not copyable.
class inline_read_scope {
public:
    explicit inline_read_scope(std::chrono::microseconds budget) noexcept;
    ~inline_read_scope();
    inline_read_scope(const inline_read_scope&) = delete;
    inline_read_scope& operator=(const inline_read_scope&) = delete;

    /// Whether a scope is active on the calling thread.
    static bool active() noexcept;
    /// When the active scope's reads must have ended if the thread ran all along (meaningful
    /// only while active()).
    static std::chrono::steady_clock::time_point deadline() noexcept;
    /// The active scope's budget, and the CPU time the thread has used since it began.
    static std::chrono::microseconds budget() noexcept;
    static std::chrono::nanoseconds cpu_used() noexcept;

    /// Whether the last scope on this thread stopped a read at its deadline (rather than
    /// refusing other work up front).
    static bool last_overran() noexcept;
    /// Called by the library when it stops a read at the scope's deadline.
    static void note_overrun() noexcept;
};

}  // namespace airsql
