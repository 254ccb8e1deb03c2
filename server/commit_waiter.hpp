// SPDX-License-Identifier: Apache-2.0
// Where inline writes wait for the disk: an I/O thread that committed a GraphQL mutation
// (airsql::inline_scope with writes) must not answer before the commit's shared fdatasync, and
// must not block on it either.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

#include "airsql/memory_only.hpp"

namespace airsql::server {

/// One thread that runs `pending_commits::wait()` for the I/O threads, in order. Group commit
/// makes one sync cover every commit made before it began, so commits queued behind a sync
/// find themselves durable when their turn comes. Thread-safe.
class commit_waiter {
  public:
    commit_waiter();
    /// Calls stop().
    ~commit_waiter();
    commit_waiter(const commit_waiter&) = delete;
    commit_waiter& operator=(const commit_waiter&) = delete;

    /// Runs `commits.wait()`, then `done()`, on the waiter's thread (on the caller's once
    /// stopped). `done` must not throw or block: it posts the answer back to an I/O thread.
    void submit(pending_commits commits, std::function<void()> done);

    /// Finishes what is queued and joins the thread. Idempotent.
    void stop();

  private:
    void run();

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::pair<pending_commits, std::function<void()>>> queue_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace airsql::server
