// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace airsql {

class engine;
class principal;

/// `POST /dbs/:dbId/sql` body.
struct sql_request {
    std::string query;
    bool operator==(const sql_request&) const = default;
};

/// `POST /dbs/:dbId/sql` response. SQL errors are data (`errors`), not exceptions.
struct sql_result {
    /// Tables and views touched: all of them when rows changed, else those whose schema
    /// changed (created, dropped, altered), sorted by name.
    std::vector<std::string> affected_tables;
    /// Rows of the last statement that returned rows; each an object whose keys follow the
    /// result-column order. BLOB values are `{"type":"blob"}`.
    boost::json::array rows;
    std::int64_t num_changes = 0;  ///< rows inserted, updated or deleted by the whole script
    double runtime_seconds = 0;
    std::vector<std::string> errors;  ///< JSON: [{"message": …}]
};

/// Runs an SQL script on one database, all statements in one transaction.
///
/// Access: read access runs read-only statements (any write is refused); write access (team
/// Editor/Admin, `write` tokens) runs anything SQLite allows except ATTACH/DETACH, extension
/// loading, transaction control, VACUUM and unsafe pragmas. Tables created `WITHOUT ROWID` or
/// with a foreign key to a rowid are refused (the GraphQL API could not address their rows).
///
/// Limits: `options::max_sql_length` code points (`invalid_argument`: the reference asks for 400),
/// `options::sql_timeout`
/// (the statement is interrupted; reported in `errors`), `max_sql_result_rows` / `_bytes`.
/// Throws `not_found` / `permission_denied` for access problems; SQL errors roll the whole
/// script back and come back in `sql_result::errors` with empty rows.
sql_result run_sql(engine& eng, const principal& who, std::string_view db_id,
                   const sql_request& request);

sql_request tag_invoke(boost::json::value_to_tag<sql_request>, const boost::json::value& jv);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const sql_result& v);

}  // namespace airsql
