// SPDX-License-Identifier: Apache-2.0
#include "database/hosted_database.hpp"

#include <sqlite3.h>

#include <fmt/format.h>
#include <algorithm>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cstdio>

#include "airsql/error.hpp"
#include "airsql/memory_only.hpp"
#include "core/pending_commits.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/regexp.hpp"
#include "sqlite/similar_to.hpp"
#include "sqlite/value_checks.hpp"

namespace airsql::database {

std::unique_ptr<sqlite::connection> open_hosted_connection(const std::filesystem::path& file,
                                                           const options& opts, bool writer) {
    auto conn = std::make_unique<sqlite::connection>(file, sqlite::connection::mode::read_write);
    sqlite3* h = conn->handle();
    sqlite3_db_config(h, SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
    sqlite3_db_config(h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
    sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_TRIGGER, 1, nullptr);
    // Debian's SQLite is built with ENABLE_FTS3_TOKENIZER: the two-argument fts3_tokenizer()
    // registers a native pointer. The authorizer refuses the function as well.
    sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, 0, nullptr);
    sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_VIEW, 1, nullptr);
    sqlite::register_bounded_functions(h, &conn->function_deadline());
    sqlite::register_similar_to(h, &conn->function_deadline());
    sqlite::register_regexp(h, &conn->function_deadline());
    sqlite::register_value_checks(h);
    sqlite::install_authorizer(*conn);
    sqlite3_limit(h, SQLITE_LIMIT_ATTACHED, 0);
    auto page_size = std::max<std::int64_t>(conn->pragma_int("page_size"), 512);
    auto max_pages = static_cast<std::int64_t>(opts.max_database_bytes) / page_size;
    conn->exec(fmt::format("PRAGMA max_page_count = {}", std::max<std::int64_t>(max_pages, 1)));
    conn->exec("PRAGMA recursive_triggers = ON");
    if (writer) {
        // WAL mode is switched on by the first write lease (hosted_database::write_lease), not
        // here: an uploaded file nobody wrote to must download byte for byte.
        conn->exec(opts.synchronous == "NORMAL" ? "PRAGMA synchronous = NORMAL"
                                                : "PRAGMA synchronous = FULL");
    } else {
        conn->exec("PRAGMA query_only = ON");
        // Readers are many (pooled per database): a smaller page cache each (1 MiB).
        conn->exec("PRAGMA cache_size = -1024");
    }
    return conn;
}

hosted_database::hosted_database(std::string id, std::filesystem::path file, const options& opts,
                                 const commit_listener* listener, const size_limit_source* limits,
                                 const event_trigger_source* triggers)
    : id_(std::move(id)),
      file_(std::move(file)),
      writer_(open_hosted_connection(file_, opts, true)),
      readers_([f = file_, opts] { return open_hosted_connection(f, opts, false); },
               opts.read_connections_per_database) {
    // Generations continue across a close and reopen (the registry closes idle databases):
    // a response cached under an earlier opening must never match a later one.
    static std::atomic<std::uint64_t> openings{0};
    data_generation_ = openings.fetch_add(1, std::memory_order_relaxed) << 32;
    auto w = writer_.acquire();
    schema_version_ = w->pragma_int("schema_version");
    wal_ = w->pragma_text("journal_mode") == "wal";
    limits_ = limits;
    listener_ = listener;
    if (opts.synchronous != "NORMAL" && opts.group_commit) {
        // SQLite writes the WAL at commit; the write lease syncs it after letting the writer go.
        w->exec("PRAGMA synchronous = NORMAL");
        group_commit_ =
            std::make_shared<group_commit>(std::filesystem::path(file_.string() + "-wal"));
        // Counts the lease's commits (any commit may have written WAL frames). Called under
        // the writer lock.
        sqlite3_commit_hook(
            w->handle(),
            [](void* self) {
                ++static_cast<hosted_database*>(self)->commits_in_lease_;
                return 0;
            },
            this);
    }
    install_wal_hook(*w);
    triggers_ = triggers;
    // SQLite refuses ALTER TABLE … DROP COLUMN while a trigger names the column: the event
    // triggers step aside for each ALTER (inside its transaction) and come back right after
    // it with the new column list. Called under the writer lock.
    w->set_alter_hook([this](sqlite::connection& c, bool before) {
        if (before) {
            if (installed_triggers_ > 0) drop_event_triggers(c);
        } else if (!trigger_specs_.empty()) {
            install_event_triggers(c);
        }
    });
    // Which tables each write changes, for live queries (the audit recorder uses the
    // pre-update hook; this one is separate). Called under the writer lock.
    sqlite3_update_hook(
        w->handle(),
        [](void* self, int, const char* db_name, const char* table, sqlite3_int64) {
            auto* d = static_cast<hosted_database*>(self);
            if (std::string_view(db_name) != "main") return;
            ++d->hooked_changes_;
            if (d->hooked_tables_.size() < 10'000) {
                d->hooked_tables_.emplace(table);
            }
        },
        this);
}

