// SPDX-License-Identifier: Apache-2.0
#include "graphql/lexer.hpp"

#include <algorithm>

namespace airsql::graphql {

namespace {

constexpr std::string_view error_prefix = "Syntax Error: ";

bool is_name_start(unsigned char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_name_continue(unsigned char c) noexcept {
    return is_name_start(c) || (c >= '0' && c <= '9');
}

bool is_digit(unsigned char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(unsigned char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_scalar_value(std::uint32_t cp) noexcept {
    return cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0x10FFFF);
}

bool is_leading_surrogate(std::uint32_t cp) noexcept { return cp >= 0xD800 && cp <= 0xDBFF; }
bool is_trailing_surrogate(std::uint32_t cp) noexcept { return cp >= 0xDC00 && cp <= 0xDFFF; }

struct decoded {
    std::uint32_t code_point = 0;
    std::size_t length = 0;  ///< 0 when the bytes are not well-formed UTF-8
};

/// Decodes the code point at `at` (which must be inside `s`). Well-formed means Unicode's
/// table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF.
decoded decode_utf8(std::string_view s, std::size_t at) noexcept {
    const auto byte = [&](std::size_t i) -> unsigned {
        return at + i < s.size() ? static_cast<unsigned char>(s[at + i]) : 0u;
    };
    const unsigned b0 = byte(0);
    if (b0 < 0x80) return {b0, 1};
    const auto cont = [](unsigned b, unsigned lo = 0x80, unsigned hi = 0xBF) {
        return b >= lo && b <= hi;
    };
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        if (!cont(byte(1))) return {};
        return {((b0 & 0x1F) << 6) | (byte(1) & 0x3F), 2};
    }
    if (b0 >= 0xE0 && b0 <= 0xEF) {
        const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
        const unsigned hi = b0 == 0xED ? 0x9F : 0xBF;
        if (!cont(byte(1), lo, hi) || !cont(byte(2))) return {};
        return {((b0 & 0x0F) << 12) | ((byte(1) & 0x3F) << 6) | (byte(2) & 0x3F), 3};
    }
    if (b0 >= 0xF0 && b0 <= 0xF4) {
        const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
        const unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;
        if (!cont(byte(1), lo, hi) || !cont(byte(2)) || !cont(byte(3))) return {};
        return {((b0 & 0x07) << 18) | ((byte(1) & 0x3F) << 12) | ((byte(2) & 0x3F) << 6) |
                    (byte(3) & 0x3F),
                4};
    }
    return {};
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

/// U+XXXX with at least four upper-case hex digits, as graphql-js prints code points.
std::string format_code_point(std::uint32_t cp) {
    constexpr std::string_view digits = "0123456789ABCDEF";
    std::string hex;
    do {
        hex.insert(hex.begin(), digits[cp & 0xF]);
        cp >>= 4;
    } while (cp != 0);
    if (hex.size() < 4) hex.insert(0, 4 - hex.size(), '0');
    return "U+" + hex;
}

/// The value of four hex digits at `at`, or -1 when any is missing or not a hex digit.
long read_hex4(std::string_view s, std::size_t at) noexcept {
    if (at + 4 > s.size()) return -1;
    long v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        const int h = hex_value(static_cast<unsigned char>(s[at + i]));
        if (h < 0) return -1;
        v = (v << 4) | h;
    }
    return v;
}

bool is_white_space(char c) noexcept { return c == ' ' || c == '\t'; }

}  // namespace

std::string_view describe(token_kind kind) noexcept {
    switch (kind) {
        case token_kind::end:
            return "<EOF>";
        case token_kind::bang:
            return "\"!\"";
        case token_kind::dollar:
            return "\"$\"";
        case token_kind::amp:
            return "\"&\"";
        case token_kind::paren_l:
            return "\"(\"";
        case token_kind::paren_r:
            return "\")\"";
        case token_kind::spread:
            return "\"...\"";
        case token_kind::colon:
            return "\":\"";
        case token_kind::equals:
            return "\"=\"";
        case token_kind::at:
            return "\"@\"";
        case token_kind::bracket_l:
            return "\"[\"";
        case token_kind::bracket_r:
            return "\"]\"";
        case token_kind::brace_l:
            return "\"{\"";
        case token_kind::pipe:
            return "\"|\"";
        case token_kind::brace_r:
            return "\"}\"";
        case token_kind::name:
            return "Name";
        case token_kind::int_:
            return "Int";
        case token_kind::float_:
            return "Float";
        case token_kind::string:
            return "String";
        case token_kind::block_string:
            return "BlockString";
    }
    return "token";
}

std::string describe(const token& t) {
    std::string out(describe(t.kind));
    switch (t.kind) {
        case token_kind::name:
        case token_kind::int_:
        case token_kind::float_:
            out.append(" \"").append(t.raw).push_back('"');
            break;
        case token_kind::string:
        case token_kind::block_string:
            out.append(" \"").append(t.value).push_back('"');
            break;
        default:
            break;
    }
    return out;
}

void lexer::fail(std::string_view message, std::size_t at) {
    std::string text;
    text.reserve(error_prefix.size() + message.size());
    text.append(error_prefix).append(message);
    throw syntax_error(text, location_at(at));
}

void lexer::start_line(std::size_t at) noexcept {
    ++line_;
    line_start_ = at;
    col_mark_ = at;
    col_at_mark_ = 1;
}

location lexer::location_at(std::size_t at) noexcept {
    if (at < col_mark_) {
        col_mark_ = line_start_;
        col_at_mark_ = 1;
    }
    at = std::min(at, src_.size());
    for (; col_mark_ < at; ++col_mark_) {
        // Every byte but a UTF-8 continuation byte starts a code point.
        if ((static_cast<unsigned char>(src_[col_mark_]) & 0xC0) != 0x80) ++col_at_mark_;
    }
    return {line_, col_at_mark_};
}

std::size_t lexer::utf8_length_or_throw(std::size_t at) {
    const decoded d = decode_utf8(src_, at);
    if (d.length == 0) {
        constexpr std::string_view digits = "0123456789ABCDEF";
        const auto b = static_cast<unsigned char>(src_[at]);
        std::string message = "Invalid UTF-8 byte 0x";
        message.push_back(digits[b >> 4]);
        message.push_back(digits[b & 0xF]);
        message.push_back('.');
        fail(message, at);
    }
    return d.length;
}

std::string lexer::describe_char_at(std::size_t at) {
    if (at >= src_.size()) return "<EOF>";
    const auto c = static_cast<unsigned char>(src_[at]);
    if (c == '"') return "'\"'";
    if (c >= 0x20 && c <= 0x7E) return std::string{'"', static_cast<char>(c), '"'};
    if (c < 0x80) return format_code_point(c);
    utf8_length_or_throw(at);
    return format_code_point(decode_utf8(src_, at).code_point);
}

std::string_view lexer::excerpt(std::size_t from, std::size_t code_points) const noexcept {
    // Whole, well-formed code points only, so that error messages are valid UTF-8.
    std::size_t end = from;
    for (std::size_t i = 0; i < code_points && end < src_.size(); ++i) {
        const decoded d = decode_utf8(src_, end);
        if (d.length == 0) break;
        end += d.length;
    }
    return src_.substr(from, end - from);
}

void lexer::skip_comment() {
    // A comment runs to the end of the line; it may hold any well-formed code point.
    ++pos_;
    while (pos_ < src_.size()) {
        const auto c = static_cast<unsigned char>(src_[pos_]);
        if (c == '\n' || c == '\r') return;
        pos_ += c < 0x80 ? 1 : utf8_length_or_throw(pos_);
    }
}

void lexer::skip_ignored() {
    while (pos_ < src_.size()) {
        switch (static_cast<unsigned char>(src_[pos_])) {
            case ' ':
            case '\t':
            case ',':
                ++pos_;
                break;
            case '\n':
                start_line(++pos_);
                break;
            case '\r':
                ++pos_;
                if (pos_ < src_.size() && src_[pos_] == '\n') ++pos_;
                start_line(pos_);
                break;
            case '#':
                skip_comment();
                break;
            case 0xEF:
                // U+FEFF, the byte order mark, is ignored wherever it appears.
                if (src_.substr(pos_, 3) == "\xEF\xBB\xBF") {
                    pos_ += 3;
                    break;
                }
                return;
            default:
                return;
        }
    }
}

token lexer::next() {
    skip_ignored();
    const std::size_t start = pos_;
    const location loc = location_at(start);
    if (start >= src_.size()) return token{token_kind::end, src_.substr(start, 0), {}, loc};
    if (++tokens_ > max_tokens_) {
        throw syntax_error(std::string(error_prefix) + "Document contains more than " +
                               std::to_string(max_tokens_) + " tokens. Parsing aborted.",
                           loc);
    }

    const auto punctuator = [&](token_kind kind, std::size_t length) {
        pos_ = start + length;
        return token{kind, src_.substr(start, length), {}, loc};
    };
    const auto c = static_cast<unsigned char>(src_[start]);
    switch (c) {
        case '!':
            return punctuator(token_kind::bang, 1);
        case '$':
            return punctuator(token_kind::dollar, 1);
        case '&':
            return punctuator(token_kind::amp, 1);
        case '(':
            return punctuator(token_kind::paren_l, 1);
        case ')':
            return punctuator(token_kind::paren_r, 1);
        case '.':
            if (src_.substr(start, 3) == "...") return punctuator(token_kind::spread, 3);
            break;
        case ':':
            return punctuator(token_kind::colon, 1);
        case '=':
            return punctuator(token_kind::equals, 1);
        case '@':
            return punctuator(token_kind::at, 1);
        case '[':
            return punctuator(token_kind::bracket_l, 1);
        case ']':
            return punctuator(token_kind::bracket_r, 1);
        case '{':
            return punctuator(token_kind::brace_l, 1);
        case '|':
            return punctuator(token_kind::pipe, 1);
        case '}':
            return punctuator(token_kind::brace_r, 1);
        case '"':
            if (src_.substr(start, 3) == "\"\"\"") return read_block_string(start, loc);
            return read_string(start, loc);
        default:
            break;
    }
    if (is_digit(c) || c == '-') return read_number(start, loc);
    if (is_name_start(c)) return read_name(start, loc);
    if (c == '\'') {
        fail("Unexpected single quote character ('), did you mean to use a double quote (\")?",
             start);
    }
    fail("Unexpected character: " + describe_char_at(start) + ".", start);
}

token lexer::read_name(std::size_t start, location loc) {
    std::size_t p = start + 1;
    while (p < src_.size() && is_name_continue(static_cast<unsigned char>(src_[p]))) ++p;
    pos_ = p;
    return token{token_kind::name, src_.substr(start, p - start), {}, loc};
}

std::size_t lexer::read_digits(std::size_t at) {
    if (at >= src_.size() || !is_digit(static_cast<unsigned char>(src_[at]))) {
        fail("Invalid number, expected digit but got: " + describe_char_at(at) + ".", at);
    }
    while (at < src_.size() && is_digit(static_cast<unsigned char>(src_[at]))) ++at;
    return at;
}

token lexer::read_number(std::size_t start, location loc) {
    const auto at = [&](std::size_t i) -> unsigned char {
        return i < src_.size() ? static_cast<unsigned char>(src_[i]) : 0;
    };
    std::size_t p = start;
    bool is_float = false;
    if (at(p) == '-') ++p;
    if (at(p) == '0') {
        ++p;
        if (is_digit(at(p))) {
            fail("Invalid number, unexpected digit after 0: " + describe_char_at(p) + ".", p);
        }
    } else {
        p = read_digits(p);
    }
    if (at(p) == '.') {
        is_float = true;
        p = read_digits(p + 1);
    }
    if (at(p) == 'e' || at(p) == 'E') {
        is_float = true;
        ++p;
        if (at(p) == '+' || at(p) == '-') ++p;
        p = read_digits(p);
    }
    // A number must not run into a name or another fraction: `123abc`, `1.2.3`.
    if (at(p) == '.' || is_name_start(at(p))) {
        fail("Invalid number, expected digit but got: " + describe_char_at(p) + ".", p);
    }
    pos_ = p;
    return token{
        is_float ? token_kind::float_ : token_kind::int_, src_.substr(start, p - start), {}, loc};
}

std::size_t lexer::read_escape(std::size_t at, std::string& out) {
    // `at` is the backslash.
    const auto byte = [&](std::size_t i) -> unsigned char {
        return i < src_.size() ? static_cast<unsigned char>(src_[i]) : 0;
    };
    if (byte(at + 1) == 'u' && byte(at + 2) == '{') {
        // \u{X…}: one to eight hex digits naming a scalar value; `size` counts what was read.
        std::uint32_t cp = 0;
        std::size_t size = 3;
        while (size < 12) {
            const std::size_t i = at + size++;
            if (i >= src_.size()) break;
            const auto c = static_cast<unsigned char>(src_[i]);
            if (c == '}') {
                if (size < 5 || !is_scalar_value(cp)) break;
                append_utf8(out, cp);
                return at + size;
            }
            const int h = hex_value(c);
            if (h < 0) break;
            cp = (cp << 4) | static_cast<std::uint32_t>(h);
        }
        fail("Invalid Unicode escape sequence: \"" + std::string(excerpt(at, size)) + "\".", at);
    }
    if (byte(at + 1) == 'u') {
        const long cp = read_hex4(src_, at + 2);
        if (cp >= 0 && is_scalar_value(static_cast<std::uint32_t>(cp))) {
            append_utf8(out, static_cast<std::uint32_t>(cp));
            return at + 6;
        }
        // Only a leading surrogate directly followed by an escaped trailing one is allowed, as
        // in JSON; the pair becomes one code point.
        if (cp >= 0 && is_leading_surrogate(static_cast<std::uint32_t>(cp)) &&
            byte(at + 6) == '\\' && byte(at + 7) == 'u') {
            const long trail = read_hex4(src_, at + 8);
            if (trail >= 0 && is_trailing_surrogate(static_cast<std::uint32_t>(trail))) {
                append_utf8(out, 0x10000 + ((static_cast<std::uint32_t>(cp) - 0xD800) << 10) +
                                     (static_cast<std::uint32_t>(trail) - 0xDC00));
                return at + 12;
            }
        }
        fail("Invalid Unicode escape sequence: \"" + std::string(excerpt(at, 6)) + "\".", at);
    }
    char decoded_char = 0;
    switch (byte(at + 1)) {
        case '"':
            decoded_char = '"';
            break;
        case '\\':
            decoded_char = '\\';
            break;
        case '/':
            decoded_char = '/';
            break;
        case 'b':
            decoded_char = '\b';
            break;
        case 'f':
            decoded_char = '\f';
            break;
        case 'n':
            decoded_char = '\n';
            break;
        case 'r':
            decoded_char = '\r';
            break;
        case 't':
            decoded_char = '\t';
            break;
        default:
            if (at + 1 < src_.size() && byte(at + 1) >= 0x80) utf8_length_or_throw(at + 1);
            fail("Invalid character escape sequence: \"" + std::string(excerpt(at, 2)) + "\".", at);
    }
    out.push_back(decoded_char);
    return at + 2;
}

token lexer::read_string(std::size_t start, location loc) {
    std::string value;
    std::size_t p = start + 1;
    std::size_t chunk = p;
    while (p < src_.size()) {
        const auto c = static_cast<unsigned char>(src_[p]);
        if (c == '"') {
            value.append(src_, chunk, p - chunk);
            pos_ = p + 1;
            return token{token_kind::string, src_.substr(start, pos_ - start), std::move(value),
                         loc};
        }
        if (c == '\\') {
            value.append(src_, chunk, p - chunk);
            p = read_escape(p, value);
            chunk = p;
            continue;
        }
        if (c == '\n' || c == '\r') break;
        p += c < 0x80 ? 1 : utf8_length_or_throw(p);
    }
    fail("Unterminated string.", p);
}

token lexer::read_block_string(std::size_t start, location loc) {
    // The raw value is collected with `\"""` unescaped and every line terminator as `\n`, which
    // is the form block_string_value expects.
    std::string raw;
    std::size_t p = start + 3;
    std::size_t chunk = p;
    while (p < src_.size()) {
        const auto c = static_cast<unsigned char>(src_[p]);
        if (c == '"' && src_.substr(p, 3) == "\"\"\"") {
            raw.append(src_, chunk, p - chunk);
            pos_ = p + 3;
            return token{token_kind::block_string, src_.substr(start, pos_ - start),
                         block_string_value(raw), loc};
        }
        if (c == '\\' && src_.substr(p + 1, 3) == "\"\"\"") {
            raw.append(src_, chunk, p - chunk);
            raw.append("\"\"\"");
            p += 4;
            chunk = p;
            continue;
        }
        if (c == '\n' || c == '\r') {
            raw.append(src_, chunk, p - chunk);
            raw.push_back('\n');
            p += (c == '\r' && p + 1 < src_.size() && src_[p + 1] == '\n') ? 2 : 1;
            start_line(p);
            chunk = p;
            continue;
        }
        p += c < 0x80 ? 1 : utf8_length_or_throw(p);
    }
    fail("Unterminated string.", p);
}

std::string block_string_value(std::string_view raw) {
    // First pass: the common indentation of the non-blank lines after the first, and the first
    // and last non-blank lines (by their start offsets).
    constexpr std::size_t none = std::string_view::npos;
    std::size_t common_indent = none;
    std::size_t first_kept = none;
    std::size_t last_kept_end = 0;
    for (std::size_t begin = 0;;) {
        std::size_t end = raw.find('\n', begin);
        if (end == none) end = raw.size();
        std::size_t indent = 0;
        while (begin + indent < end && is_white_space(raw[begin + indent])) ++indent;
        if (begin + indent < end) {
            if (first_kept == none) first_kept = begin;
            last_kept_end = end;
            if (begin != 0) common_indent = std::min(common_indent, indent);
        }
        if (end == raw.size()) break;
        begin = end + 1;
    }
    if (first_kept == none) return {};
    if (common_indent == none) common_indent = 0;

    // Second pass: the kept lines, dedented, joined by `\n`.
    std::string out;
    out.reserve(last_kept_end - first_kept);
    for (std::size_t begin = first_kept;;) {
        std::size_t end = raw.find('\n', begin);
        if (end == none || end > last_kept_end) end = last_kept_end;
        std::size_t from = begin;
        if (begin != 0) from += std::min(common_indent, end - begin);
        out.append(raw, from, end - from);
        if (end == last_kept_end) break;
        out.push_back('\n');
        begin = end + 1;
    }
    return out;
}

}  // namespace airsql::graphql
