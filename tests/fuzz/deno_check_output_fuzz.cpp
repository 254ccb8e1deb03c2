// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the reader of `deno check` output (the output quotes the user's module):
// any bytes give at most 100 diagnostics with well-formed UTF-8 messages of bounded size,
// non-negative places, and no trace of the scratch folder's path.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "functions/deno_check.hpp"
#include "utf8_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto diagnostics = airsql::functions::parse_check_output(text, "/d/mod.ts", "mod.ts");
    if (diagnostics.size() > 100) std::abort();
    for (const auto& d : diagnostics) {
        if (!airsql::fuzz::is_utf8(d.message) || d.message.size() > 2000) std::abort();
        if (d.line < 0 || d.column < 0) std::abort();
        if (d.message.find("file:///d/mod.ts") != std::string::npos) std::abort();
    }
    return 0;
}
