// SPDX-License-Identifier: Apache-2.0
#include "sqlite/connection.hpp"
#include "sqlite/temp_files.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include "airsql/error.hpp"
#include "core/blocking.hpp"

namespace airsql::sqlite {

bool stops_inline_work(int extended_code) noexcept {
    if (!inline_scope::active()) return false;
    switch (extended_code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_INTERRUPT:
            return true;
        default:
            return false;
    }
}

namespace {

errc code_for(int extended_code) {
    // Inline work stopped by its budget or a lock: it runs again off the I/O thread.
    if (stops_inline_work(extended_code)) return errc::would_block;
    switch (extended_code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return errc::unavailable;
        case SQLITE_FULL:
        case SQLITE_NOMEM:
            return errc::resource_exhausted;
        case SQLITE_TOOBIG:
            return errc::payload_too_large;
        case SQLITE_INTERRUPT:
            return errc::deadline_exceeded;
        case SQLITE_AUTH:
        case SQLITE_PERM:
        case SQLITE_READONLY:
            return errc::permission_denied;
        case SQLITE_CONSTRAINT:
            if (extended_code == SQLITE_CONSTRAINT_UNIQUE ||
                extended_code == SQLITE_CONSTRAINT_PRIMARYKEY) {
                return errc::already_exists;
            }
            return errc::invalid_argument;
        case SQLITE_CANTOPEN:
        case SQLITE_IOERR:
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_INTERNAL:
        case SQLITE_MISUSE:
            return errc::internal;
        default:
            return errc::invalid_argument;
    }
}

template <class F>
auto translated(F&& f) -> decltype(f()) {
    try {
        return f();
    } catch (const SQLite::Exception& e) {
        throw_error(e.getExtendedErrorCode(), e.what());
    }
}

}  // namespace

void throw_error(int extended_code, const std::string& message) {
    throw error(code_for(extended_code), message);
}

void check_schema_size(connection& c, std::size_t max_bytes) {
    int used = 0;
    int highest = 0;
    sqlite3_db_status(c.handle(), SQLITE_DBSTATUS_SCHEMA_USED, &used, &highest, 0);
    if (used >= 0 && static_cast<std::size_t>(used) > max_bytes) {
        throw error(errc::invalid_argument,
                    fmt::format("the database schema would take {} bytes of memory in each "
                                "connection, more than the limit of {} (too many tables, "
                                "columns, indexes, views or triggers); nothing changed",
                                used, max_bytes));
    }
}

std::string quote_identifier(std::string_view name) {
    std::string out;
    out.reserve(name.size() + 2);
    out.push_back('"');
    for (char c : name) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
    return out;
}

// ---- statement ----

statement::statement(SQLite::Database& db, const std::string& sql)
    : st_(translated([&] { return std::make_unique<SQLite::Statement>(db, sql); })) {}
statement::~statement() = default;
statement::statement(statement&&) noexcept = default;
statement& statement::operator=(statement&&) noexcept = default;

statement& statement::bind(int index, std::int64_t value) {
    translated([&] { st_->bind(index, static_cast<int64_t>(value)); });
    return *this;
}
statement& statement::bind(int index, double value) {
    translated([&] { st_->bind(index, value); });
    return *this;
}
statement& statement::bind(int index, const std::string& value) {
    translated([&] { st_->bind(index, value); });
    return *this;
}
statement& statement::bind_blob(int index, const void* data, int size) {
    translated([&] { st_->bind(index, data, size); });
    return *this;
}
statement& statement::bind_null(int index) {
    translated([&] { st_->bind(index); });
    return *this;
}

bool statement::step() {
    return translated([&] { return st_->executeStep(); });
}
void statement::run() {
    translated([&] {
        while (st_->executeStep()) {
        }
    });
}
void statement::reset() {
    translated([&] {
        st_->reset();
        st_->clearBindings();
    });
}

void statement::reset_quietly() noexcept {
    try {
        st_->tryReset();
        st_->clearBindings();
    } catch (...) {
        // clearBindings only fails on a finalized statement; nothing to undo then.
    }
}

int statement::column_count() const { return st_->getColumnCount(); }
std::string statement::column_name(int index) const {
    return translated([&] { return std::string(st_->getColumnName(index)); });
}
namespace {
// The column_type of an SQLITE_* storage class.
column_type type_of(int sqlite_type) {
    switch (sqlite_type) {
        case SQLITE_INTEGER:
            return column_type::integer;
        case SQLITE_FLOAT:
            return column_type::real;
        case SQLITE_TEXT:
            return column_type::text;
        case SQLITE_BLOB:
            return column_type::blob;
        default:
            return column_type::null;
    }
}
}  // namespace

column_type statement::type(int index) const { return type_of(st_->getColumn(index).getType()); }
std::int64_t statement::int64(int index) const { return st_->getColumn(index).getInt64(); }
double statement::real(int index) const { return st_->getColumn(index).getDouble(); }
std::string statement::text(int index) const {
    auto col = st_->getColumn(index);
    return std::string(static_cast<const char*>(col.getBlob()), static_cast<size_t>(col.getBytes()));
}
std::optional<std::string> statement::optional_text(int index) const {
    if (is_null(index)) return std::nullopt;
    return text(index);
}
std::optional<std::int64_t> statement::optional_int64(int index) const {
    if (is_null(index)) return std::nullopt;
    return int64(index);
}

// ---- connection ----

connection::connection(const std::filesystem::path& file, mode m) {
    core::about_to_block();
    int flags = SQLITE_OPEN_NOMUTEX;
    switch (m) {
        case mode::read_write_create:
            flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
            break;
        case mode::read_write:
            flags |= SQLITE_OPEN_READWRITE;
            break;
        case mode::read_only:
            flags |= SQLITE_OPEN_READONLY;
            break;
    }
    // Through the VFS that bounds temporary files (sqlite/temp_files.hpp).
    db_ = translated([&] {
        return std::make_unique<SQLite::Database>(file, flags, busy_timeout_ms, bounded_temp_vfs());
    });
    sqlite3* h = db_->getHandle();
    sqlite3_db_config(h, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, nullptr);
    sqlite3_extended_result_codes(h, 1);
    exec("PRAGMA foreign_keys = ON");
}

connection::~connection() {
    cache_.clear();
}

sqlite3* connection::handle() const noexcept { return db_->getHandle(); }

void connection::exec(const std::string& sql) {
    translated([&] { db_->exec(sql); });
}

statement connection::prepare(const std::string& sql) { return statement(*db_, sql); }

statement_ref connection::cached(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
        if (cache_.size() >= max_cached_statements && borrows_ == 0) cache_.clear();
        it = cache_.emplace(sql, std::make_unique<statement>(*db_, sql)).first;
    }
    return statement_ref(*it->second, borrows_);
}

