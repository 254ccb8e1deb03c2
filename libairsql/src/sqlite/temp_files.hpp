// SPDX-License-Identifier: Apache-2.0
// A bound on SQLite's temporary files: sorts, temporary tables and indexes, and statement
// journals that outgrow memory are written to files (in /var/tmp by default) which no other
// limit covers. One tenant's `ORDER BY` over a generated billion rows grew one by 0.7 GB every
// 5 s until its time limit: a few at once fill the disk, and every tenant's writes then fail.
#pragma once

#include <cstdint>

namespace airsql::sqlite {

/// The name of a VFS over the default one (registered on first use, not made the default: an
/// application embedding the library keeps its own SQLite as it was). Files SQLite opens as
/// temporary through it count against one process-wide total: a write that would take the
/// total past the limit fails with SQLITE_FULL ("database or disk is full"), and the statement
/// with it. Database files, their journals and WAL are passed through untouched.
const char* bounded_temp_vfs();

/// The most bytes all temporary files may hold together (`options::max_temp_file_bytes`).
void set_temp_file_limit(std::uint64_t bytes);

/// Bytes the temporary files hold now.
std::uint64_t temp_file_bytes();

}  // namespace airsql::sqlite
