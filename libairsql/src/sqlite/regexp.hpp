// SPDX-License-Identifier: Apache-2.0
// Regular expressions for SQL on hosted connections: SQLite's REGEXP operator and GraphQL's
// _regex operators, matched by PCRE2 with its work bounded (match, depth and heap limits, no
// JIT) and the connection's deadline checked before each call.
#pragma once

#include <cstddef>
#include <cstdint>

struct sqlite3;

namespace airsql::sqlite {

struct call_deadline;

/// Most steps (PCRE2's match limit) one call may take: a few milliseconds of work.
inline constexpr std::uint32_t regexp_match_limit = 1'000'000;
/// Deepest backtracking (PCRE2's depth limit).
inline constexpr std::uint32_t regexp_depth_limit = 10'000;
/// Most heap one match may use, in KiB.
inline constexpr std::uint32_t regexp_heap_limit_kib = 16 * 1024;

/// Registers `regexp(pattern, text)` (which SQLite's `text REGEXP pattern` calls) and
/// `regexp(pattern, text, flags)` (`flags` containing `i`: ignore case) on `db`: 1 when
/// `pattern` (PCRE2 syntax, Unicode) matches somewhere in `text`, 0 when not, NULL when either
/// is NULL. Invalid UTF-8 in the text never matches. A bad pattern, one longer than the
/// connection's LIKE pattern limit, a match past the limits above, or a call past `budget`'s
/// deadline (SQLITE_INTERRUPT) fails with a message. `budget` must outlive the connection.
void register_regexp(sqlite3* db, call_deadline* budget);

}  // namespace airsql::sqlite
