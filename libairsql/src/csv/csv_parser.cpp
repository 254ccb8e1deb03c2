// SPDX-License-Identifier: Apache-2.0
#include "csv/csv_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <tuple>

#include "airsql/error.hpp"
#include "json/utf8.hpp"

namespace airsql::csv {

std::string_view to_string(text_encoding e) noexcept {
    switch (e) {
        case text_encoding::utf8:
            return "UTF-8";
        case text_encoding::utf8_bom:
            return "UTF-8 with a byte-order mark";
        case text_encoding::utf16le:
            return "UTF-16 LE";
        case text_encoding::utf16be:
            return "UTF-16 BE";
    }
    return "UTF-8";
}

namespace {

// How much of the start of a source encoding detection looks at.
constexpr std::size_t detect_bytes = 4096;

[[noreturn]] void bad_input(std::string message) {
    throw error(errc::invalid_argument, std::move(message));
}

std::string plural(std::size_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

// Line breaks in `s`: each CR, and each LF not right after a CR.
std::uint64_t line_breaks(std::string_view s) {
    std::uint64_t n = 0;
    char prev = 0;
    for (char c : s) {
        if (c == '\r' || (c == '\n' && prev != '\r')) ++n;
        prev = c;
    }
    return n;
}

// Which encoding the first bytes of a source are in, and how many of them are a byte-order mark.
std::pair<text_encoding, std::size_t> detect(const unsigned char* b, std::size_t n) {
    if (n >= 4 && ((b[0] == 0xFF && b[1] == 0xFE && b[2] == 0 && b[3] == 0) ||
                   (b[0] == 0 && b[1] == 0 && b[2] == 0xFE && b[3] == 0xFF))) {
        bad_input("the file is UTF-32, which is not supported; save it as UTF-8 (or UTF-16)");
    }
    if (n >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) return {text_encoding::utf8_bom, 3};
    if (n >= 2 && b[0] == 0xFF && b[1] == 0xFE) return {text_encoding::utf16le, 2};
    if (n >= 2 && b[0] == 0xFE && b[1] == 0xFF) return {text_encoding::utf16be, 2};
    // No byte-order mark: UTF-16 CSV has a NUL byte in the code unit of every ASCII character
    // (commas, digits, line breaks: many), mostly on the same side (the other side's NULs come
    // from characters like U+0100 or the low half of surrogates); UTF-8 text has none.
    std::size_t pairs = std::min<std::size_t>(n, detect_bytes) / 2;
    std::size_t zero_even = 0;
    std::size_t zero_odd = 0;
    for (std::size_t i = 0; i < pairs; ++i) {
        zero_even += b[2 * i] == 0;
        zero_odd += b[2 * i + 1] == 0;
    }
    if (pairs > 0 && zero_odd * 4 >= pairs && zero_even * 2 < zero_odd) {
        return {text_encoding::utf16le, 0};
    }
    if (pairs > 0 && zero_even * 4 >= pairs && zero_odd * 2 < zero_even) {
        return {text_encoding::utf16be, 0};
    }
    return {text_encoding::utf8, 0};
}

// Bytes that end an unquoted field.
std::array<bool, 256> specials_for(char delimiter) {
    std::array<bool, 256> t{};
    t[static_cast<unsigned char>(delimiter)] = true;
    t['\r'] = true;
    t['\n'] = true;
    return t;
}

}  // namespace

struct parser::impl {
    impl(const byte_source& source, parse_options o)
        : reader(source), opts(o), specials(specials_for(o.delimiter)) {
        if (opts.delimiter == '"' || opts.delimiter == '\r' || opts.delimiter == '\n') {
            throw error(errc::invalid_argument, "the CSV delimiter cannot be a quote or a line break");
        }
        // Reads of at most the source's size (small sources, small buffers); the first read
        // holds what encoding detection looks at, whatever the chunk size.
        opts.read_chunk_bytes = static_cast<std::size_t>(std::clamp<std::uint64_t>(
            source.size(), 1, std::max<std::size_t>(opts.read_chunk_bytes, 1)));
        raw_size = std::max(opts.read_chunk_bytes, detect_bytes);
        raw = std::make_unique_for_overwrite<char[]>(raw_size);
    }

