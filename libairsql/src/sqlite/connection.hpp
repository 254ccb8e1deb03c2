// SPDX-License-Identifier: Apache-2.0
// The only door to SQLite. SQLiteCpp and its exceptions stay behind it; everything that
// crosses it is an airsql type or an airsql::error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sqlite/bounded_functions.hpp"

struct sqlite3;
namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace airsql::sqlite {

class confinement;

enum class column_type { integer, real, text, blob, null };

/// A prepared statement. Not thread-safe; belongs to one connection.
class statement {
public:
    statement(SQLite::Database& db, const std::string& sql);
    ~statement();
    statement(statement&&) noexcept;
    statement& operator=(statement&&) noexcept;

    // Parameters are 1-based, as in SQLite.
    statement& bind(int index, std::int64_t value);
    statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    statement& bind(int index, double value);
    statement& bind(int index, const std::string& value);
    statement& bind(int index, const char* value) { return bind(index, std::string(value)); }
    statement& bind_blob(int index, const void* data, int size);
    statement& bind_null(int index);
    template <class T>
    statement& bind(int index, const std::optional<T>& value) {
        return value ? bind(index, *value) : bind_null(index);
    }

    /// Advances to the next row; false when done. Throws the translated SQLite error.
    bool step();
    /// Runs a statement that returns no rows (or ignores them).
    void run();
    /// Resets for another run and clears bindings.
    void reset();
    /// Same, never throws (for destructors).
    void reset_quietly() noexcept;

    int column_count() const;
    std::string column_name(int index) const;
    column_type type(int index) const;
    bool is_null(int index) const { return type(index) == column_type::null; }
    std::int64_t int64(int index) const;
    double real(int index) const;
    std::string text(int index) const;
    std::optional<std::string> optional_text(int index) const;
    std::optional<std::int64_t> optional_int64(int index) const;

private:
    friend class row_reader;
    std::unique_ptr<SQLite::Statement> st_;
};

/// Reads the cells of a statement's rows without copying SQLiteCpp's shared statement handle
/// for every cell, as statement::type, int64 and text do: for loops over many rows. Made after
/// a step that returned a row, it follows the statement's later rows; it must not outlive the
/// statement.
class row_reader {
public:
    explicit row_reader(const statement& st);
    ~row_reader();
    row_reader(const row_reader&) = delete;
    row_reader& operator=(const row_reader&) = delete;

    column_type type(int index) const;
    std::int64_t int64(int index) const;
    /// TEXT as stored (other values converted as sqlite3_column_text does), valid until the
    /// next step or reset.
    std::string_view text(int index) const;
    /// Binds the cell to parameter `param` of `to`, with its storage class.
    void bind_cell(statement& to, int param, int index) const;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// A cached statement borrowed from its connection; reset when the borrow ends, so no read
/// transaction stays open behind the caller's back.
class statement_ref {
public:
    statement_ref(statement& st, int& borrows) : st_(&st), borrows_(&borrows) { ++*borrows_; }
    ~statement_ref() {
        st_->reset_quietly();
        --*borrows_;
    }
    statement_ref(const statement_ref&) = delete;
    statement_ref& operator=(const statement_ref&) = delete;
    statement* operator->() const noexcept { return st_; }
    statement& operator*() const noexcept { return *st_; }

private:
    statement* st_;
    int* borrows_;
};

/// WAL frames past which a commit checkpoints the WAL into the database (SQLite's default
/// automatic checkpoint): the hosted databases' and the audit recorder's WAL hooks.
constexpr int wal_checkpoint_frames = 1000;

/// Inside an inline_scope: whether an SQLite result code stopped the work for the budget or a
/// lock, so that it must run again off the I/O thread (errc::would_block).
bool stops_inline_work(int extended_code) noexcept;

class connection;

/// Refuses (errc::invalid_argument) when the schema `c` holds now, its own uncommitted
/// changes included, takes more than `max_bytes` of heap memory (options::max_schema_bytes).
void check_schema_size(connection& c, std::size_t max_bytes);

/// One SQLite connection. Not thread-safe: use it from one thread at a time.
class connection {
public:
    enum class mode { read_write_create, read_write, read_only };

    /// How long a statement waits for another connection's lock before SQLITE_BUSY.
    static constexpr int busy_timeout_ms = 5000;

    /// Opens `file` with a busy timeout of busy_timeout_ms, foreign keys on, extension
    /// loading off.
    connection(const std::filesystem::path& file, mode m);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    sqlite3* handle() const noexcept;

    /// Runs a script of statements without results.
    void exec(const std::string& sql);

    /// A fresh prepared statement.
    statement prepare(const std::string& sql);

    /// A prepared statement kept for the life of the connection, ready to bind; reset again
    /// when the returned borrow ends.
    statement_ref cached(const std::string& sql);

    /// Drops all cached statements (after schema changes they would be re-prepared anyway).
    void clear_cache();
    /// How many statements are cached (at most max_cached_statements, unless borrowed).
    std::size_t cached_statements() const noexcept { return cache_.size(); }

    std::int64_t last_insert_rowid() const;
    std::int64_t total_changes() const;
    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    std::int64_t changes() const;

    /// Runs `PRAGMA <name>` and returns the first column of the first row as an integer.
    std::int64_t pragma_int(const std::string& name);
    /// The same, as text ("" when there is no row).
    std::string pragma_text(const std::string& name);

    /// When long function calls on this connection give up (see bounded_functions.hpp).
    call_deadline& function_deadline() noexcept { return function_deadline_; }

    /// The confinement in force on this connection, if any (see confinement.hpp).
    confinement* confined_by() const noexcept { return confined_by_; }
    void set_confined_by(confinement* c) noexcept { confined_by_ = c; }
    bool has_authorizer() const noexcept { return has_authorizer_; }
    void mark_authorizer_installed() noexcept { has_authorizer_ = true; }

    /// ALTER TABLE and CREATE TABLE statements: the authorizer notes one being prepared (a
    /// "schema change" below, `alter` for short); whoever runs a
    /// statement that may be one calls `before_alter()` after preparing it and `after_alter()`
    /// once it ran (both do nothing unless one was noted). The hook (set by the owner of the
    /// connection; hosted databases use it for their event triggers' TEMP triggers, which
    /// SQLite's DROP COLUMN would otherwise refuse, and which follow new and renamed tables
    /// within the same script) runs outside any confinement.
    void note_alter() noexcept { alter_seen_ = true; }
    /// Before preparing the statement to run: only its own prepare may note a schema change.
    void clear_alter_note() noexcept { alter_seen_ = false; }
    void set_alter_hook(std::function<void(connection&, bool before)> hook) {
        alter_hook_ = std::move(hook);
    }
    /// Returns whether an ALTER was noted (and runs the hook's `before` part).
    bool before_alter();
    void after_alter();

private:
    /// Most statements kept; generated GraphQL SQL varies with the query, so the cache is
    /// emptied when it is full (and no statement is borrowed) rather than growing forever.
public:
    static constexpr std::size_t max_cached_statements = 256;

private:
    std::unique_ptr<SQLite::Database> db_;
    call_deadline function_deadline_;
    confinement* confined_by_ = nullptr;
    bool has_authorizer_ = false;
    bool alter_seen_ = false;
    bool alter_running_ = false;
    std::function<void(connection&, bool)> alter_hook_;
    std::unordered_map<std::string, std::unique_ptr<statement>> cache_;
    int borrows_ = 0;
};

/// RAII transaction: rolls back unless committed.
class transaction {
public:
    enum class kind { deferred, immediate };
    explicit transaction(connection& conn, kind k = kind::immediate);
    ~transaction();
    transaction(const transaction&) = delete;
    transaction& operator=(const transaction&) = delete;
    void commit();

private:
    connection& conn_;
    bool open_ = true;
};

/// Turns an SQLite result code and message into an airsql::error.
[[noreturn]] void throw_error(int extended_code, const std::string& message);

/// Quotes an identifier for SQL: "name" with inner quotes doubled.
std::string quote_identifier(std::string_view name);

}  // namespace airsql::sqlite
