// SPDX-License-Identifier: Apache-2.0
// Schema changes SQLite's ALTER TABLE cannot make, by the 12-step procedure of
// https://www.sqlite.org/lang_altertable.html ("Making Other Kinds Of Table Schema Changes").
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sqlite/connection.hpp"

namespace airsql::tables {

/// While alive, `PRAGMA foreign_keys` is OFF on the connection (restored at the end). Create it
/// before the transaction: the pragma cannot change inside one.
class foreign_keys_off {
  public:
    explicit foreign_keys_off(sqlite::connection& conn);
    ~foreign_keys_off();
    foreign_keys_off(const foreign_keys_off&) = delete;
    foreign_keys_off& operator=(const foreign_keys_off&) = delete;

  private:
    sqlite::connection& conn_;
    bool was_on_ = false;
};

/// A view or trigger that does not compile, or a table whose writes do not.
struct broken_object {
    std::string kind;  ///< "view", "trigger" or "table"
    std::string name;
    std::string message;  ///< SQLite's
    bool operator<(const broken_object& o) const {
        return std::tie(kind, name) < std::tie(o.kind, o.name);
    }
};

/// Compiles every view (SELECT), the statements that fire every trigger, and the INSERT,
/// UPDATE and DELETE of `also_table`; returns what fails. Nothing runs.
std::set<broken_object> broken_objects(sqlite::connection& conn, const std::string& also_table);

/// Throws `failed_precondition` naming the first object of `after` not broken in `before`.
void refuse_newly_broken(const std::set<broken_object>& before,
                         const std::set<broken_object>& after);

/// Throws `failed_precondition` when `PRAGMA foreign_key_check` finds a violation or a
/// mismatched foreign key.
void check_foreign_keys(sqlite::connection& conn);

struct rebuild_plan {
    std::vector<std::string> elements;  ///< the new table body: column definitions, constraints
    std::string tail;                   ///< ")" and table options, from the old statement
    /// Data to copy: (new column, old column), both real (not generated) columns.
    std::vector<std::pair<std::string, std::string>> copy;
    std::set<std::string> dropped_indexes;  ///< lower-case names of indexes not re-created
};

/// Rebuilds `table` (inside the caller's transaction, with foreign keys off): creates the new
/// table, copies the rows (keeping rowids), drops the old one, renames the new one, re-creates
/// indexes, triggers and the views and triggers that name the table, restores the AUTOINCREMENT
/// counter, and checks views, triggers and foreign keys. `failed_precondition` /
/// `already_exists` when rows do not fit or something would break; the caller rolls back.
void rebuild_table(sqlite::connection& conn, const std::string& table, const rebuild_plan& plan);

}  // namespace airsql::tables