int hosted_database::on_wal_commit(void* self, sqlite3* h, const char* db_name, int frames) {
    auto* db = static_cast<hosted_database*>(self);
    db->wal_frames_ = frames;
    // A checkpoint syncs the WAL and the database file: not on an I/O thread. Inline writes are
    // refused while the WAL is this long, so the next write, off it, checkpoints.
    if (frames >= sqlite::wal_checkpoint_frames && !inline_scope::active()) {
        sqlite3_wal_checkpoint(h, db_name);
    }
    return SQLITE_OK;
}

void hosted_database::install_wal_hook(sqlite::connection& writer) {
    sqlite3_wal_hook(writer.handle(), &hosted_database::on_wal_commit, this);
}

hosted_database::write_lease::notice::~notice() {
    if (deferred && durability_ticket != 0) {
        // An inline write: the scope's caller waits for the sync and tells the listener, off
        // the I/O thread. Copies, so that waiting here stays possible if handing over fails.
        pending_commits::state::commit c;
        auto gc = db->group_commit_;
        auto ticket = durability_ticket;
        c.durable = [gc, ticket] { return gc->durable(ticket); };
        c.sync = gc.get();
        c.finish = [gc, ticket, listener = any ? db->listener_ : nullptr, id = db->id_,
                    touched_copy = touched] {
            bool durable = gc->wait_durable(ticket);
            if (!listener || !*listener) return durable;
            try {
                (*listener)(id, touched_copy);
            } catch (...) {
                // Subscribers are told at the next write; the write itself succeeded.
            }
            return durable;
        };
        try {
            core::defer_commit(std::move(c));
            return;
        } catch (...) {
            // No memory to hand it over: wait right here instead.
        }
    }
    if (db && durability_ticket != 0) {
        // The writer is released: the next write runs while this one's sync is under way.
        if (!db->group_commit_->wait_durable(durability_ticket)) core::note_not_durable();
    }
    if (!db || !any || !db->listener_ || !*db->listener_) return;
    try {
        (*db->listener_)(db->id_, touched);
    } catch (...) {
        // Subscribers are told at the next write; the write itself succeeded.
    }
}

hosted_database::write_lease::write_lease(hosted_database& db, audit::context audit,
                                          core::blocking kind)
    : db_(&db),
      lease_(db.writer_.acquire(kind)),
      schema_unchanged_(kind == core::blocking::bounded_write),
      audit_(std::move(audit)) {
    notice_.db = &db;
    if (inline_scope::active()) {
        // On an I/O thread (the writer was free): only a write with nothing below that could
        // block or read the catalog, and whose commit will not checkpoint (on_wal_commit).
        auto moved = [](const std::atomic<std::uint64_t>& generation, std::uint64_t applied) {
            return generation.load(std::memory_order_acquire) != applied;
        };
        bool plain = db.wal_ && db.group_commit_ && !db.group_commit_fallback_ && !audit_.enabled &&
                     db.unflushed_audit_.empty() && db.wal_frames_ < sqlite::wal_checkpoint_frames &&
                     !(db.limits_ && db.limits_->max_bytes_for &&
                       moved(db.limits_->generation, db.applied_limit_generation_)) &&
                     !(db.triggers_ && db.triggers_->specs_for &&
                       (moved(db.triggers_->generation, db.applied_trigger_generation_) ||
                        !db.trigger_specs_.empty() || db.installed_triggers_ > 0));
        if (!plain) throw error(errc::would_block, "this write runs off the I/O thread");
        notice_.deferred = true;
    }
    db.hooked_tables_.clear();
    db.hooked_changes_ = 0;
    db.commits_in_lease_ = 0;
    changes_before_ = sqlite3_total_changes64(lease_->handle());
    if (!db.wal_) {
        // Readers then run beside the writer (and the audit recorder needs WAL's commit
        // hook). Needs a moment without readers in a transaction (busy timeout).
        lease_->exec("PRAGMA journal_mode = WAL");
        db.wal_ = true;
    }
    if (db.group_commit_ && !db.group_commit_fallback_ && db.group_commit_->failed()) {
        // A sync of the WAL failed (said on stderr): from now on SQLite syncs every commit.
        lease_->exec("PRAGMA synchronous = FULL");
        db.group_commit_fallback_ = true;
    }
    if (db.limits_ && db.limits_->max_bytes_for) {
        // The cap of this database (settings, its team's plan) as of the latest change.
        auto generation = db.limits_->generation.load(std::memory_order_acquire);
        if (generation != db.applied_limit_generation_) {
            auto bytes = db.limits_->max_bytes_for(db.id_);
            auto page_size = std::max<std::int64_t>(lease_->pragma_int("page_size"), 512);
            auto pages = std::max<std::int64_t>(static_cast<std::int64_t>(bytes) / page_size, 1);
            lease_->exec(fmt::format("PRAGMA max_page_count = {}", pages));
            db.applied_limit_generation_ = generation;
        }
    }
    db.refresh_event_triggers(*lease_);
    if (!audit_.enabled) return;
    auto version = db.schema_version_.load(std::memory_order_acquire);
    if (!db.audit_layout_ || db.audit_layout_version_ != version) {
        db.audit_layout_ =
            std::make_shared<const audit::schema_layout>(audit::read_schema_layout(*lease_));
        db.audit_layout_version_ = version;
    }
    recorder_ = std::make_unique<audit::recorder>(*lease_, db.audit_layout_, audit_.lim);
}

