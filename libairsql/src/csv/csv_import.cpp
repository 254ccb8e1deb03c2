// SPDX-License-Identifier: Apache-2.0
#include "csv/csv_import.hpp"

#include <sqlite3.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "airsql/error.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/memory_budget.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql::csv {

import_limits limits_for(const options& opts) {
    import_limits l;
    l.max_bytes = opts.max_import_bytes;
    l.max_rows = opts.max_import_rows;
    l.timeout = opts.import_timeout;
    l.max_sqlite_memory = opts.max_request_sqlite_memory;
    l.max_schema_bytes = opts.max_schema_bytes;
    return l;
}

namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

using clock = std::chrono::steady_clock;

bool ends_with_ascii_ci(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && ascii_lower(s.substr(s.size() - suffix.size())) == suffix;
}

// Everything one import shares: the connection, its time limit and memory budget, and how a
// failure is reported.
class import_run {
public:
    import_run(sqlite::connection& conn, const byte_source& source, const import_limits& limits)
        : conn_(conn),
          limits_(limits),
          until_(clock::now() + limits.timeout),
          guard_(conn, until_),
          budget_(limits.max_sqlite_memory) {
        if (source.size() > limits.max_bytes) {
            throw error(errc::payload_too_large,
                        fmt::format("the CSV file has {} bytes, more than the {} bytes one import "
                                    "may have",
                                    source.size(), limits.max_bytes));
        }
    }

    parse_options parse_opts(const byte_source& source) const {
        parse_options o;
        o.delimiter = delimiter_for(source);
        o.max_record_bytes = limits_.max_record_bytes;
        o.max_fields = limits_.max_columns;
        return o;
    }

    // Between rows: the parser runs outside SQLite, where the progress handler cannot see it.
    void row_done(std::uint64_t rows, std::uint64_t line) {
        if (limits_.max_rows != 0 && rows > limits_.max_rows) {
            throw error(errc::invalid_argument,
                        fmt::format("line {}: the CSV file has more than {} rows, the most one "
                                    "import may add",
                                    line, limits_.max_rows));
        }
        if ((rows & 1023) == 0) check_time(line);
    }

    void check_time(std::uint64_t line) const {
        if (clock::now() >= until_) timed_out(line);
    }

    [[noreturn]] void timed_out(std::uint64_t line) const {
        throw error(errc::deadline_exceeded,
                    fmt::format("the import ran longer than its time limit of {} s and was "
                                "stopped{}; nothing was imported",
                                std::chrono::duration<double>(limits_.timeout).count(),
                                line ? fmt::format(" at line {}", line) : ""));
    }

    // The SQLite error of the statement that just failed, as the error of a CSV line.
    [[noreturn]] void row_failed(std::uint64_t line) const {
        sqlite3* h = conn_.handle();
        int code = sqlite3_extended_errcode(h);
        std::string message = sqlite3_errmsg(h);
        if (guard_.expired() || (code & 0xff) == SQLITE_INTERRUPT) timed_out(line);
        if (budget_.exceeded()) {
            throw error(errc::resource_exhausted,
                        fmt::format("line {}: the import needs more than {} bytes of memory",
                                    line, budget_.limit()));
        }
        if ((code & 0xff) == SQLITE_NOMEM) {
            throw error(errc::resource_exhausted, fmt::format("line {}: out of memory", line));
        }
        errc kind = errc::invalid_argument;
        switch (code & 0xff) {
            case SQLITE_CONSTRAINT:
            case SQLITE_MISMATCH:
            case SQLITE_TOOBIG:
            case SQLITE_ERROR:
                break;  // the row's fault: a 400 naming the line
            case SQLITE_FULL:
                kind = errc::resource_exhausted;
                message += " (the database has reached its size limit)";
                break;
            case SQLITE_BUSY:
            case SQLITE_LOCKED:
                kind = errc::unavailable;
                break;
            case SQLITE_AUTH:
            case SQLITE_PERM:
            case SQLITE_READONLY:
                kind = errc::permission_denied;
                break;
            default:
                kind = errc::internal;
                break;
        }
        throw error(kind, fmt::format("line {}: {}", line, message));
    }

