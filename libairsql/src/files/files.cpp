// SPDX-License-Identifier: Apache-2.0
#include "airsql/files.hpp"

#include <sodium.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <memory>

#include "airsql/error.hpp"
#include "audit/context.hpp"
#include "auth/access.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"
#include "files/cell_locator.hpp"
#include "files/media_type.hpp"
#include "sqlite/blob.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/memory_budget.hpp"

namespace airsql {

namespace {

// Bytes moved per sqlite3_blob_read / _write: large enough to amortise the call, small enough
// that memory stays flat whatever the file size.
constexpr std::size_t chunk_bytes = 256 * 1024;

// BLAKE2b-256 of a file cell's bytes, fed in pieces: tells whether stored upload facts still
// describe the cell.
class content_hash {
public:
    content_hash() { crypto_generichash_init(&state_, nullptr, 0, digest_bytes); }
    void add(const char* data, std::size_t n) {
        crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(data), n);
    }
    std::string hex() {
        std::array<unsigned char, digest_bytes> digest{};
        crypto_generichash_final(&state_, digest.data(), digest.size());
        std::array<char, digest_bytes * 2 + 1> out{};
        sodium_bin2hex(out.data(), out.size(), digest.data(), digest.size());
        return std::string(out.data(), digest_bytes * 2);
    }

private:
    static constexpr std::size_t digest_bytes = 32;
    crypto_generichash_state state_;
};

void require_modify(const auth::resolved_database& db) {
    if (db.access.modify) return;
    if (db.access.insert) {
        throw error(errc::permission_denied,
                    "an insert-only token may not upload files: an upload replaces the content "
                    "of an existing row (use a write or writeonly token)");
    }
    throw error(errc::permission_denied,
                "uploading files needs the Editor or Admin role (or a write token)");
}

// The cell becomes a zero-filled blob of the upload's size: the space the chunks go into.
void make_room(sqlite::connection& conn, const files::located_cell& cell, std::uint64_t size,
               std::chrono::milliseconds timeout) {
    // Triggers on the table run here, under the same time limit as SQL.
    sqlite::deadline limit(conn, sqlite::deadline::clock::now() + timeout);
    // zeroblob() yields a value SQLite does not materialise while it writes the row (when the
    // column is the row's last one).
    auto st = conn.prepare(fmt::format("UPDATE {} SET {} = zeroblob(?1) WHERE {} = ?2",
                                       sqlite::quote_identifier(cell.table),
                                       sqlite::quote_identifier(cell.column), cell.rowid_sql));
    st.bind(1, static_cast<std::int64_t>(size)).bind(2, cell.rowid);
    st.run();
    if (conn.changes() != 1) {
        throw error(errc::invalid_argument,
                    fmt::format("a trigger on \"{}\" refused to change the row where {}",
                                cell.table, cell.description));
    }
}

// Copies `content` into the open blob in chunks; returns the hash of what was written.
std::string copy_into(sqlite::blob& blob, const byte_source& content) {
    byte_reader reader(content);
    auto buffer = std::make_unique<char[]>(chunk_bytes);
    content_hash hash;
    std::uint64_t offset = 0;
    while (auto n = reader.read(buffer.get(), chunk_bytes)) {
        blob.write(buffer.get(), n, offset);
        hash.add(buffer.get(), n);
        offset += n;
    }
    return hash.hex();
}

// Store errors in words the uploader can act on.
[[noreturn]] void explain_write_failure(const error& e, const options& opts,
                                        const sqlite::memory_budget& budget) {
    if (budget.exceeded()) {
        throw error(errc::resource_exhausted,
                    fmt::format("storing the file needs more than {} bytes of memory (SQLite builds "
                                "the row in memory when the file column is not the table's last "
                                "column, and reads the row's other large values)",
                                budget.limit()));
    }
    if (e.code() == errc::resource_exhausted) {
        throw error(errc::resource_exhausted,
                    fmt::format("the database is full: it may not grow past {} bytes ({})",
                                opts.max_database_bytes, e.what()));
    }
    throw e;
}

std::string fallback_name(const files::located_cell& cell, const std::string& extension) {
    auto name = fmt::format("{}-{}-{}", cell.table, cell.column, cell.rowid);
    for (auto& c : name) {
        if (c == '/' || c == '\\') c = '_';
    }
    auto clean = files::clean_file_name(name).value_or("file");
    return extension.empty() ? clean : clean + "." + extension;
}

}  // namespace

