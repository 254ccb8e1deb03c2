// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the streaming CSV parser. Any bytes either parse or raise
// invalid_argument with a well-formed UTF-8 message (it ends up in a JSON body). Records keep
// the parser's promises: fields are UTF-8 without NUL, within the record and field caps, the
// same count as the header, lines never go backwards. And the result does not depend on how
// the input is cut into reads: the same bytes read a few bytes at a time give the same records
// or the same error; parsed UTF-8 re-encoded as UTF-16 (LE or BE, with a byte-order mark)
// gives the same records.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/error.hpp"
#include "csv/csv_parser.hpp"
#include "utf8_check.hpp"

namespace {

using airsql::csv::parse_options;
using airsql::csv::text_encoding;

struct outcome {
    std::vector<std::vector<std::string>> records;
    std::vector<std::uint64_t> lines;
    std::string error;  // empty when the input parsed
    text_encoding encoding = text_encoding::utf8;
    bool operator==(const outcome&) const = default;
};

[[noreturn]] void fail(const char* what) {
    std::fputs(what, stderr);
    std::fputc('\n', stderr);
    __builtin_trap();
}

outcome run(std::string_view bytes, const parse_options& opts) {
    outcome out;
    auto source = airsql::byte_source::from_memory(bytes);
    try {
        airsql::csv::parser p(source, opts);
        airsql::csv::record r;
        std::uint64_t last_line = 0;
        std::size_t header_fields = 0;
        while (p.next(r)) {
            if (r.number != out.records.size() + 1) fail("record numbers must count from 1");
            if (r.line <= last_line && last_line != 0) fail("lines must increase");
            last_line = r.line;
            if (r.fields.empty() || r.fields.size() > opts.max_fields) fail("field count");
            if (r.number == 1) header_fields = r.fields.size();
            if (opts.same_field_count && r.fields.size() != header_fields) fail("ragged record");
            std::size_t bytes_in_record = 0;
            std::vector<std::string> fields;
            for (auto f : r.fields) {
                bytes_in_record += f.size();
                if (!airsql::fuzz::is_utf8(f)) fail("a field is not UTF-8");
                if (f.find('\0') != std::string_view::npos) fail("a field holds a NUL");
                fields.emplace_back(f);
            }
            if (bytes_in_record > opts.max_record_bytes) fail("record over the cap");
            out.records.push_back(std::move(fields));
            out.lines.push_back(r.line);
        }
        out.encoding = p.encoding();
    } catch (const airsql::error& e) {
        if (e.code() != airsql::errc::invalid_argument) fail("an error other than invalid_argument");
        out.error = e.what();
        if (out.error.empty() || !airsql::fuzz::is_utf8(out.error)) fail("bad error message");
        out.records.clear();
        out.lines.clear();
    } catch (const std::exception& e) {
        std::fputs(e.what(), stderr);
        fail("an exception other than airsql::error");
    }
    return out;
}

void put_utf16(std::string& out, std::uint32_t unit, bool le) {
    auto lo = static_cast<char>(unit & 0xFF);
    auto hi = static_cast<char>(unit >> 8);
    out += le ? lo : hi;
    out += le ? hi : lo;
}

// Valid UTF-8 (without a BOM) as UTF-16 with a BOM.
std::string to_utf16(std::string_view s, bool le) {
    std::string out;
    put_utf16(out, 0xFEFF, le);
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::uint32_t cp = 0;
        std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        i += n;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            put_utf16(out, 0xD800 + (cp >> 10), le);
            put_utf16(out, 0xDC00 + (cp & 0x3FF), le);
        } else {
            put_utf16(out, cp, le);
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    // The first byte picks the options; the rest is the file.
    const std::uint8_t knobs = data[0];
    const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);

    parse_options opts;
    opts.same_field_count = (knobs & 1) == 0;
    opts.delimiter = (knobs & 2) ? ';' : ',';
    if (knobs & 4) {
        opts.max_record_bytes = 24;
        opts.max_fields = 6;
    }
    auto whole = run(bytes, opts);

    // The same bytes read 1 to 8 bytes at a time.
    auto chunked_opts = opts;
    chunked_opts.read_chunk_bytes = 1 + ((knobs >> 3) & 7);
    if (run(bytes, chunked_opts) != whole) fail("the result depends on the read size");

    // Parsed UTF-8 re-encoded as UTF-16 parses to the same records.
    if (whole.error.empty() && whole.encoding == text_encoding::utf8 && !bytes.empty()) {
        for (bool le : {true, false}) {
            auto again = run(to_utf16(bytes, le), chunked_opts);
            if (!again.error.empty() || again.records != whole.records || again.lines != whole.lines) {
                fail("UTF-16 parses differently from UTF-8");
            }
        }
    }
    return 0;
}
