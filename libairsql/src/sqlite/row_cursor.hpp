// SPDX-License-Identifier: Apache-2.0
// A statement read row by row without copies: cells are views into SQLite's own buffers,
// valid until the next step. For streaming large results (exports, search scans), where the
// general `statement` (which copies every text cell into a std::string) would dominate.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sqlite/connection.hpp"

struct sqlite3_stmt;

namespace airsql::sqlite {

/// A prepared statement on `conn`, finalized when destroyed. Not thread-safe.
class row_cursor {
public:
    /// Prepares `sql` (SQL airsql generates; errors are translated like everywhere else).
    row_cursor(connection& conn, const std::string& sql);
    ~row_cursor();
    row_cursor(const row_cursor&) = delete;
    row_cursor& operator=(const row_cursor&) = delete;

    row_cursor& bind(int index, std::int64_t value);
    row_cursor& bind(int index, std::string_view text);
    /// Ready to run again (bindings kept).
    void reset() noexcept;

    /// Advances to the next row; false when done. Throws the translated SQLite error
    /// (`deadline_exceeded` when a progress handler interrupted it).
    bool step();

    int column_count() const noexcept;
    std::string column_name(int index) const;
    /// The declared type of a result column that is a table column ("" otherwise).
    std::string declared_type(int index) const;
    column_type type(int index) const noexcept;
    std::int64_t int64(int index) const noexcept;
    double real(int index) const noexcept;
    /// UTF-8 text of the cell (valid until the next step); for BLOBs the raw bytes.
    std::string_view text(int index) const noexcept;
    std::string_view blob(int index) const noexcept;

private:
    connection& conn_;
    sqlite3_stmt* st_ = nullptr;
};

/// Whether the sqlite3 CLI would quote `name` as an identifier (it is not a plain
/// `[A-Za-z_][A-Za-z0-9_]*` name, or it is an SQL keyword): its `quoteChar()` rule.
bool needs_quoting(std::string_view name);

/// `name` quoted with double quotes when `needs_quoting`, else as is (the CLI's output form).
std::string quote_if_needed(std::string_view name);

}  // namespace airsql::sqlite
