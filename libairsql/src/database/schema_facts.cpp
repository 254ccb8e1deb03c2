// SPDX-License-Identifier: Apache-2.0
#include "database/schema_facts.hpp"

#include <chrono>
#include <system_error>

#include "core/clock.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql::database {

std::vector<table_info> read_tables(sqlite::connection& conn) {
    std::vector<table_info> tables;
    {
        auto st = conn.cached(
            "SELECT m.name, m.type FROM sqlite_master m "
            "JOIN pragma_table_list l ON l.name = m.name AND l.schema = 'main' "
            "WHERE m.type IN ('table', 'view') AND l.type IN ('table', 'view', 'virtual') "
            "AND " AIRSQL_SQL_USER_TABLE("m.name") " "
            "ORDER BY m.rowid");
        while (st->step()) {
            tables.push_back({st->text(0), st->text(1) == "view" ? "View" : "Table", {}});
        }
    }
    for (auto& t : tables) {
        auto st = conn.cached(
            "SELECT name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) "
            "WHERE hidden != 1 ORDER BY cid");
        st->bind(1, t.name);
        while (st->step()) {
            auto hidden = st->int64(5);
            t.columns.push_back(column_info{st->text(0), st->text(1), st->int64(2) != 0,
                                            st->int64(4) > 0, hidden == 2 || hidden == 3,
                                            st->optional_text(3)});
        }
    }
    return tables;
}

void fill_live_facts(sqlite::connection& conn, const std::filesystem::path& file,
                     database_info& info) {
    info.tables = read_tables(conn);
    info.schema_version = conn.pragma_int("schema_version");
    info.user_version = conn.pragma_int("user_version");
    info.size = conn.pragma_int("page_count") * conn.pragma_int("page_size");
    // The later of the file's and its write-ahead log's modification times.
    std::error_code file_ec;
    std::error_code wal_ec;
    auto latest = std::filesystem::last_write_time(file, file_ec);
    auto wal_time =
        std::filesystem::last_write_time(std::filesystem::path(file.string() + "-wal"), wal_ec);
    if (file_ec || (!wal_ec && wal_time > latest)) latest = wal_time;
    if (file_ec && wal_ec) return;
    info.last_modified_utc =
        core::to_iso_utc(std::chrono::time_point_cast<std::chrono::milliseconds>(
            std::chrono::file_clock::to_sys(latest)));
}

}  // namespace airsql::database
