// SPDX-License-Identifier: Apache-2.0
// Media types and file names of file cells: detection from content (libmagic) and the rules
// for names and types that clients send.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace airsql::files {

/// How many leading bytes content detection looks at.
inline constexpr std::size_t detection_bytes = 8192;

/// What libmagic makes of the first bytes of a file.
struct detected_type {
    std::string media_type;  ///< e.g. "image/png"; "application/octet-stream" when unknown
    std::string extension;   ///< e.g. "png"; empty when libmagic knows none
};

/// Detects the media type of a file from its first bytes (at most `detection_bytes` are
/// used). Empty input and unknown content are application/octet-stream. libmagic's database
/// is loaded once per process, on first use; calls are serialised (magic handles are not
/// thread-safe). Thread-safe; never throws for bad content.
detected_type detect_media_type(std::string_view head);

/// A client's media type as it will be stored: lower-cased `type/subtype` with optional
/// parameters (`text/plain; charset=utf-8`), or nullopt when it is missing, malformed, longer
/// than 255 bytes, or application/octet-stream (which says nothing: the content is detected
/// instead).
std::optional<std::string> clean_media_type(std::string_view given);

/// A client's file name as it will be stored: the last path component (after `/` or `\`),
/// without control characters, invalid UTF-8 replaced by U+FFFD, trimmed, at most 255 bytes
/// (cut at a character boundary); nullopt when nothing is left or it is `.` or `..`.
std::optional<std::string> clean_file_name(std::string_view given);

}  // namespace airsql::files
