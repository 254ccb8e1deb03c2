// SPDX-License-Identifier: Apache-2.0
// Who writes to a hosted database, and where the audit log of its writes goes. Every write
// lease (database::hosted_database::writer) takes a context, so no write path can forget to
// say whom it writes for.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "airsql/engine.hpp"
#include "audit/recorder.hpp"
#include "catalog/audit_row.hpp"

namespace airsql {
class principal;
}
namespace airsql::catalog {
class catalog;
struct database_record;
}  // namespace airsql::catalog

namespace airsql::audit {

/// Who writes, whether the writes are audited, and where the entries go.
struct context {
    bool enabled = false;             ///< the database's `auditing` setting
    std::string db_id;
    std::string principal;            ///< JSON text naming who writes (see describe)
    catalog::catalog* log = nullptr;  ///< the engine's catalog; null: nowhere (tests, tools)
    limits lim;
    /// Entries are on disk before the lease ends (options::synchronous "FULL"), or survive a
    /// crash of the process only ("NORMAL"), like the writes they describe.
    bool synchronous_full = true;

    /// No auditing and no catalog: for databases that are not hosted yet (a new database's
    /// creation script) and for tests.
    static context off() { return {}; }
};

/// The context for `who` writing to `record` (the database as the request resolved it, so a
/// write that started before `auditing` was switched on is not audited).
context context_for(engine::impl& e, const principal& who,
                    const catalog::database_record& record);

/// `who` as the audit log names it, a JSON object text: {"kind":"user","id":3,"name":"ann"},
/// {"kind":"token","id":7,"name":"ci","team":"ann"}, {"kind":"readonlyLink"},
/// {"kind":"anonymous"}.
std::string describe(engine::impl& e, const principal& who);

/// Catalog rows for committed transactions, in order; a transaction that went past the caps
/// ends with one "OMITTED" entry counting what was left out. Column names come from the
/// layout the hook saw, else from `conn`'s current schema, else "#<position>".
std::vector<catalog::audit_row> to_rows(const context& ctx,
                                        std::vector<committed_transaction> txns,
                                        sqlite::connection& conn);

/// Logs one event that is not a row change, when the database is audited: `operation` (e.g.
/// "SCHEMA", "REPLACE"), the table it concerns if any, and JSON objects for what was and what
/// is. Failures are reported on stderr; never throws (the change itself already happened).
void log_event(engine::impl& e, const principal& who, const catalog::database_record& record,
               std::string_view operation, std::optional<std::string> table_name,
               const boost::json::object& old_values,
               const boost::json::object& new_values) noexcept;

/// Appends `unflushed` (what an earlier failed append left) and then `rows` to `ctx.log` in
/// one catalog transaction. On failure the entries stay in `unflushed` for the next write
/// lease of the database to retry (at most `ctx.lim.max_entries` are kept; the rest are
/// dropped) and the failure is reported on stderr. Never throws.
void append(const context& ctx, std::vector<catalog::audit_row> rows,
            std::vector<catalog::audit_row>& unflushed) noexcept;

}  // namespace airsql::audit
