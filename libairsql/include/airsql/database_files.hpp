// SPDX-License-Identifier: Apache-2.0
// Whole databases as files: upload, replace, download, duplicate, vacuum, new ids. Every file
// operation goes through the engine's database registry.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "airsql/databases.hpp"
#include "airsql/streams.hpp"

namespace airsql {

class engine;
class principal;

/// `POST /dbs`: what the uploaded file becomes.
struct upload_database_request {
    std::string team;                        ///< owning team; empty: the caller's own team
    std::optional<std::string> name;         ///< default: the file name without its extension
    std::optional<std::string> file_format;  ///< "sqlite", "csv" or "sql"; default: detected
    bool operator==(const upload_database_request&) const = default;
};

/// Creates a database from an uploaded file: a SQLite database (checked with
/// `integrity_check` and `foreign_key_check`, kept byte for byte), a CSV file (one table named
/// after the file) or an SQL script (run as `create_database` runs `query`). The format comes
/// from `file_format`, else from the content (the SQLite header) and the file name
/// (.csv/.tsv, .sql/.txt; .sqlite/.sqlite3/.db must hold a SQLite database). Bad files get
/// `invalid_argument`, files over `options::max_database_bytes` `payload_too_large`; nothing is
/// left on disk then. Needs Editor or Admin in the team.
create_database_response upload_database(engine& eng, const principal& who,
                                         const upload_database_request& request,
                                         const byte_source& file);

/// `PUT /dbs/:dbId`: replaces the database's contents with an uploaded file (same formats and
/// checks as `upload_database`), atomically: requests see the old or the new database, never a
/// mix. Needs the schema capability (team Editor/Admin); refused while the schema is locked.
create_database_response replace_database(engine& eng, const principal& who,
                                          std::string_view db_id, const byte_source& file);

/// `GET /dbs/:dbId/download`: a consistent snapshot of the database file, written to `out`
/// while writers go on. A file nobody wrote to since it was uploaded comes back byte for byte.
/// Needs read access (read-only links too).
stream_meta download_database(engine& eng, const principal& who, std::string_view db_id,
                              byte_sink& out);
/// The same, written to a new file at `target` (copied in the kernel where it can be).
stream_meta download_database(engine& eng, const principal& who, std::string_view db_id,
                              const std::filesystem::path& target);

/// `GET /dbs/:dbId/duplicate` and `GET /readonly/:readonlyId/duplicate`: a new database with
/// the same contents, owned by `team` (empty: the caller's own team). `who` reads the source
/// (a `readonly_link` principal for the read-only route) and `owner` creates the copy (a
/// signed-in user, Editor or Admin of the team).
create_database_response duplicate_database(engine& eng, const principal& who,
                                            std::string_view db_id, const principal& owner,
                                            std::string_view team);

/// `POST /api/dbs/:dbId/vacuum`: rebuilds the file compactly (`VACUUM`). Needs the schema
/// capability.
void vacuum_database(engine& eng, const principal& who, std::string_view db_id);

/// `GET /dbs/:dbId/regenerate-db-id`: gives the database a new id; the old one stops working
/// at once everywhere. Team Admins only. Returns the new id.
std::string regenerate_database_id(engine& eng, const principal& who, std::string_view db_id);

/// `GET /dbs/:dbId/regenerate-readonly-id`: a new read-only id; the old one stops working at
/// once. Team Admins only. Returns the new read-only id.
std::string regenerate_readonly_id(engine& eng, const principal& who, std::string_view db_id);

}  // namespace airsql
