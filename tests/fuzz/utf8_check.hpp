// SPDX-License-Identifier: Apache-2.0
// The UTF-8 check every fuzz target applies to error messages: they end up in JSON bodies, and
// JSON text must be well-formed UTF-8. Kept apart from fuzz_fixture.hpp so the parser target
// can use it without pulling in a live engine.
#pragma once

#include <cstddef>
#include <string_view>

namespace airsql::fuzz {

/// Whether `s` is well-formed UTF-8 (no overlong two-byte lead, no lead byte above U+10FFFF).
inline bool is_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        if (b < 0x80) {
            n = 1;
        } else if (b >= 0xC2 && b <= 0xDF) {
            n = 2;
        } else if (b >= 0xE0 && b <= 0xEF) {
            n = 3;
        } else if (b >= 0xF0 && b <= 0xF4) {
            n = 4;
        }
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        }
        i += n;
    }
    return true;
}

}  // namespace airsql::fuzz
