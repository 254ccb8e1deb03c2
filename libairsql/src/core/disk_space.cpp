// SPDX-License-Identifier: Apache-2.0
#include "core/disk_space.hpp"

#include <sys/statvfs.h>

#include <fmt/format.h>

#include <limits>

#include "airsql/error.hpp"

namespace airsql::core {

std::uint64_t free_disk_bytes(const std::filesystem::path& dir) {
    struct statvfs st {};
    if (::statvfs(dir.c_str(), &st) != 0) return std::numeric_limits<std::uint64_t>::max();
    return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

void require_disk_space(const std::filesystem::path& dir, std::uint64_t bytes,
                        std::uint64_t reserve) {
    if (reserve == 0) return;
    auto free = free_disk_bytes(dir);
    if (free < reserve || free - reserve < bytes) {
        throw error(errc::resource_exhausted,
                    fmt::format("not enough disk space on the server: {} MiB free, this needs "
                                "{} MiB and {} MiB must stay free",
                                free >> 20, (bytes + (1 << 20) - 1) >> 20, reserve >> 20));
    }
}

}  // namespace airsql::core
