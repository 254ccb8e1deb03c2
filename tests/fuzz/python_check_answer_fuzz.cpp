// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the reader of the Python runner's check answer (a JSON line from the
// sandbox, where the user's code runs: its bytes are not trusted): any bytes that parse as a
// JSON object give at most 100 diagnostics with well-formed UTF-8 messages of at most 2000
// bytes, codes of at most 100, and non-negative places.
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "functions/python_host.hpp"
#include "utf8_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    boost::system::error_code ec;
    auto v = boost::json::parse(text, ec);
    if (ec || !v.is_object()) return 0;
    auto diagnostics = airsql::functions::python_diagnostics(v.as_object());
    if (diagnostics.size() > 100) std::abort();
    for (const auto& d : diagnostics) {
        if (!airsql::fuzz::is_utf8(d.message) || d.message.size() > 2000) std::abort();
        if (d.code && (!airsql::fuzz::is_utf8(*d.code) || d.code->size() > 100)) std::abort();
        if (d.line < 0 || d.column < 0) std::abort();
    }
    return 0;
}
