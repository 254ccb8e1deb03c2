// SPDX-License-Identifier: Apache-2.0
// CSV into SQLite: a new table with inferred column types (uploads that create a database),
// or rows appended to an existing table (the import route). Both run in one transaction on
// the caller's writer connection, with a deadline and a memory budget, and leave nothing
// behind when they fail.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/options.hpp"
#include "airsql/streams.hpp"
#include "csv/csv_parser.hpp"
#include "sqlite/connection.hpp"

namespace airsql::csv {

struct import_limits {
    /// Largest CSV source, in bytes (`payload_too_large`).
    std::uint64_t max_bytes = 1024ull * 1024 * 1024;
    /// Most data rows (the header not counted); 0: no limit (`invalid_argument`).
    std::uint64_t max_rows = 0;
    /// Most columns (SQLite's default limit).
    std::size_t max_columns = 2000;
    /// Longest record (so also longest field), in bytes.
    std::size_t max_record_bytes = 16u * 1024 * 1024;
    /// Wall-clock limit of the whole import, both passes (`deadline_exceeded`).
    std::chrono::milliseconds timeout{120'000};
    /// SQLite memory the import may allocate (see memory_budget.hpp); 0: no cap.
    std::size_t max_sqlite_memory = 0;
    /// Most memory the schema may take once the new table is in (options::max_schema_bytes).
    std::size_t max_schema_bytes = 16u * 1024 * 1024;
};

/// The limits of the engine's options.
import_limits limits_for(const options& opts);

/// The field separator for a source: a tab for `.tsv` files and `text/tab-separated-values`,
/// else a comma.
char delimiter_for(const byte_source& source);

/// What a CSV value looks like, for type inference.
enum class value_kind {
    empty,    ///< "" → NULL
    integer,  ///< a canonical integer that fits 64 bits: -?(0|[1-9][0-9]*)
    real,     ///< a finite decimal number with a fraction or exponent: JSON's number syntax
    text,     ///< anything else, including "007", "+1", " 1", "1.", ".5", "1e999", "NaN", and
              ///< integers beyond 64 bits (as REAL they would lose digits)
};

value_kind classify(std::string_view value) noexcept;

/// A column's type from its values: INTEGER when every non-empty value is an integer, else REAL
/// when every one is an integer or a real, else TEXT (also when no value is non-empty).
class type_inference {
public:
    void add(value_kind k) noexcept {
        if (k == value_kind::empty) return;
        any_ = true;
        if (k != value_kind::integer) all_integer_ = false;
        if (k == value_kind::text) all_number_ = false;
    }
    bool settled_as_text() const noexcept { return !all_number_; }
    /// "INTEGER", "REAL" or "TEXT".
    std::string_view sql_type() const noexcept {
        if (!any_ || !all_number_) return "TEXT";
        return all_integer_ ? "INTEGER" : "REAL";
    }

private:
    bool any_ = false;
    bool all_integer_ = true;
    bool all_number_ = true;
};

/// Column names from a header: surrounding spaces and tabs trimmed, an empty name becomes
/// `column_N` (N its position from 1), a name already taken (SQLite compares names without
/// regard to ASCII case) gets `_2`, `_3`… appended.
std::vector<std::string> column_names(std::span<const std::string_view> header);

struct new_table_result {
    std::int64_t rows = 0;
    std::vector<std::string> columns;
    std::vector<std::string> types;  ///< "INTEGER", "REAL" or "TEXT", per column
    text_encoding encoding = text_encoding::utf8;
};

/// Creates `table_name` from a CSV file: columns from the header (see `column_names`), types
/// inferred from all rows (see `type_inference`; TEXT when there are no rows), values stored
/// with those types, empty fields as NULL. Two passes over the source: the first infers the
/// types, the second inserts (measured faster than a TEXT staging table converted in SQL, see
/// docs/performance.md). A header-only file makes an empty table; an empty file is an
/// `invalid_argument`. A table of that name already existing is `already_exists`.
///
/// Runs in one transaction: `BEGIN IMMEDIATE` on `writer` when it has none open, else a
/// savepoint inside the caller's; on any failure everything the import did is rolled back.
new_table_result import_into_new_table(sqlite::connection& writer, const byte_source& source,
                                       std::string_view table_name, const import_limits& limits);

struct append_result {
    std::int64_t rows = 0;
    std::vector<std::string> columns;  ///< the table's column names, in the CSV's order
    text_encoding encoding = text_encoding::utf8;
};

/// Appends a CSV's rows to the existing table `table_name` (see `airsql::import_csv`), in one
/// transaction as above.
append_result import_into_table(sqlite::connection& writer, const byte_source& source,
                                std::string_view table_name, const import_limits& limits);

}  // namespace airsql::csv
