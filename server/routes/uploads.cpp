// SPDX-License-Identifier: Apache-2.0
#include "routes/uploads.hpp"

#include <fmt/format.h>

#include "airsql/error.hpp"
#include "multipart.hpp"

namespace airsql::server {

namespace {
constexpr std::size_t max_field_bytes = 4096;

byte_source whole_body(const route_context& c) {
    if (!c.req.body_file.empty()) return byte_source::from_file(c.req.body_file);
    return byte_source::from_memory(c.req.body);
}
}  // namespace

upload read_upload(const route_context& c) {
    upload out;
    auto body = whole_body(c);
    auto content_type = std::string(c.req.header("Content-Type"));
    if (!is_multipart_form_data(content_type)) {
        out.file = body;
        out.file.file_name = c.query("filename").value_or("");
        out.file.media_type = content_type;
        return out;
    }
    auto parts = parse_multipart(body, multipart_boundary(content_type));
    const multipart_part* file = nullptr;
    for (const auto& p : parts) {
        if (p.name == "file") {
            if (file && file->name == "file") {
                throw error(errc::invalid_argument, "the form has more than one part named \"file\"");
            }
            file = &p;
        }
    }
    if (!file) {
        for (const auto& p : parts) {
            if (!p.has_file_name) continue;
            if (file) {
                throw error(errc::invalid_argument,
                            "the form has more than one file; send one, in a part named \"file\"");
            }
            file = &p;
        }
    }
    if (!file) {
        throw error(errc::invalid_argument, "the form has no file (a part named \"file\")");
    }
    for (const auto& p : parts) {
        if (&p == file) continue;
        if (p.length > max_field_bytes) {
            throw error(errc::invalid_argument,
                        fmt::format("the form field \"{}\" is longer than {} bytes", p.name,
                                    max_field_bytes));
        }
        byte_source field = part_source(body, p);
        byte_reader reader(field);
        std::string value(static_cast<std::size_t>(p.length), '\0');
        std::size_t got = 0;
        while (got < value.size()) {
            auto n = reader.read(value.data() + got, value.size() - got);
            if (n == 0) break;
            got += n;
        }
        out.fields[p.name] = std::move(value);
    }
    out.file = part_source(body, *file);
    return out;
}

std::string content_disposition(std::string_view file_name) {
    std::string ascii;    // the quoted filename: printable ASCII, other bytes as "_"
    std::string encoded;  // filename*: RFC 8187 attr-chars, other bytes percent-encoded
    bool plain = true;    // every byte an attr-char: filename alone says it all
    for (unsigned char c : file_name) {
        bool printable = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
        ascii.push_back(printable ? static_cast<char>(c) : '_');
        bool attr_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                         std::string_view("!#$&+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
        if (attr_char) {
            encoded.push_back(static_cast<char>(c));
        } else {
            plain = false;
            encoded += fmt::format("%{:02X}", c);
        }
    }
    if (ascii.empty()) ascii = "download";
    auto value = fmt::format("attachment; filename=\"{}\"", ascii);
    if (!plain) value += "; filename*=UTF-8''" + encoded;
    return value;
}

}  // namespace airsql::server
