// SPDX-License-Identifier: Apache-2.0
#include "airsql/form_urlencoded.hpp"

#include "airsql/error.hpp"
#include "catch.hpp"

using namespace airsql;

TEST_CASE("urlencoded forms decode escapes and plus signs, in order", "[json]") {
    auto f = form_fields::parse("a=1&b=x+y%2Bz&c&d=%C3%BC&a=2");
    REQUIRE(f.all().size() == 5);
    CHECK(f.get("a") == "1");
    CHECK(f.get("b") == "x y+z");
    CHECK(f.get("c") == "");
    CHECK(f.get("d") == "\xC3\xBC");
    CHECK_FALSE(f.get("e"));
    CHECK(form_fields::parse("").all().empty());
}

TEST_CASE("urlencoded forms refuse bad escapes, NUL, bad UTF-8 and excess", "[json]") {
    for (const char* bad : {"a=%ZZ", "a=%", "a=%00", "a=%C3", "a=%FF"}) {
        INFO(bad);
        try {
            form_fields::parse(bad);
            FAIL("accepted");
        } catch (const error& e) {
            CHECK(e.code() == errc::invalid_argument);
        }
    }
    CHECK_THROWS_AS(form_fields::parse(std::string(100, 'x'), 99), error);
    CHECK_THROWS_AS(form_fields::parse("a&b&c", 1000, 2), error);
    CHECK(form_fields::parse("a&b", 1000, 2).all().size() == 2);
}
