// SPDX-License-Identifier: Apache-2.0
// The checks that turn a stored value into a GraphQL scalar inside the JSON that SQLite builds
// for a query, as SQL functions: one call per value where a CASE over typeof() took a
// function call, string comparisons and branches (13% of a nested query's time on the bench
// data, measured with SQLite 3.40.1).
#pragma once

#include <string_view>

struct sqlite3;

namespace airsql::sqlite {

/// The key of the JSON object that marks a value SQLite could not produce (see the GraphQL
/// executor, which turns markers into field errors).
inline constexpr std::string_view error_marker_key = "__airsql_error";

/// Registers on `db`:
/// - `airsql_int(x, column, non_null)`: an integer as is, a real with an integral value as
///   that integer;
/// - `airsql_float(x, column, non_null)`: an integer as is, a real as JSON (see
///   `airsql_number`);
/// - `airsql_boolean(x, column, non_null)`: an integer or a real as JSON true (non-zero) or
///   false;
/// - `airsql_string(x, column, non_null)`: text as is, an integer or a real as its text
///   (as CAST does).
/// NULL stays NULL, or with `non_null` becomes a marker; any other value becomes a marker: a
/// JSON object `{error_marker_key: message}` (JSON subtype, so json_object() embeds it), the message
/// naming the value's type and `column`.
/// And for aggregates (GraphQL's `<t>_aggregate`):
/// - `airsql_number(x, label)`: a real as JSON — SQLite's text when it reads back as the same
///   double, else the shortest text that does (SQLite 3.40 keeps 15 digits: 0.30000000000000004
///   came out as 0.3) — and a marker for an infinite or NaN real (JSON has no such number, and
///   SQLite's JSON wrote `Inf`); anything else as is;
/// - aggregates `airsql_sum(x)` (integers summed exactly: past the 64-bit range a
///   marker, not SQLite's "integer overflow" error for the whole statement; with a real the
///   sum is real), `airsql_var_samp(x)`, `airsql_var_pop(x)`, `airsql_stddev_samp(x)`,
///   `airsql_stddev_pop(x)` (Welford's method: the sum of squares minus the squared sum lost
///   every digit for values like epoch seconds; NULL below 2 values, or 1 for the population
///   ones). NULL values are skipped. The compiler wraps them in `airsql_number`.
void register_value_checks(sqlite3* db);

}  // namespace airsql::sqlite
