// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "airsql/options.hpp"
#include "sqlite/pool.hpp"

namespace airsql::database {

/// One hosted SQLite file and its connections: a single writer (writes are serialised with
/// `BEGIN IMMEDIATE`) and pooled readers that run in parallel with it (WAL mode).
///
/// Every connection is configured per SQLite's security guidance: defensive mode, untrusted
/// schema, no extension loading, foreign keys on, a size cap (`max_page_count`).
/// Thread-safe.
class hosted_database {
public:
    hosted_database(std::string id, std::filesystem::path file, const options& opts);

    const std::string& id() const noexcept { return id_; }
    const std::filesystem::path& file() const noexcept { return file_; }

    /// The writer connection, locked for the caller. When the lease ends, the schema version
    /// is read again: only this process writes the file, so that is where it can change.
    class write_lease {
    public:
        explicit write_lease(hosted_database& db);
        ~write_lease();
        write_lease(const write_lease&) = delete;
        write_lease& operator=(const write_lease&) = delete;
        sqlite::connection& operator*() const noexcept { return *lease_; }
        sqlite::connection* operator->() const noexcept { return &*lease_; }

    private:
        hosted_database* db_;
        sqlite::writer_slot::lease lease_;
    };
    write_lease writer() { return write_lease(*this); }

    /// Moves after every write lease (after its transaction committed): results read at an
    /// earlier generation may be stale.
    std::uint64_t data_generation() const noexcept { return data_generation_.load(std::memory_order_acquire); }

    /// `PRAGMA schema_version` as of the last write lease (cheap: no SQLite call).
    std::int64_t schema_version() const noexcept { return schema_version_.load(std::memory_order_acquire); }
    /// A reader connection (`query_only`), borrowed from the pool.
    sqlite::reader_pool::lease reader() { return readers_.acquire(); }

private:
    std::string id_;
    std::filesystem::path file_;
    sqlite::writer_slot writer_;
    sqlite::reader_pool readers_;
    std::atomic<std::int64_t> schema_version_{0};
    std::atomic<std::uint64_t> data_generation_{0};
    bool wal_ = false;  ///< WAL mode on (guarded by the writer slot)
};

/// Opens a connection to a hosted database file with airsql's standard configuration.
std::unique_ptr<sqlite::connection> open_hosted_connection(const std::filesystem::path& file,
                                                           const options& opts, bool writer);

}  // namespace airsql::database
