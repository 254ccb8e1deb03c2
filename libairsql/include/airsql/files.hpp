// SPDX-License-Identifier: Apache-2.0
// File columns: a column whose declared type starts with BLOB (`BLOB`, `BLOB_IMAGE`,
// `blob_pdf`, …) holds one file per row. Uploads and downloads stream through SQLite's
// incremental BLOB I/O, so a file is never held in memory whole; its original name and media
// type are kept beside it in the catalog.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "airsql/streams.hpp"

namespace airsql {

class engine;
class principal;

/// One file cell: a file column of a table, in the row whose `key_column` equals `key_value`.
///
/// `key_column` may name (case-insensitively, as SQLite does):
/// - the rowid, as `rowid`, `_rowid_` or `oid` (when no real column takes that name);
/// - a column that alone is the table's PRIMARY KEY (an INTEGER PRIMARY KEY is the rowid);
/// - a column with a single-column UNIQUE constraint or UNIQUE index (not a partial one).
/// Any other column is refused, so a key can never address several rows. `key_value` is bound
/// as a parameter, as text: SQLite applies the key column's affinity, so `"7"` finds the
/// integer 7 in an INTEGER column and the text '7' in a TEXT column.
struct file_cell {
    std::string table;
    std::string column;
    std::string key_column = "rowid";
    std::string key_value;
    bool operator==(const file_cell&) const = default;
};

/// What a downloaded file cell holds.
struct file_meta {
    std::uint64_t size = 0;  ///< bytes written to the sink
    /// The media type given at upload; else one detected from the first bytes (libmagic);
    /// else `application/octet-stream`. Never empty.
    std::string media_type;
    /// The file name given at upload (sanitised: no path, no control characters); else a
    /// name made of table, column and rowid, with an extension for the detected type when
    /// one is known (`docs-content-7.png`). Never empty.
    std::string file_name;
    /// Whether the cell's upload facts were found and still describe it (same size, same
    /// hash); `media_type` and `file_name` come from them where the upload gave them.
    bool from_upload = false;
    /// When the file was uploaded through `put_file` (ISO-8601 UTC), "" when unknown.
    std::string uploaded_utc;
    bool operator==(const file_meta&) const = default;
};

/// Stores `content` in the file cell `where` of database `db_id`, replacing what it held.
/// The row must exist (file cells are filled after the row was inserted, as in Airsequel).
/// `content.file_name` and `content.media_type` are remembered (sanitised; a media type that
/// is not a plain `type/subtype` is dropped) and answered by `get_file` for as long as the
/// cell holds exactly these bytes: changing the cell in any other way (SQL, GraphQL) makes
/// them stale, and stale names and types are never answered.
///
/// The cell is set to a zero-filled blob of the right size and then written in chunks with
/// SQLite's incremental BLOB I/O, all in one transaction on the database's writer: a failure
/// leaves the old bytes (and their name) in place. Memory stays bounded by the chunk size and
/// SQLite's page cache when the file column is the table's last column (or every column after
/// it is NULL). Otherwise SQLite builds the row in memory, zero-filled, as for any UPDATE of
/// such a row: about twice the file's size for the moment of the UPDATE (never the file's
/// bytes); `options::max_request_sqlite_memory` is raised to fit that for the upload.
///
/// Needs the right to change rows (update): team Editors and Admins, `write` and `writeonly`
/// tokens. `insertonly` tokens may not: an upload replaces the content of an existing row.
/// Errors: `not_found` (database, table, column, key column or row missing), `invalid_argument`
/// (not a file column, a view, a WITHOUT ROWID table, a generated or indexed column, a key
/// column that is neither primary key nor unique, a trigger that refused the change),
/// `permission_denied`, `payload_too_large` (larger than `options::max_file_upload_bytes`),
/// `resource_exhausted` (the database would grow past `options::max_database_bytes`),
/// `unavailable` (the database is busy).
/// Thread-safe.
void put_file(engine& eng, const principal& who, std::string_view db_id, const file_cell& where,
              const byte_source& content);

/// Streams the file cell `where` of database `db_id` into `out` (incremental BLOB reads, one
/// consistent snapshot) and describes it. Needs read access; for a `readonly_link` principal,
/// `db_id` is the read-only id. `write`/`writeonly`/`insertonly` tokens without read get
/// `permission_denied`. A NULL cell (or one holding a number) is `not_found`, with a message
/// saying so; the other errors are those of `put_file`. When `out.write` throws, that
/// exception propagates. Thread-safe.
file_meta get_file(engine& eng, const principal& who, std::string_view db_id,
                   const file_cell& where, byte_sink& out);

/// Whether a column with this declared type is a file column: the type starts with `BLOB`,
/// compared case-insensitively (`BLOB`, `blob`, `BLOB_IMAGE`, `BLOBFILE`). Untyped columns are
/// not file columns.
bool is_file_column_type(std::string_view declared_type) noexcept;

}  // namespace airsql
