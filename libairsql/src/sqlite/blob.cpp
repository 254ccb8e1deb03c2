// SPDX-License-Identifier: Apache-2.0
#include "sqlite/blob.hpp"

#include <sqlite3.h>

#include <climits>

#include "core/blocking.hpp"

namespace airsql::sqlite {

namespace {

[[noreturn]] void fail(connection& conn, int rc) {
    throw_error(sqlite3_extended_errcode(conn.handle()) ? sqlite3_extended_errcode(conn.handle())
                                                        : rc,
                sqlite3_errmsg(conn.handle()));
}

int to_int(std::uint64_t n) {
    if (n > static_cast<std::uint64_t>(INT_MAX)) throw_error(SQLITE_TOOBIG, "blob offset too large");
    return static_cast<int>(n);
}

}  // namespace

blob::blob(connection& conn, const std::string& table, const std::string& column,
           std::int64_t rowid, mode m)
    : conn_(conn) {
    core::about_to_block();
    int rc = sqlite3_blob_open(conn.handle(), "main", table.c_str(), column.c_str(), rowid,
                               m == mode::write ? 1 : 0, &handle_);
    if (rc != SQLITE_OK) {
        // The handle is NULL on failure, except for out-of-memory; the message is on the
        // connection.
        std::string message = sqlite3_errmsg(conn.handle());
        int code = sqlite3_extended_errcode(conn.handle());
        if (handle_) sqlite3_blob_close(handle_);
        handle_ = nullptr;
        throw_error(code ? code : rc, message);
    }
    size_ = static_cast<std::uint64_t>(sqlite3_blob_bytes(handle_));
}

blob::~blob() {
    if (handle_) sqlite3_blob_close(handle_);
}

void blob::read(char* buffer, std::size_t count, std::uint64_t offset) {
    int rc = sqlite3_blob_read(handle_, buffer, to_int(count), to_int(offset));
    if (rc != SQLITE_OK) fail(conn_, rc);
}

void blob::write(const char* buffer, std::size_t count, std::uint64_t offset) {
    int rc = sqlite3_blob_write(handle_, buffer, to_int(count), to_int(offset));
    if (rc != SQLITE_OK) fail(conn_, rc);
}

void blob::close() {
    auto* h = handle_;
    handle_ = nullptr;
    int rc = sqlite3_blob_close(h);
    if (rc != SQLITE_OK) fail(conn_, rc);
}

}  // namespace airsql::sqlite
