// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the GraphQL parser: any bytes either parse or raise syntax_error, and an
// error always carries a real location and a well-formed UTF-8 message (it ends up in JSON).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "graphql/parser.hpp"
#include "utf8_check.hpp"

namespace {

void parse_checked(std::string_view source, const airsql::graphql::parse_limits& limits) {
    try {
        airsql::graphql::parse(source, limits);
    } catch (const airsql::graphql::syntax_error& e) {
        const std::string_view message = e.what();
        if (e.where().line == 0 || e.where().column == 0) __builtin_trap();
        if (message.substr(0, 14) != "Syntax Error: " || !airsql::fuzz::is_utf8(message))
            __builtin_trap();
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
