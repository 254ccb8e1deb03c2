// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the tables module's SQL text splitter (tables/table_sql.hpp): CREATE
// TABLE statements come from sqlite_master, so from any uploaded database file, and DEFAULT /
// CHECK expressions and type names from request bodies. Bad input must throw airsql::error
// invalid_argument; tokens lie inside the source, in order; an expression that passes the
// check keeps its parentheses balanced and holds no ';' outside quotes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "airsql/error.hpp"
#include "fuzz_fixture.hpp"
#include "tables/table_sql.hpp"

namespace {

using airsql::fuzz::fail;

template <class F>
void expect_only_invalid_argument(std::string_view what, F&& f) {
    try {
        f();
    } catch (const airsql::error& e) {
        if (e.code() != airsql::errc::invalid_argument) {
            fail("an error other than invalid_argument", std::string(what) + ": " + e.what());
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view sql(reinterpret_cast<const char*>(data), size);

    expect_only_invalid_argument("tokenize", [&] {
        auto tokens = airsql::tables::tokenize(sql);
        std::size_t last = 0;
        for (const auto& t : tokens) {
            if (t.begin > t.end || t.end > sql.size()) fail("a token lies outside the source");
            if (t.begin < last) fail("tokens are out of order");
            last = t.end;
        }
    });
    expect_only_invalid_argument("split_create_table", [&] {
        auto parts = airsql::tables::split_create_table(sql);
        for (const auto& e : parts.elements) {
            if (e.is_column && e.name.empty() && e.text.empty()) fail("an empty column element");
        }
    });
    expect_only_invalid_argument("check_type_name", [&] { airsql::tables::check_type_name(sql); });
    expect_only_invalid_argument("check_expression", [&] {
        airsql::tables::check_expression(sql, "fuzz", 4096);
        // Accepted: tokens must show balanced parentheses and no ';'.
        int depth = 0;
        for (const auto& t : airsql::tables::tokenize(sql)) {
            if (airsql::tables::is_punct(t, '(')) ++depth;
            if (airsql::tables::is_punct(t, ')') && --depth < 0) fail("accepted a ')' too many");
            if (airsql::tables::is_punct(t, ';')) fail("accepted a ';'");
        }
        if (depth != 0) fail("accepted unbalanced parentheses");
    });
    return 0;
}