    byte_reader reader;
    parse_options opts;
    std::array<bool, 256> specials;

    // ---- input: raw chunks, decoded to UTF-8 when the source is UTF-16 ----
    std::unique_ptr<char[]> raw;
    std::size_t raw_size = 0;
    std::string decoded;
    const char* pos = nullptr;
    const char* end = nullptr;
    bool started = false;
    text_encoding encoding = text_encoding::utf8;
    int carry_byte = -1;           // the first byte of a UTF-16 code unit split between chunks
    std::uint32_t high_surrogate = 0;
    std::uint64_t decoded_line = 1;  // for UTF-16 errors: the line being decoded
    bool decoded_prev_cr = false;

    // ---- the CSV state machine ----
    enum class state { field_start, unquoted, quoted, quote_seen };
    state st = state::field_start;
    bool skip_lf = false;            // a record ended with CR: a following LF belongs to it
    bool record_has_bytes = false;   // anything of the current record seen (blank lines: no)
    bool discarding = false;         // fields past the header's count: counted, not kept
    bool quoted_prev_cr = false;     // line counting inside quoted fields
    std::uint64_t line = 1;          // physical line at the scan position
    std::uint64_t record_line = 1;   // line the current record started on
    std::uint64_t quote_line = 1;    // line the open quoted field started on
    std::uint64_t done_line = 1;     // line of the record just completed
    std::uint64_t records = 0;
    std::size_t field_count = 0;
    std::size_t expected = 0;        // the header's field count
    bool finished = false;

    std::string buf;                 // the current record's field contents, back to back
    std::vector<std::size_t> ends;   // where each kept field ends in buf
    std::vector<std::string_view> views;