    // SQL airsql wrote (CREATE TABLE, the INSERT): a failure is not a line's fault.
    void exec(const std::string& sql) {
        try {
            conn_.exec(sql);
        } catch (const error&) {
            if (guard_.expired()) timed_out(0);
            throw;
        }
    }

    sqlite3_stmt* prepare(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        sqlite3* h = conn_.handle();
        if (sqlite3_prepare_v3(h, sql.c_str(), static_cast<int>(sql.size()),
                               SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) {
            sqlite::throw_error(sqlite3_extended_errcode(h), sqlite3_errmsg(h));
        }
        return st;
    }

    sqlite::connection& conn() const noexcept { return conn_; }

private:
    sqlite::connection& conn_;
    const import_limits& limits_;
    clock::time_point until_;
    sqlite::deadline guard_;
    sqlite::memory_budget budget_;
};

// A statement finalized when it goes out of scope.
struct statement_holder {
    sqlite3_stmt* st = nullptr;
    ~statement_holder() { sqlite3_finalize(st); }
};

// The import's transaction: its own (BEGIN IMMEDIATE) on a connection in autocommit mode, else
// a savepoint inside the caller's. Rolled back unless committed.
class import_transaction {
public:
    explicit import_transaction(import_run& run) : run_(run) {
        nested_ = sqlite3_get_autocommit(run.conn().handle()) == 0;
        run_.exec(nested_ ? "SAVEPOINT airsql_csv_import" : "BEGIN IMMEDIATE");
    }
    ~import_transaction() {
        if (!open_) return;
        sqlite3* h = run_.conn().handle();
        if (nested_) {
            sqlite3_exec(h, "ROLLBACK TO airsql_csv_import; RELEASE airsql_csv_import", nullptr,
                         nullptr, nullptr);
        } else if (sqlite3_get_autocommit(h) == 0) {
            sqlite3_exec(h, "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }
    import_transaction(const import_transaction&) = delete;
    import_transaction& operator=(const import_transaction&) = delete;

    void commit() {
        run_.exec(nested_ ? "RELEASE airsql_csv_import" : "COMMIT");
        open_ = false;
    }

private:
    import_run& run_;
    bool nested_ = false;
    bool open_ = true;
};

void bind_text(sqlite3_stmt* st, int index, std::string_view v) {
    // The parser's buffer holds the value until the row is stepped: no copy.
    sqlite3_bind_text(st, index, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
}

[[noreturn]] void empty_file() {
    throw error(errc::invalid_argument,
                "the CSV file is empty: its first line must name the columns");
}

}  // namespace

char delimiter_for(const byte_source& source) {
    auto type = ascii_lower(source.media_type.substr(0, source.media_type.find(';')));
    while (!type.empty() && type.back() == ' ') type.pop_back();
    if (type == "text/tab-separated-values" || ends_with_ascii_ci(source.file_name, ".tsv")) {
        return '\t';
    }
    return ',';
}

value_kind classify(std::string_view v) noexcept {
    const std::size_t n = v.size();
    if (n == 0) return value_kind::empty;
    std::size_t i = v[0] == '-' ? 1 : 0;
    if (i == n || !is_digit(v[i])) return value_kind::text;
    if (v[i] == '0') {
        ++i;
        if (i < n && is_digit(v[i])) return value_kind::text;  // a leading zero: "007"
    } else {
        while (i < n && is_digit(v[i])) ++i;
    }
    const std::size_t integer_end = i;
    bool decimal = false;
    if (i < n && v[i] == '.') {
        const std::size_t digits = ++i;
        while (i < n && is_digit(v[i])) ++i;
        if (i == digits) return value_kind::text;  // "1."
        decimal = true;
    }
    if (i < n && (v[i] == 'e' || v[i] == 'E')) {
        ++i;
        if (i < n && (v[i] == '+' || v[i] == '-')) ++i;
        const std::size_t digits = i;
        while (i < n && is_digit(v[i])) ++i;
        if (i == digits) return value_kind::text;
        decimal = true;
    }
    if (i != n) return value_kind::text;
    if (!decimal) {
        if (integer_end == 2 && v[0] == '-' && v[1] == '0') return value_kind::text;  // "-0"
        std::int64_t x = 0;
        auto r = std::from_chars(v.data(), v.data() + n, x);
        // Beyond 64 bits an integer would keep only about 16 digits as REAL: TEXT keeps them all.
        return r.ec == std::errc{} ? value_kind::integer : value_kind::text;
    }
    double d = 0;
    auto r = std::from_chars(v.data(), v.data() + n, d);
    if (r.ec != std::errc{} || r.ptr != v.data() + n || !std::isfinite(d)) return value_kind::text;
    return value_kind::real;
}

std::vector<std::string> column_names(std::span<const std::string_view> header) {
    std::vector<std::string> names;
    names.reserve(header.size());
    std::set<std::string> taken;  // ASCII-lowercased, as SQLite compares column names
    for (std::size_t i = 0; i < header.size(); ++i) {
        std::string base(trim(header[i]));
        if (base.empty()) base = fmt::format("column_{}", i + 1);
        std::string name = base;
        for (int k = 2; taken.count(ascii_lower(name)) != 0; ++k) {
            name = fmt::format("{}_{}", base, k);
        }
        taken.insert(ascii_lower(name));
        names.push_back(std::move(name));
    }
    return names;
}

new_table_result import_into_new_table(sqlite::connection& writer, const byte_source& source,
                                       std::string_view table_name, const import_limits& limits) {
    import_run run(writer, source, limits);
    new_table_result result;

    // Pass 1: names and types.
    std::vector<type_inference> types;
    {
        parser p(source, run.parse_opts(source));
        record r;
        if (!p.next(r)) empty_file();
        result.encoding = p.encoding();
        result.columns = column_names(r.fields);
        types.resize(result.columns.size());
        std::uint64_t rows = 0;
        while (p.next(r)) {
            run.row_done(++rows, r.line);
            for (std::size_t i = 0; i < r.fields.size(); ++i) {
                if (!types[i].settled_as_text()) types[i].add(classify(r.fields[i]));
            }
        }
    }
    for (const auto& t : types) result.types.emplace_back(t.sql_type());

    // Pass 2: the table and its rows, in one transaction.
    run.check_time(0);
    import_transaction tx(run);
    {
        auto st = writer.prepare(
            "SELECT 1 FROM sqlite_master WHERE name = ? COLLATE NOCASE "
            "AND type IN ('table', 'view')");
        st.bind(1, std::string(table_name));
        if (st.step()) {
            throw error(errc::already_exists,
                        fmt::format("a table or view named \"{}\" already exists", table_name));
        }
    }
    std::string create = "CREATE TABLE " + sqlite::quote_identifier(table_name) + " (";
    std::string insert = "INSERT INTO " + sqlite::quote_identifier(table_name) + " VALUES (";
    for (std::size_t i = 0; i < result.columns.size(); ++i) {
        create += (i ? ", " : "") + sqlite::quote_identifier(result.columns[i]) + " " +
                  result.types[i];
        insert += i ? ", ?" : "?";
    }
    create += ")";
    insert += ")";
    run.exec(create);
    sqlite::check_schema_size(writer, limits.max_schema_bytes);

    enum class bind_as { integer, real, text };
    std::vector<bind_as> how;
    for (const auto& t : result.types) {
        how.push_back(t == "INTEGER" ? bind_as::integer
                                     : t == "REAL" ? bind_as::real : bind_as::text);
    }
    statement_holder ins{run.prepare(insert)};
    parser p(source, run.parse_opts(source));
    record r;
    if (!p.next(r)) empty_file();
    std::int64_t rows = 0;
    while (p.next(r)) {
        run.row_done(static_cast<std::uint64_t>(++rows), r.line);
        for (std::size_t i = 0; i < r.fields.size(); ++i) {
            auto v = r.fields[i];
            int index = static_cast<int>(i) + 1;
            if (v.empty()) {
                sqlite3_bind_null(ins.st, index);
                continue;
            }
            switch (how[i]) {
                case bind_as::integer: {
                    std::int64_t x = 0;
                    auto res = std::from_chars(v.data(), v.data() + v.size(), x);
                    if (res.ec == std::errc{} && res.ptr == v.data() + v.size()) {
                        sqlite3_bind_int64(ins.st, index, x);
                        continue;
                    }
                    break;  // the file changed between the passes: keep the text
                }
                case bind_as::real: {
                    double d = 0;
                    auto res = std::from_chars(v.data(), v.data() + v.size(), d);
                    if (res.ec == std::errc{} && res.ptr == v.data() + v.size()) {
                        sqlite3_bind_double(ins.st, index, d);
                        continue;
                    }
                    break;
                }
                case bind_as::text:
                    break;
            }
            bind_text(ins.st, index, v);
        }
        if (sqlite3_step(ins.st) != SQLITE_DONE) run.row_failed(r.line);
        sqlite3_reset(ins.st);
    }
    run.check_time(r.line);
    tx.commit();
    result.rows = rows;
    return result;
}

append_result import_into_table(sqlite::connection& writer, const byte_source& source,
                                std::string_view table_name, const import_limits& limits) {
    import_run run(writer, source, limits);
    append_result result;
    parser p(source, run.parse_opts(source));
    record r;
    if (!p.next(r)) empty_file();
    result.encoding = p.encoding();

    import_transaction tx(run);
    std::string table;
    {
        // Tables and virtual tables (FTS accepts inserts); not views, shadow tables or SQLite's.
        auto st = writer.prepare(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND name = ? COLLATE "
            "NOCASE AND type IN ('table', 'virtual') AND " AIRSQL_SQL_USER_TABLE("name"));
        st.bind(1, std::string(table_name));
        if (!st.step()) {
            throw error(errc::not_found, fmt::format("Table \"{}\" does not exist", table_name));
        }
        table = st.text(0);
    }
    struct column {
        std::string name;
        bool generated = false;
    };
    std::vector<column> columns;
    {
        auto st = writer.prepare("SELECT name, hidden FROM pragma_table_xinfo(?)");
        st.bind(1, table);
        while (st.step()) {
            auto hidden = st.int64(1);
            if (hidden == 1) continue;  // a virtual table's hidden column
            columns.push_back({st.text(0), hidden == 2 || hidden == 3});
        }
    }
    std::vector<std::string> unknown;
    std::set<std::string> used;
    for (auto field : r.fields) {
        auto name = trim(field);
        auto key = ascii_lower(name);
        auto it = std::find_if(columns.begin(), columns.end(),
                               [&](const column& c) { return ascii_lower(c.name) == key; });
        if (it == columns.end()) {
            unknown.push_back(fmt::format("\"{}\"", name));
            continue;
        }
        if (it->generated) {
            throw error(errc::invalid_argument,
                        fmt::format("column \"{}\" of table \"{}\" is generated: it cannot be "
                                    "imported; leave it out of the CSV file",
                                    it->name, table));
        }
        if (!used.insert(key).second) {
            throw error(errc::invalid_argument,
                        fmt::format("the CSV header names column \"{}\" twice", it->name));
        }
        result.columns.push_back(it->name);
    }
    if (!unknown.empty()) {
        std::string known;
        for (const auto& c : columns) {
            if (!c.generated) known += (known.empty() ? "" : ", ") + c.name;
        }
        throw error(errc::invalid_argument,
                    fmt::format("table \"{}\" has no column{} {} (its columns: {})", table,
                                unknown.size() == 1 ? "" : "s",
                                fmt::join(unknown, ", "), known));
    }

    std::string insert = "INSERT INTO " + sqlite::quote_identifier(table) + " (";
    std::string values = ") VALUES (";
    for (std::size_t i = 0; i < result.columns.size(); ++i) {
        insert += (i ? ", " : "") + sqlite::quote_identifier(result.columns[i]);
        values += i ? ", ?" : "?";
    }
    statement_holder ins{run.prepare(insert + values + ")")};
    std::int64_t rows = 0;
    while (p.next(r)) {
        run.row_done(static_cast<std::uint64_t>(++rows), r.line);
        for (std::size_t i = 0; i < r.fields.size(); ++i) {
            if (r.fields[i].empty()) {
                sqlite3_bind_null(ins.st, static_cast<int>(i) + 1);
            } else {
                bind_text(ins.st, static_cast<int>(i) + 1, r.fields[i]);
            }
        }
        if (sqlite3_step(ins.st) != SQLITE_DONE) run.row_failed(r.line);
        sqlite3_reset(ins.st);
    }
    run.check_time(r.line);
    tx.commit();
    result.rows = rows;
    return result;
}

}  // namespace airsql::csv
