// SPDX-License-Identifier: Apache-2.0
#include <charconv>
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "airsql/export.hpp"
#include "core/disk_space.hpp"
#include "core/engine_impl.hpp"
#include "export/cell_text.hpp"
#include "export/reading.hpp"
#include "export/schema_lines.hpp"
#include "export/table_lookup.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/memory_budget.hpp"
#include "sqlite/row_cursor.hpp"

namespace airsql {

std::string_view to_string(export_format f) noexcept {
    switch (f) {
        case export_format::csv:
            return "csv";
        case export_format::json:
            return "json";
        case export_format::ndjson:
            return "ndjson";
        case export_format::sql:
            return "sql";
    }
    return "csv";
}

export_format parse_export_format(std::string_view name) {
    for (auto f : {export_format::csv, export_format::json, export_format::ndjson,
                   export_format::sql}) {
        if (name == to_string(f)) return f;
    }
    throw error(errc::invalid_argument,
                fmt::format("unknown export format \"{}\": use csv, json, ndjson or sql", name));
}

namespace {

using exporting::table_facts;

// Collects output and hands it to the sink in large pieces: one virtual call per 256 KiB
// rather than per cell.
class buffered_output {
public:
    /// `max_bytes`: most bytes written to the sink (0: no cap); past it, `payload_too_large`.
    buffered_output(byte_sink& sink, std::uint64_t max_bytes) : sink_(sink), max_(max_bytes) {
        buf_.reserve(capacity + 4096);
    }
    std::string& buf() noexcept { return buf_; }
    void maybe_flush() {
        if (buf_.size() >= capacity) flush();
    }
    void flush() {
        if (buf_.empty()) return;
        written_ += buf_.size();
        if (max_ != 0 && written_ > max_) {
            throw error(errc::payload_too_large,
                        fmt::format("the export is larger than {} bytes; export fewer rows (a "
                                    "view with a LIMIT) or ask for a higher limit",
                                    max_));
        }
        sink_.write(buf_);
        buf_.clear();
    }

private:
    static constexpr std::size_t capacity = 256 * 1024;
    byte_sink& sink_;
    std::uint64_t max_;
    std::uint64_t written_ = 0;
    std::string buf_;
};

void append_int(std::string& out, std::int64_t v) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, static_cast<std::size_t>(end - buf));
}

void append_csv_cell(std::string& out, const sqlite::row_cursor& row, int i) {
    switch (row.type(i)) {
        case sqlite::column_type::null:
            break;
        case sqlite::column_type::integer:
            append_int(out, row.int64(i));
            break;
        case sqlite::column_type::real:
            exporting::append_real(out, row.real(i), "Inf", "-Inf");
            break;
        case sqlite::column_type::text:
            exporting::append_csv_text(out, row.text(i));
            break;
        case sqlite::column_type::blob: {
            auto bytes = row.blob(i);
            if (bytes.empty()) {
                out += "\"\"";
            } else {
                exporting::append_base64(out, bytes);
            }
            break;
        }
    }
}

void append_json_cell(std::string& out, const sqlite::row_cursor& row, int i) {
    switch (row.type(i)) {
        case sqlite::column_type::null:
            out += "null";
            break;
        case sqlite::column_type::integer:
            append_int(out, row.int64(i));
            break;
        case sqlite::column_type::real:
            exporting::append_real(out, row.real(i), "1e999", "-1e999");
            break;
        case sqlite::column_type::text:
            exporting::append_json_string(out, row.text(i));
            break;
        case sqlite::column_type::blob:
            out.push_back('"');
            exporting::append_base64(out, row.blob(i));
            out.push_back('"');
            break;
    }
}

void append_sql_cell(std::string& out, const sqlite::row_cursor& row, int i) {
    switch (row.type(i)) {
        case sqlite::column_type::null:
            out += "NULL";
            break;
        case sqlite::column_type::integer:
            append_int(out, row.int64(i));
            break;
        case sqlite::column_type::real:
            exporting::append_real(out, row.real(i), "1e999", "-1e999");
            break;
        case sqlite::column_type::text:
            exporting::append_sql_text(out, row.text(i));
            break;
        case sqlite::column_type::blob:
            exporting::append_sql_blob(out, row.blob(i));
            break;
    }
}

// The SELECT that reads the rows: every visible column (generated ones too) in table order;
// SQL dumps leave generated columns out, as INSERT cannot set them.
std::string select_for(const table_facts& t, export_format format) {
    bool has_generated = std::any_of(t.columns.begin(), t.columns.end(),
                                     [](const column_info& c) { return c.generated; });
    std::string from = sqlite::quote_identifier(t.name);
    if (format != export_format::sql || !has_generated) return "SELECT * FROM " + from;
    std::string sql = "SELECT ";
    bool first = true;
    for (const auto& c : t.columns) {
        if (c.generated) continue;
        if (!first) sql += ", ";
        sql += sqlite::quote_identifier(c.name);
        first = false;
    }
    return sql + " FROM " + from;
}

// JSON object keys of the result columns, written once.
std::vector<std::string> json_keys(const sqlite::row_cursor& rows) {
    std::vector<std::string> keys;
    for (int i = 0; i < rows.column_count(); ++i) {
        std::string key;
        exporting::append_json_string(key, rows.column_name(i));
        key.push_back(':');
        keys.push_back(std::move(key));
    }
    return keys;
}

