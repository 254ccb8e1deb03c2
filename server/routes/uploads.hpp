// SPDX-License-Identifier: Apache-2.0
// The uploaded file of a request, for routes registered with route_body::to_file.
#pragma once

#include <map>
#include <string>

#include "airsql/streams.hpp"
#include "router.hpp"

namespace airsql::server {

/// An upload: the file and the small form fields that came with it.
struct upload {
    byte_source file;
    std::map<std::string, std::string> fields;  ///< other form parts (name → value)
};

/// A multipart/form-data body's single file part (the part named `file`, else the only part
/// with a filename) and its other fields (each at most 4 KiB); or, for any other Content-Type,
/// the whole body, named by `?filename=` and typed by its Content-Type. `invalid_argument` for
/// no file or more than one.
upload read_upload(const route_context& c);

/// `attachment; filename="…"` for a download (RFC 6266), the name in printable ASCII (other
/// bytes, quotes and backslashes as "_"), plus `filename*=UTF-8''…` (RFC 8187) when the name
/// has bytes other than attr-chars.
std::string content_disposition(std::string_view file_name);

}  // namespace airsql::server
