// SPDX-License-Identifier: Apache-2.0
// Where inline writes wait for the disk: an I/O thread that committed a GraphQL mutation
// (airsql::inline_scope with writes) must not answer before the commit's shared fdatasync, and
// must not block on it either.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "airsql/memory_only.hpp"

namespace airsql::server {

/// Threads that run `pending_commits::wait()` for the I/O threads. Each database's waits go
/// to one thread (by `pending_commits::sync_key()`), in order of submission: group commit
/// makes one sync cover every commit of its database made before it began, so the waits
/// queued behind a sync find themselves durable when their turn comes, where several threads
/// waiting on the same database would each be woken by its sync and mostly sleep again.
/// Different databases sync side by side on different threads, and a busy database holds
/// only its own thread, so a tenant that writes to many databases at once does not queue
/// everyone else's answers behind its syncs. Thread-safe.
class commit_waiter {
  public:
    /// At least one thread.
    explicit commit_waiter(unsigned threads);
    /// Calls stop().
    ~commit_waiter();
    commit_waiter(const commit_waiter&) = delete;
    commit_waiter& operator=(const commit_waiter&) = delete;

    /// Runs `commits.wait()`, then `done()`, on the thread of the commits' database (on the
    /// caller's once stopped). `done` must not throw or block: it posts the answer back to an
    /// I/O thread.
    /// `done(durable)`: false when a sync failed (pending_commits::wait).
    void submit(pending_commits commits, std::function<void(bool durable)> done);

    /// Finishes what is queued and joins the threads. Idempotent.
    void stop();

  private:
    struct lane {
        std::mutex mutex;
        std::condition_variable wake;
        std::deque<std::pair<pending_commits, std::function<void(bool)>>> queue;
        bool stopping = false;
        std::thread thread;
    };

    static void run(lane& l);

    std::vector<std::unique_ptr<lane>> lanes_;
};

}  // namespace airsql::server
