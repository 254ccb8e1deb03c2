// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "airsql/sql.hpp"
#include "auth/access.hpp"
#include "core/engine_impl.hpp"
#include "sql/script_execution.hpp"
#include "sqlite/memory_budget.hpp"
#include "sqlite/script.hpp"

namespace airsql {

namespace {

std::size_t count_code_points(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

}  // namespace

namespace {

sql_result run_confined(engine::impl& e, const principal& who, std::string_view db_id,
                        const sql_request& request);

}  // namespace

sql_result run_sql(engine& eng, const principal& who, std::string_view db_id,
                   const sql_request& request) {
    auto& e = eng.internals();
    sqlite::memory_budget budget(e.opts.max_request_sqlite_memory);
    auto over_budget = [&] {
        sql_result r;
        r.errors.push_back(fmt::format(
            "the query needs more than {} bytes of memory; select fewer or smaller values",
            budget.limit()));
        return r;
    };
    try {
        auto result = run_confined(e, who, db_id, request);
        if (budget.exceeded() && !result.errors.empty()) return over_budget();
        return result;
    } catch (const error&) {
        if (budget.exceeded()) return over_budget();
        throw;
    }
}

namespace {

sql_result run_confined(engine::impl& e, const principal& who, std::string_view db_id,
                        const sql_request& request) {
    auto length = count_code_points(request.query);
    if (length > e.opts.max_sql_length) {
        throw error(errc::invalid_argument,
                    fmt::format("SQL query is too long ({} characters, maximum is {})", length,
                                e.opts.max_sql_length));
    }
    if (request.query.find('\0') != std::string::npos) {
        throw error(errc::invalid_argument, "SQL query contains a NUL character");
    }
    auto db = auth::resolve_database(e, who, db_id);
    if (!db.access.read && !db.access.schema) {
        throw error(errc::permission_denied,
                    "the SQL endpoint needs read or write access to the database");
    }
    sql::script_settings settings;
    settings.timeout = e.opts.sql_timeout;
    settings.max_rows = e.opts.max_sql_result_rows;
    settings.max_bytes = e.opts.max_sql_result_bytes;
    settings.schema_locked = db.record.schema_locked;
    auto hosted = e.databases.open(db.record.id);
    if (db.access.schema) {
        // A single read-only statement (the common SELECT) runs on a pooled reader, in parallel
        // with other readers, instead of queueing for the one writer.
        auto reader = hosted->reader();
        bool single_read = false;
        {
            sqlite::confinement guard(*reader, sqlite::sql_rights::read_only,
                                      sqlite::confinement::clock::now() + settings.timeout);
            single_read = sqlite::is_single_read_only_statement(*reader, guard, request.query);
        }
        if (single_read) {
            settings.rights = sqlite::sql_rights::read_only;
            return sql::execute_script(*reader, request.query, settings);
        }
    }
    if (db.access.schema) {
        settings.rights = sqlite::sql_rights::read_write;
        auto conn = hosted->writer();
        return sql::execute_script(*conn, request.query, settings);
    }
    settings.rights = sqlite::sql_rights::read_only;
    auto conn = hosted->reader();
    return sql::execute_script(*conn, request.query, settings);
}

}  // namespace

}  // namespace airsql
