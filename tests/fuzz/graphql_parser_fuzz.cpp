// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the GraphQL parser: any bytes either parse or raise syntax_error, and an
// error always carries a real location and a well-formed UTF-8 message (it ends up in JSON).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "graphql/parser.hpp"

namespace {

bool is_utf8(std::string_view s) {
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

void parse_checked(std::string_view source, const airsql::graphql::parse_limits& limits) {
    try {
        airsql::graphql::parse(source, limits);
    } catch (const airsql::graphql::syntax_error& e) {
        const std::string_view message = e.what();
        if (e.where().line == 0 || e.where().column == 0) __builtin_trap();
        if (message.substr(0, 14) != "Syntax Error: " || !is_utf8(message)) __builtin_trap();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view source(reinterpret_cast<const char*>(data), size);
    parse_checked(source, {});
    // Tight limits reach the limit checks with small inputs.
    parse_checked(source, {.max_bytes = 4096, .max_depth = 4, .max_tokens = 64});
    return 0;
}
