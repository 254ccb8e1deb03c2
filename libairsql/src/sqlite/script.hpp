// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sqlite/confinement.hpp"
#include "sqlite/connection.hpp"

namespace airsql::sqlite {

/// One value of a result row, valid only during the `row_sink::row` call.
struct cell {
    column_type type = column_type::null;
    std::int64_t integer = 0;
    double real = 0;
    std::string_view text;  ///< text, or the bytes of a blob
};

/// Receives the results of a script.
class row_sink {
public:
    virtual ~row_sink() = default;
    /// A statement that returns columns starts; its rows follow.
    virtual void columns(std::span<const std::string> names) = 0;
    /// One row. Return an error message to stop the script, or nullopt to go on.
    virtual std::optional<std::string> row(std::span<const cell> cells) = 0;
};

/// Whether `script` is exactly one statement and that statement only reads (it may then run
/// on a read-only connection). Prepares without executing, under `guard` (which must confine
/// `conn`: SQLite runs some pragmas while preparing them); false on any error or denial.
bool is_single_read_only_statement(connection& conn, const confinement& guard,
                                   std::string_view script);

/// Prepares and steps every statement of `script` in turn on a confined connection. Returns
/// nullopt on success or the error message of the first failure (SQLite's message, the
/// authorizer's reason, or a timeout note). Does not begin or end a transaction.
std::optional<std::string> run_script(connection& conn, confinement& guard,
                                      std::string_view script, row_sink& sink);

}  // namespace airsql::sqlite
