// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>

namespace airsql::database {

/// Group commit for one database in WAL mode. The writer connection commits with
/// `synchronous = NORMAL` (SQLite writes the WAL frames but does not sync them); the write
/// lease then takes a ticket while it still holds the writer, releases the writer to the next
/// lease, and waits until an `fdatasync` of the WAL that began after its commit has finished.
/// One sync covers every commit made before it began, so concurrent writers share it instead of
/// each paying for its own inside the writer lock.
///
/// Linux syncs a file's data whatever descriptor asks, so the WAL is opened by name for each
/// sync. A missing WAL means the last connection checkpointed (and synced) it into the database
/// file and deleted it: nothing is left to sync.
///
/// Thread-safe.
class group_commit {
  public:
    explicit group_commit(std::filesystem::path wal_file) : wal_file_(std::move(wal_file)) {}

    /// Called under the writer lock after a transaction committed: the ticket to wait for.
    std::uint64_t committed();

    /// Blocks until the commit of `ticket` is on disk. Returns false (and says why on stderr)
    /// when the sync failed: the commit is then only as durable as `synchronous = NORMAL`
    /// makes it, and later leases fall back to SQLite's own sync (`failed()`).
    bool wait_durable(std::uint64_t ticket);

    /// Whether the commit of `ticket` is on disk already (does not block on a sync).
    bool durable(std::uint64_t ticket) const;

    /// Whether a sync failed once; the database's writer then syncs inside each commit.
    bool failed() const;

    /// How many syncs ran, and how many commits they covered (for benchmarks and tests).
    std::uint64_t syncs() const;
    std::uint64_t commits() const;

    /// For tests: every later sync fails, as an fdatasync answering EIO would.
    void fail_syncs_for_testing() noexcept { fail_for_testing_ = true; }

  private:
    bool sync_wal() const;

    const std::filesystem::path wal_file_;
    mutable std::mutex mutex_;
    std::condition_variable synced_;
    std::uint64_t committed_ = 0;       // tickets handed out
    std::uint64_t durable_ = 0;         // every ticket up to this one is on disk
    std::uint64_t failed_through_ = 0;  // tickets up to this one were covered by a failed sync
    std::uint64_t syncs_ = 0;
    bool syncing_ = false;
    bool failed_ = false;
    std::atomic<bool> fail_for_testing_{false};
};

}  // namespace airsql::database
