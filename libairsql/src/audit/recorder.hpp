// SPDX-License-Identifier: Apache-2.0
// Recording the row changes made on one connection, for the audit log: SQLite's pre-update
// hook sees every INSERT, UPDATE and DELETE of a real table (also those made by triggers and
// foreign key actions) with the old and new values; the WAL hook says when a transaction has
// committed, the rollback hook when it was rolled back. Only committed changes are handed on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sqlite/connection.hpp"

struct sqlite3;
struct sqlite3_value;

namespace airsql::audit {

/// Where the columns of one table are in the rows the pre-update hook shows.
struct table_layout {
    /// Names of the stored columns in storage order: SQLite 3.40's hook reads values by
    /// storage position, and VIRTUAL generated columns are not stored (nor recorded).
    std::vector<std::string> stored_columns;
    /// For each declared column, its storage position, or -1 for a VIRTUAL generated one.
    std::vector<int> storage_of_column;
    bool has_rowid = true;
    bool shadow = false;  ///< a virtual table's shadow table (FTS, R*Tree): not recorded
};

/// The layout of every table of `main`, by name.
using schema_layout = std::unordered_map<std::string, table_layout>;

/// Reads the layouts from `conn` (SQL: never call it inside a hook).
schema_layout read_schema_layout(sqlite::connection& conn);

/// Caps on what one transaction records (see the audit_* fields of airsql::options).
struct limits {
    std::size_t max_entries = 100'000;
    std::size_t max_value_bytes = 1024;
    std::size_t max_bytes = 64u * 1024 * 1024;
};

/// One value as recorded.
struct captured_value {
    sqlite::column_type type = sqlite::column_type::null;
    std::int64_t integer = 0;
    double real = 0;
    std::string text;       ///< the text, or its first max_value_bytes when `truncated`
    std::size_t size = 0;   ///< bytes of the whole text or blob
    bool truncated = false;
};

enum class operation { insert, update, remove };

/// "INSERT", "UPDATE", "DELETE".
const char* to_string(operation op) noexcept;

/// One row change. Values are by storage position (see table_layout).
struct change {
    operation op = operation::insert;
    std::string table;
    std::optional<std::int64_t> row_id;  ///< none for WITHOUT ROWID tables
    /// The table's layout when the hook ran, if it matched the row; else null (the names are
    /// looked up again after the commit).
    const table_layout* layout = nullptr;
    std::vector<std::pair<int, captured_value>> old_values;
    std::vector<std::pair<int, captured_value>> new_values;
};

/// The changes of one committed transaction.
struct committed_transaction {
    std::string utc;  ///< when the commit finished
    std::vector<change> changes;
    std::size_t omitted = 0;  ///< changes past the caps, counted but not recorded
};

/// While alive, records the row changes made on `conn` in table `main` and keeps those of
/// transactions that commit. Installs the pre-update, WAL and rollback hooks and removes them
/// again (restoring the default WAL auto-checkpoint, which the WAL hook replaces); nothing is
/// installed on connections without a recorder, so auditing costs nothing when it is off.
/// The connection must be in WAL mode (the WAL hook is the signal that a commit happened).
///
/// Every write must run in a transaction that is either committed or rolled back as a whole:
/// a statement that fails and undoes only itself inside a transaction that then commits would
/// leave its earlier row changes recorded. Every writer of hosted databases rolls back the
/// whole transaction when a statement fails.
/// Not thread-safe (like the connection).
class recorder {
public:
    recorder(sqlite::connection& conn, std::shared_ptr<const schema_layout> layout,
             limits lim);
    ~recorder();
    recorder(const recorder&) = delete;
    recorder& operator=(const recorder&) = delete;

    /// Transactions committed so far, oldest first; they are handed over (removed here).
    std::vector<committed_transaction> take_committed();

    /// Changes seen in a transaction that has neither committed nor rolled back.
    std::size_t pending_changes() const noexcept { return pending_.changes.size() + pending_.omitted; }

private:
    // long long: sqlite3_int64.
    static void on_preupdate(void* self, sqlite3* db, int op, const char* db_name,
                             const char* table, long long key1, long long key2);
    static int on_wal_commit(void* self, sqlite3* db, const char* db_name, int frames);
    static void on_rollback(void* self);

    void record(sqlite3* db, int op, const char* table, std::int64_t key1, std::int64_t key2);
    captured_value capture(sqlite3_value* v);
    void reset_pending() noexcept;

    sqlite::connection& conn_;
    std::shared_ptr<const schema_layout> layout_;
    limits lim_;
    committed_transaction pending_;
    std::size_t pending_bytes_ = 0;
    std::vector<committed_transaction> committed_;
};

}  // namespace airsql::audit