void write_csv(sqlite::row_cursor& rows, buffered_output& out, exporting::time_limit& limit) {
    auto& buf = out.buf();
    int n = rows.column_count();
    for (int i = 0; i < n; ++i) {
        if (i > 0) buf.push_back(',');
        exporting::append_csv_text(buf, rows.column_name(i));
    }
    buf += "\r\n";
    while (rows.step()) {
        for (int i = 0; i < n; ++i) {
            if (i > 0) buf.push_back(',');
            append_csv_cell(buf, rows, i);
        }
        buf += "\r\n";
        out.maybe_flush();
        limit.check();
    }
}

void write_json(sqlite::row_cursor& rows, buffered_output& out, exporting::time_limit& limit,
                bool lines) {
    auto& buf = out.buf();
    auto keys = json_keys(rows);
    int n = rows.column_count();
    bool first = true;
    if (!lines) buf.push_back('[');
    while (rows.step()) {
        if (!lines) buf += first ? "\n" : ",\n";
        first = false;
        buf.push_back('{');
        for (int i = 0; i < n; ++i) {
            if (i > 0) buf.push_back(',');
            buf += keys[static_cast<std::size_t>(i)];
            append_json_cell(buf, rows, i);
        }
        buf.push_back('}');
        if (lines) buf.push_back('\n');
        out.maybe_flush();
        limit.check();
    }
    if (!lines) buf += first ? "]\n" : "\n]\n";
}

// A view becomes a plain table of its rows: its column names and declared types.
std::string create_table_for_view(const table_facts& t) {
    std::string sql = "CREATE TABLE " + sqlite::quote_if_needed(t.name) + "(";
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        if (i > 0) sql += ",";
        sql += sqlite::quote_if_needed(t.columns[i].name);
        if (!t.columns[i].declared_type.empty()) sql += " " + t.columns[i].declared_type;
    }
    return sql + ")";
}

void write_sql(sqlite::connection& conn, const table_facts& t, sqlite::row_cursor& rows,
               buffered_output& out, exporting::time_limit& limit) {
    auto& buf = out.buf();
    buf += "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n";
    exporting::append_schema_line(buf, t.is_view ? create_table_for_view(t) : t.sql);
    std::string insert = "INSERT INTO " + sqlite::quote_if_needed(t.name) + " VALUES(";
    int n = rows.column_count();
    while (rows.step()) {
        buf += insert;
        for (int i = 0; i < n; ++i) {
            if (i > 0) buf.push_back(',');
            append_sql_cell(buf, rows, i);
        }
        buf += ");\n";
        out.maybe_flush();
        limit.check();
    }
    if (!t.is_view) {
        // The table's own indexes and triggers (autoindexes have no SQL: the CREATE TABLE
        // makes them again).
        sqlite::row_cursor extra(conn,
                                 "SELECT sql FROM sqlite_schema WHERE tbl_name = ?1 AND type IN "
                                 "('index', 'trigger') AND sql IS NOT NULL ORDER BY rowid");
        extra.bind(1, t.name);
        while (extra.step()) exporting::append_schema_line(buf, extra.text(0));
    }
    buf += "COMMIT;\n";
}

std::string media_type_of(export_format format) {
    switch (format) {
        case export_format::csv:
            return "text/csv; charset=utf-8";
        case export_format::json:
            return "application/json";
        case export_format::ndjson:
            return "application/x-ndjson";
        case export_format::sql:
            return "application/sql";
    }
    return "application/octet-stream";
}

}  // namespace

stream_meta export_table(engine& eng, const principal& who, std::string_view db_id,
                         std::string_view table, export_format format, byte_sink& sink) {
    auto& e = eng.internals();
    // The size is not known before: the reserve must at least be there.
    core::require_disk_space(e.opts.data_dir, 0, e.opts.min_free_disk_bytes);
    exporting::time_limit limit(e.opts.export_timeout, "the export");
    auto reader = exporting::open_for_reading(e, who, db_id);
    auto& conn = *reader.conn;
    sqlite::memory_budget budget(e.opts.max_request_sqlite_memory);
    // One read transaction: the schema and every row come from the same snapshot.
    sqlite::transaction snapshot(conn, sqlite::transaction::kind::deferred);
    sqlite::deadline interrupt(conn, limit.until());
    auto t = exporting::find_table(conn, table);
    buffered_output out(sink, e.opts.max_export_bytes);
    try {
        sqlite::row_cursor rows(conn, select_for(t, format));
        switch (format) {
            case export_format::csv:
                write_csv(rows, out, limit);
                break;
            case export_format::json:
                write_json(rows, out, limit, false);
                break;
            case export_format::ndjson:
                write_json(rows, out, limit, true);
                break;
            case export_format::sql:
                write_sql(conn, t, rows, out, limit);
                break;
        }
    } catch (const error& failure) {
        if (interrupt.expired()) limit.fail();
        if (budget.exceeded()) {
            throw error(errc::resource_exhausted,
                        "the export needs more SQLite memory than one request may use");
        }
        throw;
    }
    out.flush();
    return {media_type_of(format), t.name + "." + std::string(to_string(format))};
}

}  // namespace airsql