    std::size_t read_full(char* into, std::size_t capacity) {
        std::size_t total = 0;
        while (total < capacity) {
            auto n = reader.read(into + total, capacity - total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    // The next chunk of UTF-8 into [pos, end); false at the end of the input.
    bool fill() {
        auto n = read_full(raw.get(), started ? opts.read_chunk_bytes : raw_size);
        auto* bytes = reinterpret_cast<const unsigned char*>(raw.get());
        std::size_t skip = 0;
        if (!started) {
            started = true;
            std::tie(encoding, skip) = detect(bytes, n);
        }
        if (encoding == text_encoding::utf16le || encoding == text_encoding::utf16be) {
            if (n == 0) {
                if (carry_byte >= 0) {
                    bad_input(fmt::format("line {}: the file ends in the middle of a UTF-16 "
                                          "character (an odd number of bytes)",
                                          decoded_line));
                }
                if (high_surrogate != 0) unpaired(high_surrogate);
                return false;
            }
            decode_utf16(bytes + skip, n - skip);
            pos = decoded.data();
            end = decoded.data() + decoded.size();
            return true;
        }
        if (n == 0) return false;
        pos = raw.get() + skip;
        end = raw.get() + n;
        return true;
    }

    [[noreturn]] void unpaired(std::uint32_t unit) const {
        bad_input(fmt::format("line {}: the file is not valid UTF-16 (an unpaired surrogate "
                              "U+{:04X})",
                              decoded_line, unit));
    }

    void put_code_point(std::uint32_t cp) {
        if (cp < 0x80) {
            decoded.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            decoded.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            decoded.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            decoded.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            decoded.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            decoded.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            decoded.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            decoded.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            decoded.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            decoded.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    void put_unit(std::uint32_t u) {
        if (high_surrogate != 0) {
            if (u < 0xDC00 || u > 0xDFFF) unpaired(high_surrogate);
            put_code_point(0x10000 + ((high_surrogate - 0xD800) << 10) + (u - 0xDC00));
            high_surrogate = 0;
            decoded_prev_cr = false;
            return;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            high_surrogate = u;
            return;
        }
        if (u >= 0xDC00 && u <= 0xDFFF) unpaired(u);
        if (u == '\r' || (u == '\n' && !decoded_prev_cr)) ++decoded_line;
        decoded_prev_cr = u == '\r';
        put_code_point(u);
    }

    void decode_utf16(const unsigned char* in, std::size_t n) {
        const bool le = encoding == text_encoding::utf16le;
        auto unit = [le](unsigned char a, unsigned char b) -> std::uint32_t {
            return le ? (a | (b << 8)) : ((a << 8) | b);
        };
        decoded.clear();
        decoded.reserve(n * 3 / 2 + 4);
        std::size_t i = 0;
        if (carry_byte >= 0 && n > 0) {
            put_unit(unit(static_cast<unsigned char>(carry_byte), in[0]));
            carry_byte = -1;
            i = 1;
        }
        for (; i + 1 < n; i += 2) put_unit(unit(in[i], in[i + 1]));
        if (i < n) carry_byte = in[i];
    }

    // ---- records ----

    void append(const char* data, std::size_t n) {
        if (discarding || n == 0) return;
        if (buf.size() + n > opts.max_record_bytes) {
            bad_input(fmt::format("line {}: the record is longer than {} bytes, the limit for "
                                  "one record (is a closing quote missing?)",
                                  record_line, opts.max_record_bytes));
        }
        buf.append(data, n);
    }

    void end_field() {
        ++field_count;
        if (discarding) return;
        if (expected == 0 && field_count > opts.max_fields) {
            bad_input(fmt::format("line {} has more than {} fields, the most a record may have",
                                  record_line, opts.max_fields));
        }
        ends.push_back(buf.size());
        // Past the header's count, fields are only counted (for the error message).
        if (expected != 0 && field_count >= expected) discarding = true;
    }

    void count_quoted_lines(const char* p, const char* stop) {
        if (p == stop) return;
        auto n = static_cast<std::size_t>(stop - p);
        if (std::memchr(p, '\r', n) == nullptr) {
            auto lf = static_cast<std::uint64_t>(std::count(p, stop, '\n'));
            if (quoted_prev_cr && *p == '\n') --lf;
            line += lf;
            quoted_prev_cr = false;
            return;
        }
        for (; p < stop; ++p) {
            if (*p == '\r' || (*p == '\n' && !quoted_prev_cr)) ++line;
            quoted_prev_cr = *p == '\r';
        }
    }

    // A record ended at a line break just consumed (line already counted).
    void end_record() {
        done_line = record_line;
        record_line = line;
        st = state::field_start;
    }

    // Scans [pos, end) until a record is complete (true) or the chunk is used up (false).
    bool scan() {
        const char* p = pos;
        const char* e = end;
        const char delim = opts.delimiter;
        while (p < e) {
            if (skip_lf) {
                skip_lf = false;
                if (*p == '\n') {
                    ++p;
                    continue;
                }
            }
            switch (st) {
                case state::field_start:
                    if (*p == '"') {
                        ++p;
                        st = state::quoted;
                        record_has_bytes = true;
                        quote_line = line;
                        quoted_prev_cr = false;
                        continue;
                    }
                    st = state::unquoted;
                    [[fallthrough]];
                case state::unquoted: {
                    const char* q = p;
                    while (q < e && !specials[static_cast<unsigned char>(*q)]) ++q;
                    if (q != p) {
                        append(p, static_cast<std::size_t>(q - p));
                        record_has_bytes = true;
                    }
                    p = q;
                    if (p == e) break;
                    char c = *p++;
                    if (c == delim) {
                        end_field();
                        record_has_bytes = true;
                        st = state::field_start;
                        continue;
                    }
                    if (c == '\r') skip_lf = true;
                    ++line;
                    if (!record_has_bytes) {  // a blank line
                        record_line = line;
                        st = state::field_start;
                        continue;
                    }
                    end_field();
                    end_record();
                    pos = p;
                    return true;
                }
                case state::quoted: {
                    const auto* q = static_cast<const char*>(
                        std::memchr(p, '"', static_cast<std::size_t>(e - p)));
                    const char* stop = q ? q : e;
                    count_quoted_lines(p, stop);
                    append(p, static_cast<std::size_t>(stop - p));
                    p = stop;
                    if (p == e) break;
                    ++p;
                    st = state::quote_seen;
                    continue;
                }
                case state::quote_seen: {
                    char c = *p++;
                    if (c == '"') {
                        append("\"", 1);
                        quoted_prev_cr = false;
                        st = state::quoted;
                        continue;
                    }
                    if (c == delim) {
                        end_field();
                        st = state::field_start;
                        continue;
                    }
                    if (c == '\r' || c == '\n') {
                        if (c == '\r') skip_lf = true;
                        ++line;
                        end_field();
                        end_record();
                        pos = p;
                        return true;
                    }
                    bad_input(fmt::format(
                        "line {}: unexpected text after the closing quote of a field (a quote "
                        "inside a quoted field is written as two quotes: \"\")",
                        line));
                }
            }
        }
        pos = p;
        return false;
    }

    // The input ended: completes the last record if there is one.
    bool finish() {
        finished = true;
        if (st == state::quoted) {
            bad_input(fmt::format("line {}: a quoted field is not closed (its opening quote is "
                                  "on line {})",
                                  line, quote_line));
        }
        if (!record_has_bytes) return false;
        end_field();
        done_line = record_line;
        return true;
    }

    void check_text() const {
        if (std::memchr(buf.data(), '\0', buf.size()) != nullptr) {
            auto at = buf.find('\0');
            bad_input(fmt::format("line {}: the file contains a NUL character (is it a binary "
                                  "file, or UTF-16 without a byte-order mark?)",
                                  done_line + line_breaks(std::string_view(buf).substr(0, at))));
        }
        std::size_t begin = 0;
        for (auto stop : ends) {
            std::string_view field(buf.data() + begin, stop - begin);
            auto bad = json::first_invalid_utf8(field);
            if (bad != field.size()) {
                auto offset = begin + bad;
                bad_input(fmt::format(
                    "line {}: the file is not valid UTF-8 (byte 0x{:02X}); save it as UTF-8",
                    done_line + line_breaks(std::string_view(buf).substr(0, offset)),
                    static_cast<unsigned char>(buf[offset])));
            }
            begin = stop;
        }
    }

    bool next(record& out) {
        if (finished) return false;
        buf.clear();
        ends.clear();
        field_count = 0;
        discarding = false;
        record_has_bytes = false;
        for (;;) {
            if (pos != end && scan()) break;
            if (!fill()) {
                if (!finish()) return false;
                break;
            }
        }
        ++records;
        check_text();
        if (opts.same_field_count) {
            if (records == 1) {
                expected = field_count;
            } else if (field_count != expected) {
                bad_input(fmt::format("line {} has {}, the header has {}", done_line,
                                      plural(field_count, "field", "fields"), expected));
            }
        }
        views.clear();
        std::size_t begin = 0;
        for (auto stop : ends) {
            views.emplace_back(buf.data() + begin, stop - begin);
            begin = stop;
        }
        out.line = done_line;
        out.number = records;
        out.fields = views;
        return true;
    }
};

parser::parser(const byte_source& source, parse_options opts)
    : impl_(std::make_unique<impl>(source, opts)) {}

parser::~parser() = default;

bool parser::next(record& out) { return impl_->next(out); }

text_encoding parser::encoding() const noexcept { return impl_->encoding; }

}  // namespace airsql::csv
