// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>

namespace airsql::core {

/// An exclusive lock on a data directory for the life of one engine. The catalog's caches and
/// the one-writer-per-database rule assume that only this process writes the files, so a
/// second engine (in this or another process) on the same folder is refused.
class data_dir_lock {
public:
    /// Locks `dir/airsql.lock` (created if missing) and writes this process's id into it.
    /// Throws `errc::failed_precondition` naming the holder's pid when the folder is in use,
    /// `errc::unavailable` when the lock file cannot be created.
    explicit data_dir_lock(const std::filesystem::path& dir);
    ~data_dir_lock();
    data_dir_lock(const data_dir_lock&) = delete;
    data_dir_lock& operator=(const data_dir_lock&) = delete;

private:
    int fd_ = -1;
};

}  // namespace airsql::core
