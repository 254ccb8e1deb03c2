// SPDX-License-Identifier: Apache-2.0
#include "json/read.hpp"

#include "airsql/databases.hpp"
#include "airsql/error.hpp"
#include "airsql/users.hpp"
#include "catch.hpp"

#include <boost/json/value_to.hpp>

using namespace airsql;

namespace {
errc code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.code();
    }
    FAIL("no error thrown");
    return errc::internal;
}
}  // namespace

TEST_CASE("bodies that are not JSON objects are invalid arguments", "[json]") {
    CHECK(code_of([] { json::parse("{not json"); }) == errc::invalid_argument);
    CHECK(code_of([] { json::as_object(json::parse("[1,2]")); }) == errc::invalid_argument);
    try {
        boost::json::value_to<login_request>(json::parse(R"({"username": 5, "password": "x"})"));
        FAIL("accepted a number as username");
    } catch (const error& e) {
        CHECK(std::string(e.what()) == "field \"username\" must be a string, not a number");
    }
    try {
        boost::json::value_to<login_request>(json::parse(R"({"password": "x"})"));
        FAIL("accepted a missing username");
    } catch (const error& e) {
        CHECK(std::string(e.what()) == "field \"username\" is required");
    }
}

TEST_CASE("PATCH fields accept plain values, null and the tagged form", "[json]") {
    auto p = boost::json::value_to<database_patch>(json::parse(
        R"({"description": {"tag": "TextValue", "contents": "d"}, "environment": {"tag": "TextNull"},
            "owner": "team-b", "visibility": "public", "schemaLocked": true,
            "location": {"lat": 50, "long": 40, "name": "City X"}})"));
    REQUIRE(p.description);
    CHECK(*p.description == std::optional<std::string>("d"));
    REQUIRE(p.environment);
    CHECK_FALSE(p.environment->has_value());
    CHECK(p.owner == std::optional<std::string>("team-b"));
    CHECK(p.visibility == visibility::public_read);
    CHECK(p.schema_locked == std::optional<bool>(true));
    CHECK_FALSE(p.name);
    REQUIRE(p.location);
    CHECK((*p.location)->lng == 40);

    auto plain = boost::json::value_to<database_patch>(json::parse(R"({"description": null})"));
    REQUIRE(plain.description);
    CHECK_FALSE(plain.description->has_value());

    CHECK(code_of([] {
              boost::json::value_to<database_patch>(json::parse(R"({"visibility": "secret"})"));
          }) == errc::invalid_argument);
    CHECK(code_of([] {
              boost::json::value_to<database_patch>(json::parse(R"({"name": {"tag": "Odd"}})"));
          }) == errc::invalid_argument);
}
