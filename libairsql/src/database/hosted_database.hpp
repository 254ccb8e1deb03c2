// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "airsql/options.hpp"
#include "audit/context.hpp"
#include "catalog/audit_row.hpp"
#include "database/group_commit.hpp"
#include "sqlite/pool.hpp"

struct sqlite3;

namespace airsql::database {

/// One hosted SQLite file and its connections: a single writer (writes are serialised with
/// `BEGIN IMMEDIATE`) and pooled readers that run in parallel with it (WAL mode).
///
/// Every connection is configured per SQLite's security guidance: defensive mode, untrusted
/// schema, no extension loading, foreign keys on, a size cap (`max_page_count`).
/// Where hosted databases learn their size cap (server settings and billing plans change it
/// at run time). Owned by the registry; `max_bytes_for` is set once before any database opens.
struct size_limit_source {
    /// Bumped whenever any cap may have changed; each database re-reads its cap at its next
    /// write lease when the generation moved.
    std::atomic<std::uint64_t> generation{1};
    std::function<std::uint64_t(const std::string& id)> max_bytes_for;
};

/// One function attached to one event of one table (event triggers).
struct event_trigger_spec {
    std::string function_id;
    std::string table;
    std::string event;  ///< "insert", "update" or "delete"
};

/// Where hosted databases learn their event triggers. Owned by the registry; `specs_for` is set
/// once before any database opens. A write lease (re)installs the database's TEMP triggers
/// when the generation moved, the schema changed, or they went missing.
struct event_trigger_source {
    std::atomic<std::uint64_t> generation{1};
    std::function<std::vector<event_trigger_spec>(const std::string& id)> specs_for;
    std::size_t max_queue_rows = 10'000;
    std::size_t max_payload_bytes = 64 * 1024;
};

/// Thread-safe.
/// The tables a write lease changed (its transactions' INSERT, UPDATE and DELETE of rowid
/// tables, from SQLite's update hook), or `all` when that cannot be told: a schema change, or
/// changes the hook does not see (WITHOUT ROWID tables, the truncate optimisation).
struct commit_touch {
    std::set<std::string> tables;  ///< real SQLite names, as the hook reports them
    bool all = false;
};
/// Told after a write lease ended (its commit durable, the writer released) that changed rows.
using commit_listener = std::function<void(const std::string& db_id, const commit_touch&)>;

class hosted_database {
  public:
    /// `listener` (may be null; must outlive the database) hears of every write lease that
    /// changed something; `limits` (may be null; must outlive it) caps its size.
    hosted_database(std::string id, std::filesystem::path file, const options& opts,
                    const commit_listener* listener = nullptr,
                    const size_limit_source* limits = nullptr,
                    const event_trigger_source* triggers = nullptr);

    const std::string& id() const noexcept { return id_; }
    const std::filesystem::path& file() const noexcept { return file_; }

    /// The writer connection, locked for the caller, writing on behalf of `audit.principal`.
    /// When `audit.enabled`, an audit::recorder watches the lease's row changes, and when the
    /// lease ends the changes of the transactions that committed go to the audit log (see
    /// audit::append for what happens when that write fails). Without it no hook is
    /// installed. When the lease ends, the schema version is also read again: only this
    /// process writes the file, so that is where it can change.
    /// The first lease switches the file to WAL mode (files are opened in the journal mode they
    /// came in, so an unwritten upload downloads byte for byte).
    class write_lease {
      public:
        /// `kind` bounded_write: a GraphQL mutation's transaction under a deadline, which an
        /// inline_scope that allows writes may run (see the constructor for when it refuses).
        write_lease(hosted_database& db, audit::context audit,
                    core::blocking kind = core::blocking::any);
        ~write_lease();
        write_lease(const write_lease&) = delete;
        write_lease& operator=(const write_lease&) = delete;
        sqlite::connection& operator*() const noexcept { return *lease_; }
        sqlite::connection* operator->() const noexcept { return &*lease_; }
        /// Whether this lease records row changes for the audit log.
        bool audited() const noexcept { return recorder_ != nullptr; }

