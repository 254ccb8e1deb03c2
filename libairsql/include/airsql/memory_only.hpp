// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

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

/// Commits an inline_scope let through whose sync to disk has not been seen yet. With group
/// commit a commit is in the WAL when the write ends and one `fdatasync`, shared by the
/// commits made meanwhile, makes it durable. Whoever reports the writes done must call
/// `wait()` first; it also tells live queries (subscriptions) about the writes. Movable; one
/// destroyed before `wait()` waits in its destructor.
/// Whether a write this thread made since the last call was committed but the disk sync that
/// should have made it durable failed (the database then syncs every commit itself from the
/// next write on). The commit is in the database, and readers see it, but a crash of the
/// machine may lose it: a server answers such a request with an error, not success. Clears
/// the flag. (Inline writes report the same through pending_commits::wait.)
bool take_durability_failure() noexcept;

class pending_commits {
  public:
    struct state;

    pending_commits() noexcept;
    explicit pending_commits(std::unique_ptr<state> s) noexcept;
    pending_commits(pending_commits&&) noexcept;
    pending_commits& operator=(pending_commits&&) noexcept;
    ~pending_commits();

    /// Nothing was committed (or wait() ran).
    bool empty() const noexcept;
    /// Whether every commit is on disk already, so wait() only tells live queries.
    bool durable() const;
    /// Blocks until every commit is on disk (running the sync or sharing one under way), then
    /// tells live queries. Blocking work: not on an I/O thread unless durable(). False when a
    /// sync failed: the commits are in the database but the disk did not confirm them.
    bool wait();
    /// The same value for commits that wait on the same database's sync (that of the first
    /// commit; 0 when empty), so that a caller with several waiting threads can keep each
    /// database's waits on one of them: one sync covers them all anyway.
    std::size_t sync_key() const noexcept;

  private:
    std::unique_ptr<state> state_;
};

/// Like memory_only_scope, but GraphQL queries may also read their database, for `budget`
/// of the thread's CPU time at most (time the thread waits preempted does not count), on a
/// reader connection that is open and idle already; with `writes::allowed`, a GraphQL
/// mutation may also write, in one transaction, when the database's writer is free, under the
/// same budget. Everything else that would block (opening a database or a connection, a
/// catalog read the caches do not answer, hashing, a busy writer, an audited database)
/// throws `error(errc::would_block)` before any side effect, and so does a read or a write
/// that outgrows the budget or meets a lock (it is stopped, and a write rolled back). The
/// caller then runs the request again where blocking is fine. A server's I/O threads use it
/// to answer cheap requests without the hop to a worker pool, while no request can hold an
/// I/O thread for longer than the budget.
///
/// A write that committed is never refused afterwards: a request that committed (committed())
/// must not run again, and its answer waits for `take_pending_commits().wait()` (off the I/O
/// thread unless durable()). Scopes do not nest; not copyable.
class inline_scope {
  public:
    enum class writes { refused, allowed };

    explicit inline_scope(std::chrono::microseconds budget, writes w = writes::refused) noexcept;
    /// Waits for commits not taken (blocking): take them first.
    ~inline_scope();
    inline_scope(const inline_scope&) = delete;
    inline_scope& operator=(const inline_scope&) = delete;

    /// Whether a scope is active on the calling thread, and whether it lets writes through.
    static bool active() noexcept;
    static bool writes_allowed() noexcept;
    /// When the active scope's work must have ended if the thread ran all along (meaningful
    /// only while active()).
    static std::chrono::steady_clock::time_point deadline() noexcept;
    /// The wall-clock time after which the active scope's work stops however little CPU time
    /// it used: `wall_factor` times the budget after it began. The budget counts CPU time so
    /// that a preempted thread is not cut short, but a read waiting on the disk (pages not in
    /// memory) uses almost none, and it holds the I/O thread and every connection on it.
    static std::chrono::steady_clock::time_point wall_deadline() noexcept;
    static constexpr int wall_factor = 50;
    /// The active scope's budget, and the CPU time the thread has used since it began.
    static std::chrono::microseconds budget() noexcept;
    static std::chrono::nanoseconds cpu_used() noexcept;

    /// Whether the last scope on this thread stopped a read or a write at its deadline
    /// (rather than refusing other work up front).
    static bool last_overran() noexcept;
    /// Called by the library when it stops work at the scope's deadline.
    static void note_overrun() noexcept;

    /// Whether a write committed in this scope.
    bool committed() const noexcept;
    /// This scope's commits, to wait for before answering.
    pending_commits take_pending_commits() noexcept;

  private:
    std::unique_ptr<pending_commits::state> pending_;
};

}  // namespace airsql
