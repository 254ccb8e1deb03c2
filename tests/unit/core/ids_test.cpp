// SPDX-License-Identifier: Apache-2.0
#include "core/ids.hpp"

#include <sodium.h>

#include <algorithm>
#include <set>

#include "catch.hpp"
#include "core/clock.hpp"

using namespace airsql::core;

TEST_CASE("ULIDs are 26 lowercase Crockford characters and sort by creation time", "[core]") {
    REQUIRE(sodium_init() >= 0);
    auto a = make_ulid();
    REQUIRE(a.size() == 26);
    REQUIRE(std::all_of(a.begin(), a.end(), [](char c) {
        return std::string_view("0123456789abcdefghjkmnpqrstvwxyz").find(c) != std::string::npos;
    }));
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(make_ulid());
    CHECK(seen.size() == 1000);
    // The time prefix of a later ULID is never smaller.
    auto b = make_ulid();
    CHECK(b.substr(0, 10) >= a.substr(0, 10));
}

TEST_CASE("random secrets use the documented alphabets and lengths", "[core]") {
    auto t = random_base62(43);
    CHECK(t.size() == 43);
    CHECK(std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isalnum(c); }));
    auto r = make_readonly_id();
    CHECK(r.size() == 16);
    CHECK(std::all_of(r.begin(), r.end(),
                      [](unsigned char c) { return std::isdigit(c) || std::islower(c); }));
    CHECK(random_base62(43) != t);
}

TEST_CASE("sha256_hex matches the standard test vector", "[core]") {
    CHECK(sha256_hex("abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(constant_time_equal("abc", "abc"));
    CHECK_FALSE(constant_time_equal("abc", "abd"));
    CHECK_FALSE(constant_time_equal("abc", "ab"));
}

TEST_CASE("times are ISO-8601 UTC with milliseconds and round-trip", "[core]") {
    auto t = parse_iso_utc("2023-02-15T10:22:06.487Z");
    REQUIRE(t);
    CHECK(to_iso_utc(*t) == "2023-02-15T10:22:06.487Z");
    CHECK(to_iso_utc(*parse_iso_utc("2023-02-15")) == "2023-02-15T00:00:00.000Z");
    CHECK(to_iso_utc(*parse_iso_utc("2023-02-15T10:22+00:00")) == "2023-02-15T10:22:00.000Z");
    CHECK_FALSE(parse_iso_utc("2023-13-01"));
    CHECK_FALSE(parse_iso_utc("yesterday"));
    CHECK_FALSE(parse_iso_utc("2023-02-15T10:22:06+02:00"));
    CHECK(now_iso_utc().size() == 24);
}
