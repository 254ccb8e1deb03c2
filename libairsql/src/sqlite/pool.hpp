// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "core/blocking.hpp"
#include "sqlite/connection.hpp"

namespace airsql::sqlite {

/// Connections for concurrent readers: `acquire` hands out an idle connection or opens a new
/// one; at most `max_idle` are kept when returned. Thread-safe.
class reader_pool {
public:
    using opener = std::function<std::unique_ptr<connection>()>;

    reader_pool(opener open, std::size_t max_idle) : open_(std::move(open)), max_idle_(max_idle) {}

    /// A connection borrowed from the pool; goes back when the lease ends.
    class lease {
    public:
        lease(reader_pool& pool, std::unique_ptr<connection> conn)
            : pool_(&pool), conn_(std::move(conn)) {}
        ~lease() {
            if (conn_) pool_->give_back(std::move(conn_));
        }
        lease(lease&& other) noexcept = default;
        lease& operator=(lease&&) = delete;
        lease(const lease&) = delete;
        connection& operator*() const noexcept { return *conn_; }
        connection* operator->() const noexcept { return conn_.get(); }

    private:
        reader_pool* pool_;
        std::unique_ptr<connection> conn_;
    };

    /// `kind` bounded_read: for a read under a deadline, which an inline_scope may run
    /// on an idle connection (opening one is blocking work).
    lease acquire(core::blocking kind = core::blocking::any) {
        core::about_to_block(kind);
        {
            std::lock_guard lock(mutex_);
            if (!idle_.empty()) {
                auto conn = std::move(idle_.back());
                idle_.pop_back();
                return lease(*this, std::move(conn));
            }
        }
        core::about_to_block();
        return lease(*this, open_());
    }

    /// Closes all idle connections (e.g. before the file is deleted).
    void clear() {
        std::lock_guard lock(mutex_);
        idle_.clear();
    }

private:
    void give_back(std::unique_ptr<connection> conn) {
        std::lock_guard lock(mutex_);
        if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
    }

    opener open_;
    std::size_t max_idle_;
    std::mutex mutex_;
    std::vector<std::unique_ptr<connection>> idle_;
};

/// The single writer connection of a database, used under a lock (one writer at a time).
class writer_slot {
public:
    explicit writer_slot(std::unique_ptr<connection> conn) : conn_(std::move(conn)) {}

    class lease {
    public:
        lease(std::mutex& m, connection& c) : lock_(m), conn_(&c) {}
        lease(std::unique_lock<std::mutex> held, connection& c)
            : lock_(std::move(held)), conn_(&c) {}
        connection& operator*() const noexcept { return *conn_; }
        connection* operator->() const noexcept { return conn_; }

    private:
        std::unique_lock<std::mutex> lock_;
        connection* conn_;
    };

    /// `kind` bounded_write: for a write under a deadline, which an inline_scope that allows
    /// writes may run when the writer is free (it never waits for it).
    lease acquire(core::blocking kind = core::blocking::any) {
        core::about_to_block(kind);
        if (inline_scope::active()) {
            std::unique_lock held(mutex_, std::try_to_lock);
            if (!held.owns_lock()) {
                throw error(errc::would_block, "the writer is busy; write off the I/O thread");
            }
            return lease(std::move(held), *conn_);
        }
        return lease(mutex_, *conn_);
    }

private:
    std::mutex mutex_;
    std::unique_ptr<connection> conn_;
};

}  // namespace airsql::sqlite
