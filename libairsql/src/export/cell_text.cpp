// SPDX-License-Identifier: Apache-2.0
#include "export/cell_text.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "json/utf8.hpp"

namespace airsql::exporting {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";
constexpr char hex_upper[] = "0123456789ABCDEF";

// Appends `text`, replacing each byte that does not start a valid UTF-8 sequence by U+FFFD.
// `plain` says which ASCII bytes go out unchanged; the others go to `escape`.
template <class Plain, class Escape>
void append_utf8(std::string& out, std::string_view text, Plain plain, Escape escape) {
    std::size_t i = 0;
    while (i < text.size()) {
        // Runs of bytes that need nothing are appended in one go.
        std::size_t start = i;
        while (i < text.size()) {
            auto c = static_cast<unsigned char>(text[i]);
            if (c >= 0x80 || !plain(c)) break;
            ++i;
        }
        out.append(text.data() + start, i - start);
        if (i == text.size()) break;
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            escape(out, c);
            ++i;
            continue;
        }
        auto n = json::utf8_sequence(text, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(text.data() + i, n);
            i += n;
        }
    }
}

}  // namespace

void append_base64(std::string& out, std::string_view bytes) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // Two output characters per 12 input bits: half the table lookups of one per 6 bits.
    static const auto pairs = [] {
        std::array<char, 2 * 4096> t{};
        for (std::size_t v = 0; v < 4096; ++v) {
            t[2 * v] = alphabet[v >> 6];
            t[2 * v + 1] = alphabet[v & 63];
        }
        return t;
    }();
    auto at = [&](std::size_t i) { return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])); };
    std::size_t i = 0;
    auto start = out.size();
    out.resize(start + bytes.size() / 3 * 4);
    char* dst = out.data() + start;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t n = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
        std::memcpy(dst, &pairs[2 * (n >> 12)], 2);
        std::memcpy(dst + 2, &pairs[2 * (n & 4095)], 2);
        dst += 4;
    }
    auto rest = bytes.size() - i;
    if (rest == 1) {
        std::uint32_t n = at(i) << 16;
        out.push_back(alphabet[n >> 18 & 63]);
        out.push_back(alphabet[n >> 12 & 63]);
        out += "==";
    } else if (rest == 2) {
        std::uint32_t n = at(i) << 16 | at(i + 1) << 8;
        out.push_back(alphabet[n >> 18 & 63]);
        out.push_back(alphabet[n >> 12 & 63]);
        out.push_back(alphabet[n >> 6 & 63]);
        out.push_back('=');
    }
}

void append_real(std::string& out, double v, std::string_view infinity,
                 std::string_view minus_infinity) {
    if (std::isinf(v)) {
        out += v > 0 ? infinity : minus_infinity;
        return;
    }
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    std::string_view text(buf, static_cast<std::size_t>(end - buf));
    out += text;
    if (text.find_first_of(".eEn") == std::string_view::npos) out += ".0";
}

void append_csv_text(std::string& out, std::string_view text) {
    // The common field, ASCII without anything to quote, is appended as it is after one scan.
    static const auto special = [] {
        std::array<bool, 256> t{};
        for (int c = 0x80; c < 256; ++c) t[static_cast<std::size_t>(c)] = true;
        for (unsigned char c : {',', '"', '\r', '\n'}) t[c] = true;
        return t;
    }();
    std::size_t plain = 0;
    while (plain < text.size() && !special[static_cast<unsigned char>(text[plain])]) ++plain;
    if (plain == text.size() && !text.empty()) {
        out += text;
        return;
    }
    bool quote = text.empty() || text.find_first_of(",\"\r\n", plain) != std::string_view::npos;
    if (!quote) {
        append_utf8(out, text, [](unsigned char) { return true; }, [](std::string&, unsigned char) {});
        return;
    }
    out.push_back('"');
    append_utf8(
        out, text, [](unsigned char c) { return c != '"'; },
        [](std::string& o, unsigned char) { o += "\"\""; });
    out.push_back('"');
}

void append_json_string(std::string& out, std::string_view text) {
    out.push_back('"');
    append_utf8(
        out, text, [](unsigned char c) { return c >= 0x20 && c != '"' && c != '\\'; },
        [](std::string& o, unsigned char c) {
            switch (c) {
                case '"':
                    o += "\\\"";
                    break;
                case '\\':
                    o += "\\\\";
                    break;
                case '\n':
                    o += "\\n";
                    break;
                case '\r':
                    o += "\\r";
                    break;
                case '\t':
                    o += "\\t";
                    break;
                default:
                    o += "\\u00";
                    o.push_back(hex_digits[c >> 4]);
                    o.push_back(hex_digits[c & 15]);
            }
        });
    out.push_back('"');
}

void append_sql_text(std::string& out, std::string_view text) {
    bool lossless = text.find('\0') == std::string_view::npos &&
                    json::first_invalid_utf8(text) == text.size();
    if (!lossless) {
        out += "CAST(";
        append_sql_blob(out, text);
        out += " AS TEXT)";
        return;
    }
    out.push_back('\'');
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\'') {
            out.append(text.data() + start, i + 1 - start);
            out.push_back('\'');
            start = i + 1;
        }
    }
    out.append(text.data() + start, text.size() - start);
    out.push_back('\'');
}

void append_sql_blob(std::string& out, std::string_view bytes) {
    out += "X'";
    for (unsigned char c : bytes) {
        out.push_back(hex_upper[c >> 4]);
        out.push_back(hex_upper[c & 15]);
    }
    out.push_back('\'');
}

}  // namespace airsql::exporting