namespace {

std::string sql_literal(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'') out += '\'';
        out += c;
    }
    return out + "'";
}

std::string sql_identifier(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// A row as a JSON object, built by SQLite inside the trigger: `row` is "old" or "new". BLOBs
// (which JSON cannot hold) become {"base16": "…"}. Built by concatenating `json_quote`d values
// rather than one json_object() call, which is bound by the function-argument limit (127: 63
// columns); the `||` chain is a balanced tree, so the expression depth grows with log(columns).
std::string concat_balanced(const std::vector<std::string>& parts, std::size_t from,
                            std::size_t to) {
    if (to - from == 1) return parts[from];
    auto mid = from + (to - from) / 2;
    return "(" + concat_balanced(parts, from, mid) + " || " + concat_balanced(parts, mid, to) + ")";
}

std::string row_json(std::string_view row, const std::vector<std::string>& columns) {
    std::vector<std::string> parts;
    parts.reserve(columns.size() * 2 + 1);
    bool first = true;
    for (const auto& c : columns) {
        auto key = boost::json::serialize(boost::json::value(boost::json::string_view(c)));
        parts.push_back(sql_literal((first ? "{" : ",") + key + ":"));
        auto ref = fmt::format("{}.{}", row, sql_identifier(c));
        parts.push_back(
            fmt::format("CASE typeof({0}) WHEN 'blob' THEN json_object('base16', hex({0})) ELSE "
                        "json_quote({0}) END",
                        ref));
        first = false;
    }
    parts.push_back("'}'");
    return concat_balanced(parts, 0, parts.size());
}

}  // namespace

void hosted_database::refresh_event_triggers(sqlite::connection& c) {
    if (!triggers_ || !triggers_->specs_for) return;
    auto generation = triggers_->generation.load(std::memory_order_acquire);
    if (generation != applied_trigger_generation_) {
        trigger_specs_ = triggers_->specs_for(id_);
        applied_trigger_generation_ = generation;
        trigger_schema_version_ = -1;
    }
    if (trigger_specs_.empty() && installed_triggers_ == 0) return;
    auto count_installed = [&] {
        auto st = c.prepare(
            "SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE "
            "'\\_airsql\\_evt\\_%' ESCAPE '\\'");
        st.step();
        return st.int64(0);
    };
    if (c.pragma_int("schema_version") == trigger_schema_version_ &&
        count_installed() == installed_triggers_) {
        return;
    }
    install_event_triggers(c);
}

void hosted_database::drop_event_triggers(sqlite::connection& c) {
    std::vector<std::string> old;
    {
        auto st = c.prepare(
            "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE "
            "'\\_airsql\\_evt\\_%' ESCAPE '\\'");
        while (st.step()) old.push_back(st.text(0));
    }
    for (const auto& name : old) c.exec("DROP TRIGGER temp." + sql_identifier(name));
    installed_triggers_ = 0;
    trigger_schema_version_ = -1;
}

