// SPDX-License-Identifier: Apache-2.0
// The one rule for text that is not valid UTF-8 in what airsql sends: each byte that does not
// start a valid sequence becomes U+FFFD (the replacement character). Used by the JSON writer
// and by GraphQL, whose field JSON is built inside SQLite from stored text as it is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace airsql::json {

/// Length of the valid UTF-8 sequence at s[i] (i < s.size()), or 0 when the bytes there are
/// not one (overlong forms, surrogates and code points past U+10FFFF are not).
inline std::size_t utf8_sequence(std::string_view s, std::size_t i) noexcept {
    auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
    auto cont = [&](std::size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
    unsigned char c = b(0);
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (!cont(1) || !cont(2)) return 0;
        if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
        if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogates
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (!cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
        if (c == 0xF4 && b(1) >= 0x90) return 0;  // beyond U+10FFFF
        return 4;
    }
    return 0;
}

/// Offset of the first byte of `s` that does not start a valid UTF-8 sequence, or s.size().
/// ASCII is skipped eight bytes at a time: the common all-valid case is one quick pass.
inline std::size_t first_invalid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        if (i + 8 <= s.size()) {
            std::uint64_t word;
            std::memcpy(&word, s.data() + i, 8);
            if ((word & 0x8080808080808080ull) == 0) {
                i += 8;
                continue;
            }
        }
        auto n = utf8_sequence(s, i);
        if (n == 0) return i;
        i += n;
    }
    return s.size();
}

/// `s` with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD; `s`
/// itself (moved, not copied) when it is valid already.
inline std::string to_valid_utf8(std::string s) {
    auto i = first_invalid_utf8(s);
    if (i == s.size()) return s;
    std::string out;
    out.reserve(s.size() + 16);
    out.append(s, 0, i);
    while (i < s.size()) {
        auto n = utf8_sequence(s, i);
        if (n == 0) {
            out += "\xEF\xBF\xBD";
            ++i;
        } else {
            out.append(s, i, n);
            i += n;
        }
    }
    return out;
}

}  // namespace airsql::json
