// SPDX-License-Identifier: Apache-2.0
#include "multipart.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "http_types.hpp"

namespace airsql::server {

namespace {

[[noreturn]] void bad(std::string_view message) {
    throw error(errc::invalid_argument, fmt::format("invalid multipart/form-data body: {}", message));
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Header parameters: `type; a=b; c="d \"e\""`. Calls fn(name, value) for each parameter.
template <class Fn>
void for_each_parameter(std::string_view value, Fn fn) {
    auto semicolon = value.find(';');
    if (semicolon == std::string_view::npos) return;
    std::string_view rest = value.substr(semicolon + 1);
    while (!rest.empty()) {
        rest = trim(rest);
        auto eq = rest.find('=');
        if (eq == std::string_view::npos) return;
        auto name = trim(rest.substr(0, eq));
        rest = trim(rest.substr(eq + 1));
        std::string val;
        if (!rest.empty() && rest.front() == '"') {
            std::size_t i = 1;
            bool closed = false;
            for (; i < rest.size(); ++i) {
                if (rest[i] == '\\' && i + 1 < rest.size()) {
                    val.push_back(rest[++i]);
                } else if (rest[i] == '"') {
                    closed = true;
                    ++i;
                    break;
                } else {
                    val.push_back(rest[i]);
                }
            }
            if (!closed) bad("an unterminated quoted string in a header");
            rest = rest.substr(i);
            auto next = rest.find(';');
            rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
        } else {
            auto next = rest.find(';');
            val = std::string(trim(rest.substr(0, next)));
            rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
        }
        fn(name, std::move(val));
    }
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 5987 ext-value: charset'lang'percent-encoded. Only UTF-8 (and ASCII) are taken.
std::optional<std::string> decode_ext_value(std::string_view v) {
    auto first = v.find('\'');
    if (first == std::string_view::npos) return std::nullopt;
    auto second = v.find('\'', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    auto charset = v.substr(0, first);
    if (!iequals_ascii(charset, "utf-8") && !iequals_ascii(charset, "us-ascii")) return std::nullopt;
    std::string out;
    auto enc = v.substr(second + 1);
    for (std::size_t i = 0; i < enc.size(); ++i) {
        if (enc[i] == '%') {
            if (i + 2 >= enc.size()) return std::nullopt;
            int hi = hex_value(enc[i + 1]);
            int lo = hex_value(enc[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else {
            out.push_back(enc[i]);
        }
    }
    return out;
}

// Random access to a byte_source.
class source_view {
public:
    explicit source_view(const byte_source& s) : s_(s) {
        if (!s.file.empty()) {
            fd_ = ::open(s.file.c_str(), O_RDONLY | O_CLOEXEC);
            if (fd_ < 0) {
                throw error(errc::internal, fmt::format("cannot open {}: {}", s.file.string(),
                                                        std::strerror(errno)));
            }
        }
    }
    ~source_view() {
        if (fd_ >= 0) ::close(fd_);
    }
    source_view(const source_view&) = delete;
    source_view& operator=(const source_view&) = delete;

    std::uint64_t size() const { return s_.size(); }

    // Bytes [pos, pos + n) clipped to the end, appended to `out`.
    void read(std::uint64_t pos, std::size_t n, std::string& out) const {
        if (pos >= size()) return;
        n = static_cast<std::size_t>(std::min<std::uint64_t>(n, size() - pos));
        if (fd_ < 0) {
            out.append(s_.memory.substr(static_cast<std::size_t>(pos), n));
            return;
        }
        auto start = out.size();
        out.resize(start + n);
        std::size_t done = 0;
        while (done < n) {
            auto r = ::pread(fd_, out.data() + start + done, n - done,
                             static_cast<off_t>(s_.offset + pos + done));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) throw error(errc::internal, "cannot read the request body");
            done += static_cast<std::size_t>(r);
        }
    }

private:
    const byte_source& s_;
    int fd_ = -1;
};

constexpr std::size_t chunk_bytes = 256 * 1024;

// The position of the next `needle` at or after `pos`, or npos; reads in chunks.
std::uint64_t find_from(const source_view& src, std::uint64_t pos, std::string_view needle) {
    constexpr auto npos = std::string::npos;
    std::string window;
    while (pos < src.size()) {
        window.clear();
        src.read(pos, chunk_bytes + needle.size() - 1, window);
        auto at = window.find(needle);
        if (at != npos) return pos + at;
        if (window.size() < needle.size()) return npos;
        if (window.size() < chunk_bytes + needle.size() - 1) return npos;  // reached the end
        pos += window.size() - (needle.size() - 1);
    }
    return npos;
}

}  // namespace

bool is_multipart_form_data(std::string_view content_type) {
    auto type = trim(content_type.substr(0, content_type.find(';')));
    return iequals_ascii(type, "multipart/form-data");
}

std::string multipart_boundary(std::string_view content_type) {
    if (!is_multipart_form_data(content_type)) {
        throw error(errc::invalid_argument, "expected a multipart/form-data request body");
    }
    std::string boundary;
    for_each_parameter(content_type, [&](std::string_view name, std::string value) {
        if (iequals_ascii(name, "boundary")) boundary = std::move(value);
    });
    if (boundary.empty()) bad("the Content-Type has no boundary parameter");
    if (boundary.size() > 70) bad("the boundary is longer than 70 characters");
    for (unsigned char c : boundary) {
        if (c < 0x20 || c > 0x7e) bad("the boundary contains a control or non-ASCII character");
    }
    return boundary;
}

std::vector<multipart_part> parse_multipart(const byte_source& body, std::string_view boundary,
                                            const multipart_limits& limits) {
    source_view src(body);
    const std::string dash_boundary = fmt::format("--{}", boundary);
    const std::string delimiter = fmt::format("\r\n--{}", boundary);

    // The first boundary: at the very start, or after a preamble (which ends with CRLF).
    std::uint64_t pos;
    std::string head;
    src.read(0, dash_boundary.size(), head);
    if (head == dash_boundary) {
        pos = dash_boundary.size();
    } else {
        auto at = find_from(src, 0, delimiter);
        if (at == std::string::npos) bad("the body does not contain the boundary");
        pos = at + delimiter.size();
    }

    std::vector<multipart_part> parts;
    for (;;) {
        // After a boundary: "--" closes; else optional whitespace, then CRLF and a part.
        std::string after;
        src.read(pos, 2, after);
        if (after == "--") return parts;
        std::string pad;
        src.read(pos, 256, pad);
        std::size_t skip = 0;
        while (skip < pad.size() && (pad[skip] == ' ' || pad[skip] == '\t')) ++skip;
        if (pad.compare(skip, 2, "\r\n") != 0) {
            if (pos + skip >= src.size()) bad("the body ends before the closing boundary (truncated?)");
            bad("a boundary is not followed by a line break");
        }
        pos += skip + 2;
        if (parts.size() == limits.max_parts) {
            bad(fmt::format("more than {} parts", limits.max_parts));
        }

        // Part headers, up to an empty line.
        std::string headers;
        src.read(pos, limits.max_part_header_bytes + 4, headers);
        std::size_t end;
        if (headers.compare(0, 2, "\r\n") == 0) {
            end = 0;  // no headers at all
        } else {
            end = headers.find("\r\n\r\n");
            if (end == std::string::npos) {
                if (headers.size() > limits.max_part_header_bytes) {
                    bad(fmt::format("a part's headers are larger than {} bytes",
                                    limits.max_part_header_bytes));
                }
                bad("the body ends inside a part's headers (truncated?)");
            }
            end += 2;
        }
        multipart_part part;
        bool disposition = false;
        std::string_view lines(headers.data(), end);
        while (!lines.empty()) {
            auto eol = lines.find("\r\n");
            auto line = lines.substr(0, eol);
            lines.remove_prefix(eol == std::string_view::npos ? lines.size() : eol + 2);
            auto colon = line.find(':');
            if (colon == std::string_view::npos) bad("a part header line has no colon");
            auto name = trim(line.substr(0, colon));
            auto value = trim(line.substr(colon + 1));
            if (iequals_ascii(name, "content-disposition")) {
                auto type = trim(value.substr(0, value.find(';')));
                if (!iequals_ascii(type, "form-data")) bad("a part's Content-Disposition is not form-data");
                disposition = true;
                std::optional<std::string> extended;
                for_each_parameter(value, [&](std::string_view pname, std::string pvalue) {
                    if (iequals_ascii(pname, "name")) {
                        part.name = std::move(pvalue);
                    } else if (iequals_ascii(pname, "filename")) {
                        part.file_name = std::move(pvalue);
                        part.has_file_name = true;
                    } else if (iequals_ascii(pname, "filename*")) {
                        extended = decode_ext_value(pvalue);
                    }
                });
                if (extended) {
                    part.file_name = std::move(*extended);
                    part.has_file_name = true;
                }
            } else if (iequals_ascii(name, "content-type")) {
                part.content_type = std::string(value);
            }
        }
        if (!disposition) bad("a part has no Content-Disposition header");
        pos += end + 2;

        auto next = find_from(src, pos, delimiter);
        if (next == std::string::npos) bad("the body ends before the closing boundary (truncated?)");
        part.offset = pos;
        part.length = next - pos;
        parts.push_back(std::move(part));
        pos = next + delimiter.size();
    }
}

byte_source part_source(const byte_source& body, const multipart_part& part) {
    byte_source out;
    if (body.file.empty()) {
        out.memory = body.memory.substr(static_cast<std::size_t>(part.offset),
                                        static_cast<std::size_t>(part.length));
    } else {
        out.file = body.file;
        out.offset = body.offset + part.offset;
        out.length = part.length;
    }
    out.file_name = part.file_name;
    out.media_type = part.content_type;
    return out;
}

}  // namespace airsql::server
