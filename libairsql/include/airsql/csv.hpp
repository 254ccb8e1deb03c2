// SPDX-License-Identifier: Apache-2.0
// Importing CSV files into tables.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/streams.hpp"

namespace airsql {

class engine;
class principal;

/// `POST /api/dbs/:dbId/tables/:table/import` response.
struct csv_import_result {
    std::int64_t number_of_rows = 0;   ///< rows inserted
    std::vector<std::string> columns;  ///< the table's columns filled, in the CSV's order
    std::string encoding;              ///< what the file was read as, e.g. "UTF-8", "UTF-16 LE"
    double runtime_seconds = 0;
};

/// Appends the rows of a CSV file to an existing table.
///
/// The first record is the header: each of its names must be a column of the table (matched
/// case-insensitively, surrounding spaces ignored); names that are not are an
/// `invalid_argument` listing them, as is a name given twice or a generated column. Columns
/// the header does not name get their defaults. Values are inserted as text and converted by
/// the columns' affinity, as SQLite does for `INSERT … VALUES ('…')`; an empty field is NULL.
/// The CSV format (quotes, line breaks, UTF-8 or UTF-16, what is refused) is described in
/// `csv_parser.hpp`: malformed input is an `invalid_argument` naming the line. Fields are
/// separated by commas, or by tabs when the source's `file_name` ends in `.tsv` or its
/// `media_type` is `text/tab-separated-values`.
///
/// All rows go in one transaction on the database's writer, with the table's triggers and
/// constraints as for any insert; a failing row (a constraint, a trigger's RAISE) rolls back
/// the whole import and is an `invalid_argument` naming its line.
///
/// Access: insert rights on the database (team Editor/Admin, `write`, `writeonly` and
/// `insertonly` tokens); `not_found` when the caller has no access at all or the table does
/// not exist, `permission_denied` when the caller may not insert.
///
/// Limits (options): `max_import_bytes` (`payload_too_large`), `max_import_rows`,
/// `import_timeout` (`deadline_exceeded`), `max_database_bytes` (`resource_exhausted`),
/// `max_request_sqlite_memory`; records of at most 16 MiB and 2000 fields.
csv_import_result import_csv(engine& eng, const principal& who, std::string_view db_id,
                             std::string_view table, const byte_source& csv);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const csv_import_result& v);

}  // namespace airsql
