// SPDX-License-Identifier: Apache-2.0
// multipart/form-data (RFC 7578 over RFC 2046's multipart syntax), parsed in place: parts are
// located as byte ranges of the body, which may be a file of any size. Memory stays bounded
// by the limits whatever the body's size. Plain C++ (no Beast): fuzzed by multipart_fuzz.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/streams.hpp"

namespace airsql::server {

struct multipart_part {
    std::string name;          ///< Content-Disposition's `name`
    std::string file_name;     ///< `filename` (or the UTF-8 of `filename*`); empty when none
    std::string content_type;  ///< the part's Content-Type; empty when none
    bool has_file_name = false;
    std::uint64_t offset = 0;  ///< where the content starts, relative to the body
    std::uint64_t length = 0;
};

struct multipart_limits {
    std::size_t max_parts = 16;
    std::size_t max_part_header_bytes = 8 * 1024;
};

/// The `boundary` parameter of a `multipart/form-data` Content-Type; `invalid_argument` when the
/// type is not multipart/form-data or the boundary is missing or invalid (RFC 2046: 1–70
/// characters).
std::string multipart_boundary(std::string_view content_type);

/// Whether the Content-Type names multipart/form-data.
bool is_multipart_form_data(std::string_view content_type);

/// Locates the parts of `body`. `invalid_argument` with a clear message for a missing first
/// boundary, a truncated body (no closing delimiter), malformed or oversized part headers and
/// too many parts.
std::vector<multipart_part> parse_multipart(const byte_source& body, std::string_view boundary,
                                            const multipart_limits& limits = {});

/// The content of one part as a source (a range of the same file, or of the same memory),
/// carrying the part's file name and media type.
byte_source part_source(const byte_source& body, const multipart_part& part);

}  // namespace airsql::server
