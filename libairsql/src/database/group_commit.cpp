// SPDX-License-Identifier: Apache-2.0
#include "database/group_commit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace airsql::database {

std::uint64_t group_commit::committed() {
    std::lock_guard lock(mutex_);
    return ++committed_;
}

bool group_commit::wait_durable(std::uint64_t ticket) {
    std::unique_lock lock(mutex_);
    while (durable_ < ticket) {
        if (syncing_) {
            // A sync is running; it may have begun before this commit, so look again after it.
            synced_.wait(lock);
            continue;
        }
        // This thread syncs for every commit made so far, its own included.
        syncing_ = true;
        auto covered = committed_;
        lock.unlock();
        bool ok = sync_wal();
        lock.lock();
        syncing_ = false;
        ++syncs_;
        if (ok) {
            durable_ = std::max(durable_, covered);
        } else {
            // Waiters would wait for ever for a sync that cannot succeed: every commit it
            // covered is let go, reported as not durable.
            failed_ = true;
            failed_through_ = std::max(failed_through_, covered);
            durable_ = std::max(durable_, covered);
        }
        synced_.notify_all();
    }
    return ticket > failed_through_;
}

bool group_commit::durable(std::uint64_t ticket) const {
    std::lock_guard lock(mutex_);
    return durable_ >= ticket;
}

bool group_commit::failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
}

std::uint64_t group_commit::syncs() const {
    std::lock_guard lock(mutex_);
    return syncs_;
}

std::uint64_t group_commit::commits() const {
    std::lock_guard lock(mutex_);
    return committed_;
}

bool group_commit::sync_wal() const {
    if (fail_for_testing_) {
        std::fprintf(stderr, "airsql: group commit: fdatasync of %s failed: (a test's failure)\n",
                     wal_file_.c_str());
        return false;
    }
    int fd = ::open(wal_file_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return true;  // checkpointed into the (synced) database file
        std::fprintf(stderr, "airsql: group commit: cannot open %s: %s\n", wal_file_.c_str(),
                     std::strerror(errno));
        return false;
    }
    int rc;
    do {
        rc = ::fdatasync(fd);
    } while (rc != 0 && errno == EINTR);
    int saved = errno;
    ::close(fd);
    if (rc != 0) {
        std::fprintf(stderr, "airsql: group commit: fdatasync of %s failed: %s\n",
                     wal_file_.c_str(), std::strerror(saved));
        return false;
    }
    return true;
}

}  // namespace airsql::database
