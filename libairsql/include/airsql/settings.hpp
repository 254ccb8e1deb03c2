// SPDX-License-Identifier: Apache-2.0
// A database's settings (`/api/dbs/:dbId/settings`), its environment variables
// (`/api/dbs/:dbId/env`) and its audit log (`/api/dbs/:dbId/audit`).
//
// - `schemaLocked`: while on, every schema change is refused, from every door: the SQL
//   endpoint reports a script with CREATE, DROP or ALTER (tables, indexes, views, triggers,
//   virtual tables) as an SQL error in its result (HTTP 200, like every SQL error there); the
//   other doors (table and column routes, replacing the database file) throw
//   `failed_precondition` (HTTP 409). Data changes (INSERT, UPDATE, DELETE) go on. An Admin
//   unlocks it here.
// - `auditing`: while on, every row change that commits (SQL endpoint, GraphQL mutations,
//   table routes, uploads: every write goes through the database's one writer) is logged in
//   the catalog, where no SQL or GraphQL request can reach it: who, when, table, rowid,
//   INSERT/UPDATE/DELETE, old and new values. Rolled-back writes are not logged.
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/databases.hpp"
#include "airsql/patch.hpp"

namespace airsql {

class engine;
class principal;

/// One environment variable of a database (functions get them in their context).
struct env_var {
    std::string name;
    /// Null for callers who may see the names but not the values (team Editors).
    std::optional<std::string> value;
    std::string created_utc;  ///< JSON "created_utc", as in the reference
    bool operator==(const env_var&) const = default;
};

/// `GET /api/dbs/:dbId/settings` response.
struct database_settings {
    bool auditing = false;
    std::optional<std::string> environment;
    bool schema_locked = false;
    bool views_tab = false;
    airsql::visibility visibility = visibility::team_only;
    /// The environment variables, by name: with values for team Admins, names only (values
    /// null) for team Editors, and null (absent) for everyone else.
    std::optional<std::vector<env_var>> env_vars;
    bool operator==(const database_settings&) const = default;
};

/// One variable to set: an `envVars` entry of a settings PATCH, and `POST …/env`.
/// Names are environment-variable identifiers (`[A-Za-z_][A-Za-z0-9_]*`, 1–128 characters,
/// case-sensitive); values are UTF-8 text without NUL of at most
/// `options::max_env_var_value_bytes`.
struct env_var_input {
    std::string name;
    std::string value;
    bool operator==(const env_var_input&) const = default;
};

/// `PATCH /api/dbs/:dbId/env/:varName` body: a new name and/or a new value.
struct env_var_patch {
    std::optional<std::string> name;
    std::optional<std::string> value;
    bool operator==(const env_var_patch&) const = default;
};

/// `PATCH /api/dbs/:dbId/settings` body. Absent fields stay as they are. `environment`
/// accepts a string, null, or the tagged form (`{"tag":"TextValue","contents":"production"}`,
/// `{"tag":"TextNull"}`).
struct settings_patch {
    std::optional<bool> auditing;
    patch<std::string> environment;
    std::optional<bool> schema_locked;
    std::optional<bool> views_tab;
    std::optional<airsql::visibility> visibility;
    /// The complete new set of environment variables (an empty list removes them all);
    /// variables whose name stays keep their `created_utc`.
    std::optional<std::vector<env_var_input>> env_vars;
    bool operator==(const settings_patch&) const = default;
};

/// The settings. Needs read access (as `get_database`; a `readonly_link` principal names the
/// database by its read-only id). `not_found` when the database does not exist or the caller
/// may not know that it does.
database_settings get_settings(engine& eng, const principal& who, std::string_view db_id);

/// Changes settings under `update_database`'s rules: signed-in users only (API tokens and
/// read-only links get `permission_denied`); environment and viewsTab need the Editor role,
/// auditing, schemaLocked, visibility and envVars the Admin role. Everything is validated
/// before anything is written (`invalid_argument`, also for more than
/// `options::max_env_vars_per_database` variables), and written in one
/// catalog transaction. When auditing is on (before or after), the change is logged as a
/// "SETTINGS" entry (variable names, never their values).
void update_settings(engine& eng, const principal& who, std::string_view db_id,
                     const settings_patch& patch);

/// `GET …/env`: the variables by name, with values for team Admins and names only for team
/// Editors; `permission_denied` for everyone else (API tokens included).
std::vector<env_var> list_env_vars(engine& eng, const principal& who, std::string_view db_id);

/// `POST …/env`: adds a variable (team Admins). `already_exists` when the name is taken,
/// `failed_precondition` (HTTP 409) when the database has `options::max_env_vars_per_database`.
env_var add_env_var(engine& eng, const principal& who, std::string_view db_id,
                    const env_var_input& var);

/// `PATCH …/env/:varName`: renames and/or revalues a variable (team Admins). `not_found`,
/// or `already_exists` when the new name is taken.
void update_env_var(engine& eng, const principal& who, std::string_view db_id,
                    std::string_view name, const env_var_patch& patch);

/// `DELETE …/env/:varName` (team Admins). `not_found` when there is no such variable.
void delete_env_var(engine& eng, const principal& who, std::string_view db_id,
                    std::string_view name);

/// One entry of the audit log.
struct audit_entry {
    std::int64_t id = 0;  ///< increasing in commit order
    std::string utc;      ///< when the transaction committed (ISO-8601 UTC, milliseconds)
    /// Who: {"kind":"user","id":3,"name":"ann"} or {"kind":"token","id":7,"name":"ci",
    /// "team":"ann"}.
    boost::json::value principal;
    std::optional<std::string> table_name;  ///< JSON "tableName"; null for OMITTED, SETTINGS
    std::optional<std::int64_t> row_id;     ///< JSON "rowId"; null for WITHOUT ROWID tables
    /// "INSERT", "UPDATE", "DELETE"; "OMITTED" (one per transaction that went past
    /// `options::audit_max_entries_per_transaction` or `audit_max_transaction_bytes`:
    /// newValues {"omittedChanges": N, "reason": …}); "SETTINGS" (a settings change).
    std::string operation;
    /// Column → value objects (null where there is nothing: oldValues of an INSERT, newValues
    /// of a DELETE). UPDATE entries hold only the columns whose value changed. BLOBs are
    /// {"type":"blob","size":N}; TEXT longer than `options::audit_max_value_bytes` is
    /// {"type":"text","size":N,"prefix":"…"}; VIRTUAL generated columns are left out.
    boost::json::value old_values;
    boost::json::value new_values;
    bool operator==(const audit_entry&) const = default;
};

/// Which entries to read: newest first.
struct audit_query {
    std::size_t limit = 100;              ///< clamped to 1..options::audit_max_page_size
    std::optional<std::int64_t> before;   ///< only entries with a smaller id (the cursor)
    std::optional<std::string> table;     ///< only this table's entries
    std::optional<std::string> since;     ///< ISO-8601 time: committed at or after it
    std::optional<std::string> until;     ///< ISO-8601 time: committed before it
    bool operator==(const audit_query&) const = default;
};

/// One page of the log: `GET /api/dbs/:dbId/audit` response.
struct audit_page {
    std::vector<audit_entry> entries;
    /// Pass as `before` for the next page; null on the last page.
    std::optional<std::int64_t> next_cursor;
    bool operator==(const audit_page&) const = default;
};

/// Reads a query from URL parameters as text (`limit`, `before`, `table`, `since`, `until`);
/// `invalid_argument` for a limit or cursor that is not a number or a time that is not
/// ISO-8601 ("2024-05-01", "2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123Z").
audit_query parse_audit_query(const std::optional<std::string>& limit,
                              const std::optional<std::string>& before,
                              const std::optional<std::string>& table,
                              const std::optional<std::string>& since,
                              const std::optional<std::string>& until);

/// The audit log of a database, for team Admins (signed-in; Editors, API tokens and everyone
/// else get `permission_denied`). It is kept while auditing is off and goes with the
/// database when the database is deleted. `invalid_argument` for a malformed time.
audit_page read_audit_log(engine& eng, const principal& who, std::string_view db_id,
                          const audit_query& query);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const env_var& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const database_settings& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const audit_entry& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const audit_page& v);
env_var_input tag_invoke(boost::json::value_to_tag<env_var_input>, const boost::json::value& jv);
env_var_patch tag_invoke(boost::json::value_to_tag<env_var_patch>, const boost::json::value& jv);
settings_patch tag_invoke(boost::json::value_to_tag<settings_patch>, const boost::json::value& jv);

}  // namespace airsql
