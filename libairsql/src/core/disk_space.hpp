// SPDX-License-Identifier: Apache-2.0
// A guard against filling the disk: files the engine writes for a request (uploads, staged
// databases, snapshots, exports) must leave `options::min_free_disk_bytes` free.
#pragma once

#include <cstdint>
#include <filesystem>

namespace airsql::core {

/// Bytes free for unprivileged writers on the file system of `dir`; nullopt when unknown.
std::uint64_t free_disk_bytes(const std::filesystem::path& dir);

/// `resource_exhausted` (507) unless writing `bytes` more into `dir` leaves at least
/// `reserve` bytes free. A `reserve` of 0 turns the check off.
void require_disk_space(const std::filesystem::path& dir, std::uint64_t bytes,
                        std::uint64_t reserve);

}  // namespace airsql::core
