// SPDX-License-Identifier: Apache-2.0
#include "auth/rate_limiter.hpp"

#include <thread>

#include "airsql/error.hpp"
#include "catch.hpp"

using namespace airsql;
using namespace std::chrono_literals;

namespace {
bool allowed(auth::rate_limiter& l, const rate_limit& limit, const std::string& key) {
    try {
        l.take(limit, "act", key, "attempts");
        return true;
    } catch (const rate_limited_error& e) {
        CHECK(e.code() == errc::rate_limited);
        CHECK(e.retry_after() >= 1s);
        return false;
    }
}
}  // namespace

TEST_CASE("a token bucket allows its burst, then refuses until it refills", "[auth]") {
    auth::rate_limiter l(100);
    rate_limit limit{3, 50ms};
    CHECK(allowed(l, limit, "a"));
    CHECK(allowed(l, limit, "a"));
    CHECK(allowed(l, limit, "a"));
    CHECK_FALSE(allowed(l, limit, "a"));
    CHECK(allowed(l, limit, "b"));  // keys are separate
    std::this_thread::sleep_for(120ms);
    CHECK(allowed(l, limit, "a"));
}

TEST_CASE("a refused attempt takes nothing; give_back returns a token", "[auth]") {
    auth::rate_limiter l(100);
    rate_limit limit{1, 1h};
    CHECK(allowed(l, limit, "a"));
    CHECK_FALSE(allowed(l, limit, "a"));
    l.give_back(limit, "act", "a");
    CHECK(allowed(l, limit, "a"));
    CHECK_FALSE(allowed(l, limit, "a"));
    try {
        l.take(limit, "act", "a", "attempts");
        FAIL("no error");
    } catch (const rate_limited_error& e) {
        CHECK(e.retry_after() > 3000s);  // about an hour
    }
}

TEST_CASE("a zero burst means no limit", "[auth]") {
    auth::rate_limiter l(10);
    for (int i = 0; i < 1000; ++i) REQUIRE(allowed(l, rate_limit{}, "a"));
    CHECK(l.size() == 0);
}

TEST_CASE("the number of buckets stays bounded under a flood of keys", "[auth]") {
    auth::rate_limiter l(1000);
    rate_limit limit{2, 1h};
    for (int i = 0; i < 20'000; ++i) allowed(l, limit, "k" + std::to_string(i));
    CHECK(l.size() <= 1000);
}

TEST_CASE("IPv6 addresses count by their /64 prefix", "[auth]") {
    CHECK(auth::address_key("127.0.0.1") == "127.0.0.1");
    CHECK(auth::address_key("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64");
    CHECK(auth::address_key("2001:db8:1:2::9") == "2001:db8:1:2::/64");
    CHECK(auth::address_key("2001:db8::1") == "2001:db8:0:0::/64");
    CHECK(auth::address_key("::1") == "0:0:0:0::/64");
}
