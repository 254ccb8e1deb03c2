// SPDX-License-Identifier: Apache-2.0
// SQL's SIMILAR TO as an SQLite function, matched by simulating a Thompson automaton: the work
// is at most (text characters × pattern states), never exponential, and the connection's
// deadline is checked while it runs.
#pragma once

#include <cstddef>
#include <string_view>

struct sqlite3;

namespace airsql::sqlite {

struct call_deadline;

/// Most automaton states one pattern may compile to (counted repetitions are expanded).
inline constexpr std::size_t max_similar_states = 10'000;
/// Largest count in `{m}`, `{m,}` and `{m,n}`.
inline constexpr int max_similar_repeat = 1'000;
/// Deepest nesting of parentheses.
inline constexpr int max_similar_nesting = 100;

/// Registers `similar_to(pattern, text)` on `db`: 1 when the whole of `text` matches the SQL
/// SIMILAR TO `pattern` (`%` any text, `_` any character, `|`, `*`, `+`, `?`, `{m,n}`, `( )`,
/// `[...]` sets, `\` escapes the next character; every other character, `.` included, is
/// literal; case-sensitive), 0 when not, NULL when either is NULL. A bad pattern, or one past
/// the limits above, fails the call with a message; so does a call past `budget`'s deadline
/// (SQLITE_INTERRUPT). `budget` must outlive the connection.
void register_similar_to(sqlite3* db, call_deadline* budget);

/// The same match without SQLite, for tests: throws std::invalid_argument for a bad pattern.
bool similar_to(std::string_view pattern, std::string_view text);

}  // namespace airsql::sqlite