bool is_file_column_type(std::string_view declared_type) noexcept {
    constexpr std::string_view prefix = "blob";
    if (declared_type.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        auto c = declared_type[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

void put_file(engine& eng, const principal& who, std::string_view db_id, const file_cell& where,
              const byte_source& content) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    require_modify(db);
    const auto size = content.size();
    if (size > e.opts.max_file_upload_bytes) {
        throw error(errc::payload_too_large,
                    fmt::format("the file has {} bytes; files may have at most {} bytes", size,
                                e.opts.max_file_upload_bytes));
    }
    files::located_cell cell;
    std::string hash;
    auto hosted = e.databases.open(db.record.id);
    {
        // SQLite builds a row whose file column is not its last in memory, zero-filled, and
        // copies it once more into the record: about twice the file. The upload cap bounds
        // that, so the per-request budget grows to fit it rather than refuse such uploads.
        auto limit = e.opts.max_request_sqlite_memory;
        if (limit != 0) limit = std::max<std::uint64_t>(limit, 2 * size + (16u << 20));
        sqlite::memory_budget budget(static_cast<std::size_t>(limit));
        try {
            auto conn = hosted->writer(audit::context_for(e, who, db.record));
            sqlite::transaction tx(*conn);
            cell = files::locate_cell(*conn, where);
            make_room(*conn, cell, size, e.opts.sql_timeout);
            sqlite::blob blob(*conn, cell.table, cell.column, cell.rowid, sqlite::blob::mode::write);
            if (blob.size() != size) {
                throw error(errc::invalid_argument,
                            fmt::format("a trigger on \"{}\" changed the file cell while it was "
                                        "written",
                                        cell.table));
            }
            hash = copy_into(blob, content);
            blob.close();
            tx.commit();
        } catch (const error& failure) {
            explain_write_failure(failure, e.opts, budget);
        }
    }
    // After the commit: until this lands, the old record no longer matches the new bytes'
    // hash, so it is never answered for them; if the commit failed, it still describes the
    // old bytes, which are still there.
    e.catalog.put_file_metadata({db.record.id, cell.table, cell.column, cell.rowid,
                                 files::clean_file_name(content.file_name),
                                 files::clean_media_type(content.media_type), size, hash,
                                 core::now_iso_utc()});
}

file_meta get_file(engine& eng, const principal& who, std::string_view db_id,
                   const file_cell& where, byte_sink& out) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_read(db);
    auto hosted = e.databases.open(db.record.id);

    auto conn = hosted->reader();
    // One snapshot for the lookup and every chunk.
    sqlite::transaction tx(*conn, sqlite::transaction::kind::deferred);
    auto cell = files::locate_cell(*conn, where);
    switch (cell.value_type) {
        case sqlite::column_type::blob:
        case sqlite::column_type::text:
            break;
        case sqlite::column_type::null:
            throw error(errc::not_found,
                        fmt::format("no file in column \"{}\" of \"{}\" where {}: the cell is NULL",
                                    cell.column, cell.table, cell.description));
        case sqlite::column_type::integer:
        case sqlite::column_type::real:
            throw error(errc::not_found,
                        fmt::format("no file in column \"{}\" of \"{}\" where {}: the cell holds "
                                    "a number",
                                    cell.column, cell.table, cell.description));
    }
    sqlite::blob blob(*conn, cell.table, cell.column, cell.rowid, sqlite::blob::mode::read);
    const auto size = blob.size();

    // Upload facts apply only to the bytes they were recorded for: same size, same hash.
    auto facts = e.catalog.find_file_metadata(db.record.id, cell.table, cell.column, cell.rowid);
    if (facts && facts->size != size) facts.reset();
    std::optional<content_hash> hash;
    if (facts) hash.emplace();

    std::string head;
    auto buffer = std::make_unique<char[]>(chunk_bytes);
    for (std::uint64_t offset = 0; offset < size;) {
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_bytes, size - offset));
        blob.read(buffer.get(), n, offset);
        if (head.size() < files::detection_bytes) {
            head.append(buffer.get(), std::min(n, files::detection_bytes - head.size()));
        }
        if (hash) hash->add(buffer.get(), n);
        out.write({buffer.get(), n});
        offset += n;
    }
    blob.close();
    tx.commit();
    if (facts && facts->content_hash != hash->hex()) facts.reset();

    file_meta meta;
    meta.size = size;
    if (facts) {
        meta.from_upload = true;
        meta.uploaded_utc = facts->uploaded_utc;
        meta.media_type = facts->media_type.value_or("");
        meta.file_name = facts->file_name.value_or("");
    }
    if (meta.media_type.empty() || meta.file_name.empty()) {
        auto detected = files::detect_media_type(head);
        if (meta.media_type.empty()) meta.media_type = detected.media_type;
        if (meta.file_name.empty()) meta.file_name = fallback_name(cell, detected.extension);
    }
    return meta;
}

}  // namespace airsql
