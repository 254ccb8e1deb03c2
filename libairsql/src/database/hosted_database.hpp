// SPDX-License-Identifier: Apache-2.0
#pragma once

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

    /// The writer connection, locked for the caller.
    sqlite::writer_slot::lease writer() { return writer_.acquire(); }
    /// A reader connection (`query_only`), borrowed from the pool.
    sqlite::reader_pool::lease reader() { return readers_.acquire(); }

private:
    std::string id_;
    std::filesystem::path file_;
    sqlite::writer_slot writer_;
    sqlite::reader_pool readers_;
};

/// Opens a connection to a hosted database file with airsql's standard configuration.
std::unique_ptr<sqlite::connection> open_hosted_connection(const std::filesystem::path& file,
                                                           const options& opts, bool writer);

}  // namespace airsql::database