void connection::clear_cache() { cache_.clear(); }

bool connection::before_alter() {
    bool seen = alter_seen_;
    alter_seen_ = false;
    if (!seen || !alter_hook_ || alter_running_) return false;
    alter_running_ = true;
    auto* confined = confined_by_;
    confined_by_ = nullptr;
    try {
        alter_hook_(*this, true);
    } catch (...) {
        confined_by_ = confined;
        alter_running_ = false;
        throw;
    }
    confined_by_ = confined;
    alter_running_ = false;
    return true;
}

void connection::after_alter() {
    alter_seen_ = false;
    if (!alter_hook_ || alter_running_) return;
    alter_running_ = true;
    auto* confined = confined_by_;
    confined_by_ = nullptr;
    try {
        alter_hook_(*this, false);
    } catch (...) {
        confined_by_ = confined;
        alter_running_ = false;
        throw;
    }
    confined_by_ = confined;
    alter_running_ = false;
}

std::int64_t connection::last_insert_rowid() const { return sqlite3_last_insert_rowid(handle()); }
std::int64_t connection::total_changes() const { return sqlite3_total_changes64(handle()); }
std::int64_t connection::changes() const { return sqlite3_changes64(handle()); }

std::int64_t connection::pragma_int(const std::string& name) {
    auto st = cached("PRAGMA " + name);
    return st->step() ? st->int64(0) : 0;
}

std::string connection::pragma_text(const std::string& name) {
    auto st = cached("PRAGMA " + name);
    return st->step() ? st->text(0) : std::string();
}

// ---- transaction ----

// BEGIN and COMMIT run as cached statements: sqlite3_exec would parse them on every write.
transaction::transaction(connection& conn, kind k) : conn_(conn) {
    conn_.cached(k == kind::immediate ? "BEGIN IMMEDIATE" : "BEGIN")->step();
}

transaction::~transaction() {
    if (open_ && !sqlite3_get_autocommit(conn_.handle())) {
        sqlite3_exec(conn_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void transaction::commit() {
    conn_.cached("COMMIT")->step();
    open_ = false;
}

// ---- row_reader ----

struct row_reader::impl {
    std::vector<SQLite::Column> columns;
};

row_reader::row_reader(const statement& st) : impl_(std::make_unique<impl>()) {
    auto n = st.st_->getColumnCount();
    impl_->columns.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) impl_->columns.push_back(st.st_->getColumn(i));
}
row_reader::~row_reader() = default;

column_type row_reader::type(int index) const {
    return type_of(impl_->columns[static_cast<std::size_t>(index)].getType());
}
std::int64_t row_reader::int64(int index) const {
    return impl_->columns[static_cast<std::size_t>(index)].getInt64();
}
std::string_view row_reader::text(int index) const {
    const auto& col = impl_->columns[static_cast<std::size_t>(index)];
    const char* data = col.getText(nullptr);
    return data ? std::string_view(data, static_cast<std::size_t>(col.getBytes())) : std::string_view();
}

void row_reader::bind_cell(statement& to, int param, int index) const {
    const auto& col = impl_->columns[static_cast<std::size_t>(index)];
    switch (type_of(col.getType())) {
        case column_type::integer:
            to.bind(param, static_cast<std::int64_t>(col.getInt64()));
            break;
        case column_type::real:
            to.bind(param, col.getDouble());
            break;
        case column_type::text:
            to.bind(param, std::string(text(index)));
            break;
        case column_type::blob:
            to.bind_blob(param, col.getBlob(), col.getBytes());
            break;
        case column_type::null:
            to.bind_null(param);
            break;
    }
}

}  // namespace airsql::sqlite
