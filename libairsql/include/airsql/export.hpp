// SPDX-License-Identifier: Apache-2.0
// Getting data and schema out of a hosted database: table export (CSV, JSON, NDJSON, SQL),
// fuzzy search in a table, the schema as SQL text (the sqlite3 CLI's `.schema`) and as
// Azimutt's JSON schema.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/fwd.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/databases.hpp"
#include "airsql/streams.hpp"

namespace airsql {

class engine;
class principal;

/// The file formats of `export_table`.
enum class export_format {
    csv,     ///< RFC 4180, UTF-8 without BOM, a header row, CRLF line ends
    json,    ///< one JSON array of row objects
    ndjson,  ///< one JSON object per line (LF)
    sql,     ///< CREATE TABLE + INSERT statements, like `sqlite3 file '.dump table'`
};

/// "csv", "json", "ndjson", "sql".
std::string_view to_string(export_format f) noexcept;

/// The format named `name` (as above, case-sensitive); `invalid_argument` for anything else.
export_format parse_export_format(std::string_view name);

/// Streams every row of a table or view into `sink`, in the table's natural (rowid) order,
/// holding at most one row and a small write buffer in memory: rows come straight from a
/// reader connection's statement.
///
/// Values: NULL is an empty CSV field (an empty string is `""`, so the two stay apart) and
/// JSON `null`; integers are exact; REALs are written with the shortest text that reads back
/// as the same double (always with a `.` or an exponent, so they stay REALs; infinities are
/// `Inf`/`-Inf` in CSV, `1e999`/`-1e999` in JSON and SQL, as SQLite writes them); BLOBs are
/// standard base64 (RFC 4648, padded) in CSV and JSON, `X'…'` literals in SQL; text that is
/// not valid UTF-8 has each bad byte replaced by U+FFFD in CSV and JSON, and is written
/// losslessly as `CAST(X'…' AS TEXT)` in SQL (so is text containing NUL).
///
/// SQL: `PRAGMA foreign_keys=OFF; BEGIN TRANSACTION;`, the table's CREATE statement, one
/// `INSERT INTO t VALUES(…);` per row (generated columns left out, as `.dump` does), the
/// table's indexes and triggers, `COMMIT;`. A view is exported as a table of its rows
/// (`CREATE TABLE "v"("a","b")` with the view's declared column types).
///
/// Access: read access (`permission_denied` for write-only and insert-only tokens;
/// `not_found` when the caller may not know the database, or there is no such table or
/// view). Table names match as SQLite matches them (ASCII case-insensitively).
/// Limits: `options::export_timeout` (`deadline_exceeded`) and `options::max_export_bytes`
/// (`payload_too_large`); after either, what was written so far is incomplete and must be
/// discarded. Exceptions thrown by the sink abort the export.
/// Returns the media type and a file name (`<table>.<format>`) for the HTTP layer.
stream_meta export_table(engine& eng, const principal& who, std::string_view db_id,
                         std::string_view table, export_format format, byte_sink& sink);

/// `GET /api/dbs/:dbId/tables/:id/search/:searchTerm` parameters.
struct table_search_request {
    std::string term;         ///< 1–1000 bytes of UTF-8 after trimming; matched case-insensitively
    std::size_t limit = 50;   ///< rows per page, 1–`options::search_max_limit` (1000)
    std::size_t offset = 0;   ///< matches to skip, at most `options::search_max_offset` (100,000)
    bool operator==(const table_search_request&) const = default;
};

/// A table or view as the table routes describe it (`GET /api/dbs/:dbId/tables/:id`).
struct table_summary {
    std::vector<column_info> columns;
    std::optional<std::string> description;   ///< JSON null until tables carry descriptions
    bool max_cell_limit_reached = false;      ///< JSON "maxCellLimitReached"
    std::string name;
    std::int64_t number_of_rows = 0;          ///< JSON "numberOfRows"
    /// JSON "rowidColumnName": the INTEGER PRIMARY KEY column that aliases the rowid, else
    /// "rowid"; null for views and WITHOUT ROWID tables.
    std::optional<std::string> rowid_column_name;
    std::string table_type;                   ///< "Table" or "View"
    bool operator==(const table_summary&) const = default;
};

/// Search results: the table's summary plus one page of matching rows, best first.
struct table_search_result {
    table_summary table;
    /// Row objects: each column by name (BLOBs as {"type":"blob"}, as the SQL endpoint shows
    /// them), plus "rowid" (null for views and WITHOUT ROWID tables) unless a column has that
    /// name.
    boost::json::array rows;
    std::int64_t number_of_matches = 0;  ///< JSON "numberOfMatches": all matches, every page
};

/// Fuzzy search over the text values of a table or view. A row matches when one of its text
/// cells (Unicode case-folded) equals the term (rank 1), starts with it (2), contains it at
/// a word start (3) or anywhere (4); else when every whitespace-separated word of the term is
/// in some cell (5); else when every word of 3 or more characters is within a small edit
/// distance of a word in some cell (6: one edit for words of 3–5 characters, two from 6, a
/// transposition counting as one). Ties keep the table's order. The term is never part of
/// any SQL text: rows are read with one generated statement and matched in C++, so `%`, `_`
/// and quotes are ordinary characters.
///
/// Access: read access. Limits: `options::search_timeout` (`deadline_exceeded`), term length,
/// `limit` and `offset` as above (`invalid_argument`). `numberOfRows` is the table's row
/// count, counted during the same scan.
table_search_result search_table(engine& eng, const principal& who, std::string_view db_id,
                                 std::string_view table, const table_search_request& request);

/// The schema as SQL text, exactly as `sqlite3 <file> .schema` prints it: each object's
/// `sql` from sqlite_schema in rowid order, followed by `;` and a newline; SQLite's internal
/// objects without SQL (autoindexes) left out; views and virtual tables followed by their
/// column list in a comment (`/* v(a,b) */`); `CREATE TABLE "x"` written as
/// `CREATE TABLE IF NOT EXISTS "x"`, as the CLI does. Needs read access.
std::string schema_text(engine& eng, const principal& who, std::string_view db_id);

/// Azimutt's JSON schema ("JSON source"), https://azimutt.app: see `azimutt_table`.
struct azimutt_column {
    std::string name;
    std::string type;                    ///< the declared type ("" when none)
    bool nullable = true;
    std::optional<std::string> default_value;  ///< JSON "default": the DEFAULT expression
    std::optional<std::string> comment;
    bool operator==(const azimutt_column&) const = default;
};

/// A named group of columns: primary keys ("name", "columns"), unique constraints and
/// indexes (plus "definition": `(a, b)` or the index's SQL).
struct azimutt_constraint {
    std::string name;
    std::vector<std::string> columns;
    std::string definition;
    bool operator==(const azimutt_constraint&) const = default;
};

/// A CHECK constraint: the columns its predicate names.
struct azimutt_check {
    std::string name;
    std::vector<std::string> columns;
    std::string predicate;
    bool operator==(const azimutt_check&) const = default;
};

struct azimutt_table {
    std::string schema = "public";  ///< as Airsequel's example shows
    std::string table;
    bool view = false;
    std::optional<std::string> definition;  ///< a view's SELECT (views only)
    std::vector<azimutt_column> columns;
    std::optional<azimutt_constraint> primary_key;  ///< JSON "primaryKey" {columns, name}
    std::vector<azimutt_constraint> uniques;
    std::vector<azimutt_constraint> indexes;
    std::vector<azimutt_check> checks;
    std::optional<std::string> comment;
    bool operator==(const azimutt_table&) const = default;
};

/// One column of a foreign key: `src` references `ref`; a composite key gives one relation per
/// column pair, all with the key's name.
struct azimutt_column_ref {
    std::string schema = "public";
    std::string table;
    std::string column;
    bool operator==(const azimutt_column_ref&) const = default;
};

struct azimutt_relation {
    std::string name;
    azimutt_column_ref src;
    azimutt_column_ref ref;
    bool operator==(const azimutt_relation&) const = default;
};

/// `GET /api/dbs/:dbId/azimutt-schema` response.
struct azimutt_schema {
    std::vector<azimutt_table> tables;
    std::vector<azimutt_relation> relations;
    bool operator==(const azimutt_schema&) const = default;
};

/// The user tables and views with their columns, keys, unique constraints, indexes, CHECK
/// constraints and foreign keys, in sqlite_schema order. Generated names: a primary key is
/// named after its columns (`id`), a unique constraint `<columns>_unique`, a CHECK
/// `<columns>_check` (or its `CONSTRAINT` name), a foreign key `<table>_<columns>_fkey`.
/// Needs read access.
azimutt_schema get_azimutt_schema(engine& eng, const principal& who, std::string_view db_id);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const table_summary& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv,
                const table_search_result& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const azimutt_column& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const azimutt_table& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv,
                const azimutt_relation& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const azimutt_schema& v);

}  // namespace airsql
