// SPDX-License-Identifier: Apache-2.0
// SQLite's incremental BLOB I/O (sqlite3_blob_*): reading and writing one cell in pieces,
// without loading it whole.
#pragma once

#include <cstdint>
#include <string>

#include "sqlite/connection.hpp"

struct sqlite3_blob;

namespace airsql::sqlite {

/// An open cell of a rowid table (`sqlite3_blob_open`). The cell must hold a BLOB or TEXT
/// value; writes cannot change its size. While open it pins the connection's transaction
/// (a read handle keeps its snapshot). Not thread-safe, like the connection.
class blob {
public:
    enum class mode { read, write };

    /// Opens `table`.`column` (of schema main) in the row `rowid`. Throws the translated
    /// SQLite error (e.g. `invalid_argument` "cannot open value of type null").
    blob(connection& conn, const std::string& table, const std::string& column,
         std::int64_t rowid, mode m);
    ~blob();
    blob(const blob&) = delete;
    blob& operator=(const blob&) = delete;

    /// The cell's size in bytes.
    std::uint64_t size() const noexcept { return size_; }

    /// Reads `count` bytes at `offset` into `buffer`.
    void read(char* buffer, std::size_t count, std::uint64_t offset);
    /// Writes `count` bytes at `offset` (within the current size).
    void write(const char* buffer, std::size_t count, std::uint64_t offset);

    /// Closes the handle, reporting a failure (the destructor closes quietly).
    void close();

private:
    connection& conn_;
    sqlite3_blob* handle_ = nullptr;
    std::uint64_t size_ = 0;
};

}  // namespace airsql::sqlite
