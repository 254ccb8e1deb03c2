// SPDX-License-Identifier: Apache-2.0
// An app's uploaded bundle (a zip, or one HTML file) read into checked files, with libarchive.
// Every refusal is an `error`: `payload_too_large` for the size limits (bombs included),
// `invalid_argument` for everything else (unsafe names, symlinks, duplicates, no index.html,
// not a zip or HTML). Nothing is written anywhere: the caller gets the files' bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace airsql::apps {

struct bundle_limits {
    std::uint64_t max_bundle_bytes = 20ull * 1024 * 1024;  ///< the upload itself
    std::uint64_t max_unpacked_bytes = 100ull * 1024 * 1024;
    std::size_t max_files = 1000;
    std::uint64_t max_file_bytes = 20ull * 1024 * 1024;
    std::uint64_t max_ratio = 100;                  ///< unpacked / packed
    std::uint64_t ratio_floor_bytes = 1024 * 1024;  ///< the ratio applies above this many bytes
};

/// Longest path of a file in a bundle, in bytes, and most folders deep.
inline constexpr std::size_t max_path_bytes = 512;
inline constexpr std::size_t max_path_depth = 32;

/// Whether `path` is a safe relative file path for a bundle: UTF-8, segments separated by
/// '/', none empty, ".", "..", or starting with '~' (the first segment: reserved for the
/// server's asset links), no backslash, ':', NUL or control characters, at most
/// max_path_bytes and max_path_depth. Returns the reason when not.
std::string path_problem(std::string_view path);

/// One file of a bundle, handed to the sink in order. `path` is relative (checked with
/// path_problem), `bytes` its whole content.
using bundle_sink = std::function<void(const std::string& path, std::string_view bytes)>;

/// What a bundle held.
struct bundle_summary {
    std::size_t files = 0;
    std::uint64_t unpacked_bytes = 0;
    bool zip = false;
};

/// Reads `bytes`: a zip (starts with "PK") is unpacked, limits checked on the bytes actually
/// produced (not the sizes the zip claims); if every file sits in one top folder and there is
/// no index.html at the top, that folder is taken away. Anything else must be one HTML file
/// (UTF-8 text without NUL), stored as index.html. The bundle must have an index.html. Names,
/// types and duplicates are checked for every entry before any file reaches `sink`; sizes are
/// counted while unpacking, so on a size refusal the sink has had some files: the caller
/// discards them.
bundle_summary read_bundle(std::string_view bytes, const bundle_limits& limits,
                           const bundle_sink& sink);

}  // namespace airsql::apps
