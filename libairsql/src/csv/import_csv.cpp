// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <fmt/format.h>

#include <chrono>

#include "airsql/csv.hpp"
#include "airsql/error.hpp"
#include "auth/access.hpp"
#include "core/engine_impl.hpp"
#include "csv/csv_import.hpp"

namespace airsql {

csv_import_result import_csv(engine& eng, const principal& who, std::string_view db_id,
                             std::string_view table, const byte_source& csv) {
    auto started = std::chrono::steady_clock::now();
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    if (!db.access.insert) {
        throw error(errc::permission_denied,
                    "importing rows needs insert access to the database (team Editor or Admin, "
                    "or a write, writeonly or insertonly token)");
    }
    auto hosted = e.databases.open(db.record.id);
    csv::append_result appended;
    {
        auto conn = hosted->writer();
        appended = csv::import_into_table(*conn, csv, table, csv::limits_for(e.opts));
    }
    csv_import_result result;
    result.number_of_rows = appended.rows;
    result.columns = std::move(appended.columns);
    result.encoding = std::string(csv::to_string(appended.encoding));
    result.runtime_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const csv_import_result& v) {
    boost::json::array columns;
    for (const auto& c : v.columns) columns.emplace_back(c);
    jv = {{"numberOfRows", v.number_of_rows},
          {"columns", std::move(columns)},
          {"encoding", v.encoding},
          {"runtimeSeconds", v.runtime_seconds}};
}

}  // namespace airsql
