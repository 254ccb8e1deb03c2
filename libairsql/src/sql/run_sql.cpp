// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "airsql/sql.hpp"
#include "audit/context.hpp"
#include "auth/access.hpp"
#include "core/blocking.hpp"
#include "core/engine_impl.hpp"
#include "sql/script_execution.hpp"
#include "sqlite/script.hpp"

namespace airsql {

sql_result run_sql(engine& eng, const principal& who, std::string_view db_id,
                   const sql_request& request) {
    auto& e = eng.internals();
    sql::check_script_text(e.opts, request.query);
    auto db = auth::resolve_database(e, who, db_id);
    if (!db.access.read && !db.access.schema) {
        throw error(errc::permission_denied,
                    "the SQL endpoint needs read or write access to the database");
    }
    auto settings = sql::script_settings_for(e.opts, sqlite::sql_rights::read_only);
    settings.schema_locked = db.record.schema_locked;
    auto hosted = e.databases.open(db.record.id);
    if (db.access.schema) {
        // A single read-only statement (the common SELECT) runs on a pooled reader, in parallel
        // with other readers, instead of queueing for the one writer. Reads are bounded by the
        // time limit (and an inline_scope's budget): an I/O thread may run them.
        auto reader = hosted->reader(core::blocking::bounded_read);
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
        auto conn = hosted->writer(audit::context_for(e, who, db.record));
        return sql::execute_script(*conn, request.query, settings);
    }
    settings.rights = sqlite::sql_rights::read_only;
    auto conn = hosted->reader(core::blocking::bounded_read);
    return sql::execute_script(*conn, request.query, settings);
}

}  // namespace airsql
