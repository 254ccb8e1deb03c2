// SPDX-License-Identifier: Apache-2.0
// Transport-neutral HTTP request and response. The Beast session converts to and from these,
// so routes compile without Beast and Asio.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace airsql::server {

using header_list = std::vector<std::pair<std::string, std::string>>;

/// Whether `a` and `b` are equal ignoring ASCII case (header names, tokens): no locale.
bool iequals_ascii(std::string_view a, std::string_view b) noexcept;

/// Whether `haystack` contains `needle`, ignoring ASCII case.
bool contains_ascii_ci(std::string_view haystack, std::string_view needle) noexcept;

/// How much an Accept header value wants `media_type` (RFC 9110 12.5.1): the q of the most
/// specific range that matches it (`type/subtype`, else `type/*`, else `*/*` when
/// `wildcards`), 0 when none does; an empty header accepts anything (1 with `wildcards`).
double accept_quality(std::string_view accept, std::string_view media_type, bool wildcards) noexcept;

/// Case-insensitive header lookup; "" when absent.
std::string_view find_header(const header_list& headers, std::string_view name);

struct http_request {
    std::string method;  ///< upper-case, e.g. "GET"
    std::string target;  ///< as sent: path and query, still percent-encoded
    header_list headers;
    std::string body;
    /// For routes registered with `body_to_file`: the body was streamed to this temporary file
    /// (and `body` is empty). The session deletes the file after the response.
    std::filesystem::path body_file;
    /// The peer's IP address as text (e.g. "127.0.0.1", "::1"); empty when unknown. Rate
    /// limits and anonymous quotas count by it.
    std::string client_address;

    std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    header_list headers;  ///< extra headers (Allow, Set-Cookie, Location, …)
    /// When set, the body is this file's contents, sent from disk (`body` is ignored) so large
    /// exports and downloads never sit in memory. Deleted after sending when
    /// `delete_body_file` is true.
    std::filesystem::path body_file;
    bool delete_body_file = false;
};

}  // namespace airsql::server