      private:
        // Declared first, destroyed last: tells the listener after the writer is released.
        // Waits for group commit's sync first (`durability_ticket`), so neither the caller
        // nor subscribers hear of a commit before it is on disk.
        // Inside an inline_scope (`deferred`) the wait and the telling go to the scope's
        // pending commits instead, for its caller to run off the I/O thread.
        struct notice {
            hosted_database* db = nullptr;
            commit_touch touched;
            bool any = false;
            bool deferred = false;
            std::uint64_t durability_ticket = 0;
            ~notice();
        };
        notice notice_;
        hosted_database* db_;
        sqlite::writer_slot::lease lease_;
        std::int64_t changes_before_ = 0;
        /// A GraphQL mutation's lease (blocking::bounded_write) runs INSERT, UPDATE and
        /// DELETE only: the schema it ends with is the one it began with.
        bool schema_unchanged_ = false;
        audit::context audit_;
        std::unique_ptr<audit::recorder> recorder_;
    };
    /// Every writer says whom it writes for: audit::context_for(engine, principal, record),
    /// or audit::context::off() where no principal's write is audited.
    write_lease writer(audit::context audit, core::blocking kind = core::blocking::any) {
        return write_lease(*this, std::move(audit), kind);
    }

    /// Moves after every write lease (after its transaction committed): results read at an
    /// earlier generation may be stale.
    std::uint64_t data_generation() const noexcept {
        return data_generation_.load(std::memory_order_acquire);
    }

    /// `PRAGMA schema_version` as of the last write lease that could change it (not a GraphQL
    /// mutation's); cheap: no SQLite call.
    std::int64_t schema_version() const noexcept {
        return schema_version_.load(std::memory_order_acquire);
    }
    /// A reader connection (`query_only`), borrowed from the pool.
    sqlite::reader_pool::lease reader(core::blocking kind = core::blocking::any) {
        return readers_.acquire(kind);
    }

    /// Group commit's counters (null when every commit syncs by itself).
    const group_commit* group_commit_state() const noexcept { return group_commit_.get(); }
    group_commit* group_commit_for_testing() noexcept { return group_commit_.get(); }

    /// The writer connection held without writing (no audit, no generation change): writers
    /// wait meanwhile. For a checkpoint taken together with a reader's snapshot.
    sqlite::writer_slot::lease pause_writers() { return writer_.acquire(); }

  private:
    std::string id_;
    std::filesystem::path file_;
    sqlite::writer_slot writer_;
    sqlite::reader_pool readers_;
    std::atomic<std::int64_t> schema_version_{0};
    std::atomic<std::uint64_t> data_generation_{0};
    // Used under the writer lock only: whether the writer is in WAL mode, the table layouts
    // audited leases record by (kept while the schema version stays), and audit entries whose
    // append to the catalog failed (retried by the next lease).
    bool wal_ = false;
    const size_limit_source* limits_ = nullptr;
    std::uint64_t applied_limit_generation_ = 0;
    std::shared_ptr<const audit::schema_layout> audit_layout_;
    std::int64_t audit_layout_version_ = -1;
    std::vector<catalog::audit_row> unflushed_audit_;
    // Under the writer lock: tables the update hook saw changed during the current lease.
    std::set<std::string> hooked_tables_;
    std::int64_t hooked_changes_ = 0;
    const commit_listener* listener_ = nullptr;
    // Null when SQLite syncs inside each commit (synchronous NORMAL, or group commit off).
    // Shared with the pending commits of inline scopes, which may outlive the database.
    std::shared_ptr<group_commit> group_commit_;
    bool group_commit_fallback_ = false;  // under the writer lock: a sync failed, back to FULL
    std::int64_t commits_in_lease_ = 0;   // under the writer lock (SQLite's commit hook)
    // Under the writer lock: the WAL's length in frames after the last commit (WAL hook).
    int wal_frames_ = 0;
    // The writer's WAL hook: SQLite's automatic checkpoint, but never on an I/O thread.
    static int on_wal_commit(void* self, sqlite3* h, const char* db_name, int frames);
    void install_wal_hook(sqlite::connection& writer);
    // Event triggers, under the writer lock: the specs as of `applied_trigger_generation_`,
    // and the schema version and number of TEMP triggers when they were last installed.
    const event_trigger_source* triggers_ = nullptr;
    std::uint64_t applied_trigger_generation_ = 0;
    std::vector<event_trigger_spec> trigger_specs_;
    std::int64_t trigger_schema_version_ = -1;
    std::int64_t installed_triggers_ = 0;
    void refresh_event_triggers(sqlite::connection& conn);
    void install_event_triggers(sqlite::connection& conn);
    void drop_event_triggers(sqlite::connection& conn);
};

/// Opens a connection to a hosted database file with airsql's standard configuration.
std::unique_ptr<sqlite::connection> open_hosted_connection(const std::filesystem::path& file,
                                                           const options& opts, bool writer);

}  // namespace airsql::database