void hosted_database::install_event_triggers(sqlite::connection& c) {
    // Installed afresh: the column lists follow the schema.
    drop_event_triggers(c);
    std::int64_t n = 0;
    bool queue_ready = false;
    for (const auto& spec : trigger_specs_) {
        std::vector<std::string> columns;
        {
            auto st = c.prepare(
                "SELECT name FROM pragma_table_info(?1, 'main') WHERE EXISTS (SELECT 1 FROM "
                "pragma_table_list WHERE schema = 'main' AND type = 'table' AND name = ?1)");
            st.bind(1, spec.table);
            while (st.step()) columns.push_back(st.text(0));
        }
        if (columns.empty()) continue;  // the table is gone (or is a view)
        if (!queue_ready) {
            c.exec(
                "CREATE TABLE IF NOT EXISTS main._airsql_event_queue (id INTEGER PRIMARY KEY, "
                "delivery_id TEXT NOT NULL, function_id TEXT NOT NULL, table_name TEXT NOT NULL, "
                "event TEXT NOT NULL, old TEXT, new TEXT, created_utc TEXT NOT NULL, attempts "
                "INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0)");
            queue_ready = true;
        }
        std::string old_json = spec.event == "insert" ? "NULL" : row_json("old", columns);
        std::string new_json = spec.event == "delete" ? "NULL" : row_json("new", columns);
        auto bytes = triggers_->max_payload_bytes;
        auto clip = [&](const char* x) {
            return fmt::format(
                "CASE WHEN length({0}) > {1} THEN json_object('truncated', json('true'), 'bytes', "
                "length({0})) ELSE {0} END",
                x, bytes);
        };
        c.exec(fmt::format(
            "CREATE TEMP TRIGGER {name} AFTER {event} ON main.{table} BEGIN "
            "SELECT RAISE(ABORT, 'the event queue of this database is full ({max} undelivered "
            "events): writes to tables with event triggers are refused until the functions catch "
            "up') WHERE (SELECT max(id) FROM _airsql_event_queue) - (SELECT min(id) FROM "
            "_airsql_event_queue) + 1 >= {max}; "
            "INSERT INTO _airsql_event_queue (delivery_id, function_id, table_name, event, old, "
            "new, created_utc) SELECT lower(hex(randomblob(12))), {fn}, {table_text}, "
            "{event_text}, {old}, {new}, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM (SELECT "
            "{old_json} AS o, {new_json} AS n); END",
            fmt::arg("name", sql_identifier(fmt::format("_airsql_evt_{}", n))),
            fmt::arg("event", spec.event == "insert"   ? "INSERT"
                              : spec.event == "update" ? "UPDATE"
                                                       : "DELETE"),
            fmt::arg("table", sql_identifier(spec.table)),
            fmt::arg("max", std::max<std::size_t>(triggers_->max_queue_rows, 1)),
            fmt::arg("fn", sql_literal(spec.function_id)),
            fmt::arg("table_text", sql_literal(spec.table)),
            fmt::arg("event_text", sql_literal(spec.event)), fmt::arg("old", clip("o")),
            fmt::arg("new", clip("n")), fmt::arg("old_json", old_json),
            fmt::arg("new_json", new_json)));
        ++n;
    }
    installed_triggers_ = n;
    trigger_schema_version_ = c.pragma_int("schema_version");
}

hosted_database::write_lease::~write_lease() {
    if (recorder_ || !db_->unflushed_audit_.empty()) {
        std::vector<catalog::audit_row> rows;
        try {
            if (recorder_) {
                auto committed = recorder_->take_committed();
                if (recorder_->pending_changes() > 0) {
                    // Changes of a transaction still open when the lease ends (no writer does
                    // that): their outcome is unknown here, so they are not logged.
                    std::fprintf(stderr,
                                 "airsql: audit log of database %s: %zu changes of an unfinished "
                                 "transaction not logged\n",
                                 db_->id_.c_str(), recorder_->pending_changes());
                }
                recorder_.reset();  // hooks off before the names are looked up below
                db_->install_wal_hook(*lease_);
                rows = audit::to_rows(audit_, std::move(committed), *lease_);
            }
        } catch (const std::exception& ex) {
            std::fprintf(stderr, "airsql: audit log of database %s: entries lost: %s\n",
                         db_->id_.c_str(), ex.what());
        }
        if (recorder_) {
            recorder_.reset();
            db_->install_wal_hook(*lease_);
        }
        audit::append(audit_, std::move(rows), db_->unflushed_audit_);
    }
    db_->data_generation_.fetch_add(1, std::memory_order_acq_rel);
    auto version_before = db_->schema_version_.load(std::memory_order_acquire);
    if (!schema_unchanged_) {
        try {
            db_->schema_version_.store(lease_->pragma_int("schema_version"),
                                       std::memory_order_release);
        } catch (...) {
            // The connection failed; the next lease reads the version again.
        }
    }
    // What changed, for the listener (told by notice_ once the writer is released). More
    // changes than the update hook saw: a table it does not report was written, so all.
    auto changes = sqlite3_total_changes64(lease_->handle()) - changes_before_;
    notice_.touched.tables = std::move(db_->hooked_tables_);
    db_->hooked_tables_.clear();
    notice_.touched.all = changes > db_->hooked_changes_ ||
                          notice_.touched.tables.size() >= 10'000 ||
                          db_->schema_version_.load(std::memory_order_acquire) != version_before;
    notice_.any = notice_.touched.all || !notice_.touched.tables.empty();
    if (db_->group_commit_ && !db_->group_commit_fallback_ && db_->commits_in_lease_ > 0) {
        // Something committed (a lease ends with its transactions finished): its frames are
        // in the WAL, not yet on disk.
        notice_.durability_ticket = db_->group_commit_->committed();
    }
}

}  // namespace airsql::database
