// SPDX-License-Identifier: Apache-2.0
// SQLite's progress handler runs between virtual-machine instructions, so it cannot stop one
// long call of a built-in function. The built-ins whose cost grows with the product of their
// arguments' sizes (LIKE, GLOB, instr, replace, trim) are replaced here, on hosted-database
// connections, by implementations with the same results that either run in linear time or
// check the connection's deadline while they work.
#pragma once

#include <chrono>

struct sqlite3;

namespace airsql::sqlite {

/// When function calls on one connection must give up. Set by `confinement` and `deadline`;
/// `time_point::max()` (the default) means never. Belongs to one connection; not thread-safe.
struct call_deadline {
    std::chrono::steady_clock::time_point until = std::chrono::steady_clock::time_point::max();
};

/// Registers the bounded replacements of like(2,3), glob, instr, replace, trim, ltrim and
/// rtrim on `db`. `budget` must outlive the connection. Results equal SQLite's built-ins
/// (including this build's LIKE_DOESNT_MATCH_BLOBS); a call past the deadline fails with
/// SQLITE_INTERRUPT.
void register_bounded_functions(sqlite3* db, call_deadline* budget);

}  // namespace airsql::sqlite
