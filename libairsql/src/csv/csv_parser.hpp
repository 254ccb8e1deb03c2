// SPDX-License-Identifier: Apache-2.0
// A streaming CSV parser (RFC 4180 and what real files do besides): it reads a `byte_source`
// chunk by chunk and hands out one record at a time, so memory stays bounded by the longest
// record, never the file.
//
// What it accepts:
//   - fields separated by commas; records ended by CRLF, LF or a lone CR; the last record may
//     lack its line break;
//   - quoted fields ("a, b"), with doubled quotes inside ("say ""hi""") and line breaks inside
//     (kept as they are in the file);
//   - a quote inside an unquoted field is an ordinary character (5" screen);
//   - UTF-8, with or without a byte-order mark; UTF-16 LE or BE, recognised by its byte-order
//     mark or, without one, by the NUL bytes of its ASCII characters, converted to UTF-8 as it
//     streams;
//   - blank lines (no byte between two line breaks) are skipped; a single empty field is
//     written `""`, as Python's csv writer does.
// What it refuses, with `errc::invalid_argument` and a message naming the line:
//   - invalid UTF-8 (or UTF-16 with unpaired surrogates), NUL characters, UTF-32;
//   - a record longer than `max_record_bytes` (default 16 MiB; this caps one field too), or
//     with more than `max_fields` fields;
//   - a record whose field count differs from the first record's (the header), unless
//     `same_field_count` is off: "line 7 has 3 fields, the header has 4";
//   - characters between a closing quote and the next comma or line break; a quoted field
//     still open at the end of the input.
// Line numbers are physical lines of the file, from 1 (the header); a record names the line
// it starts on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "airsql/streams.hpp"

namespace airsql::csv {

/// How the bytes of the source were encoded.
enum class text_encoding { utf8, utf8_bom, utf16le, utf16be };

std::string_view to_string(text_encoding e) noexcept;

struct parse_options {
    /// The longest record, in bytes of its fields' (unquoted, UTF-8) contents. Also the longest
    /// field. The parser's memory is about this much.
    std::size_t max_record_bytes = 16u * 1024 * 1024;
    /// Most fields in one record (SQLite's default column limit).
    std::size_t max_fields = 2000;
    /// Every record must have as many fields as the first one (the header).
    bool same_field_count = true;
    /// The field separator (',' for CSV; ';' and '\t' work too). Never '"', CR or LF.
    char delimiter = ',';
    /// How many bytes are read from the source at a time (tests use tiny chunks to put every
    /// boundary everywhere).
    std::size_t read_chunk_bytes = 256 * 1024;
};

/// One record. The views point into the parser's buffer: valid until the next call to `next`.
struct record {
    std::uint64_t line = 0;    ///< the physical line the record starts on, from 1
    std::uint64_t number = 0;  ///< which record this is, from 1 (the header)
    std::span<const std::string_view> fields;
};

/// Reads records from a source, front to back. Not thread-safe; the source must outlive it.
class parser {
public:
    explicit parser(const byte_source& source, parse_options opts = {});
    ~parser();
    parser(const parser&) = delete;
    parser& operator=(const parser&) = delete;

    /// The next record into `out`; false at the end of the input. Throws `invalid_argument`
    /// for malformed input (the message names the line), `internal` for I/O errors.
    bool next(record& out);

    /// The encoding found at the start of the source (known after the first `next`).
    text_encoding encoding() const noexcept;

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// Calls `on_record(const record&)` for every record, header included, in order; stops early
/// when it returns false (if it returns bool). Errors as for `parser::next`.
template <class F>
void for_each_record(const byte_source& source, const parse_options& opts, F&& on_record) {
    parser p(source, opts);
    record r;
    while (p.next(r)) {
        if constexpr (std::is_same_v<decltype(on_record(r)), bool>) {
            if (!on_record(r)) return;
        } else {
            on_record(r);
        }
    }
}

}  // namespace airsql::csv
