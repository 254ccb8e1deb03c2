// SPDX-License-Identifier: Apache-2.0
#include "graphql/name_encoding.hpp"

#include "catch.hpp"

using airsql::graphql::encode_name;

TEST_CASE("ordinary identifiers are not changed by the name encoding", "[graphql]") {
    for (auto n : {"users", "createdAt", "LAST_NAME", "x_1", "_private"}) CHECK(encode_name(n) == n);
}

TEST_CASE("the name encoding matches the reference examples", "[graphql]") {
    CHECK(encode_name("book list") == "bookXX0list");
    CHECK(encode_name("e-mail") == "eXXDmail");
    CHECK(encode_name("a.b") == "aXXEb");
    CHECK(encode_name("name with-special$chars") == "nameXX0withXXDspecialXX4chars");
    CHECK(encode_name("the column") == "theXX0column");
    CHECK(encode_name("1st place") == "XXZ1stXX0place");
    CHECK(encode_name("9") == "XXZ9");
    CHECK(encode_name("__index__") == "XXRXXRindexXXRXXR");
    CHECK(encode_name("___x") == "XXRXXR_x");
    CHECK(encode_name("DOXXING") == "DOXXXXXXING");
    CHECK(encode_name("XXX") == "XXXXXXX");
    CHECK(encode_name("\xc3\xbcmlaut") == "XXaaapmmlaut");
    CHECK(encode_name("price \xe2\x82\xac") == "priceXX0XXacakm");
    CHECK(encode_name("tab\tname") == "tabXXaaaajname");
    CHECK(encode_name("\xf0\x9f\x98\x85") == "XXbpgaf");
    CHECK(encode_name("\xf4\x8f\xbf\xbf") == "XXYbapppp");
    CHECK(encode_name("") == "");
}

TEST_CASE("every encoded name is a valid GraphQL name", "[graphql]") {
    for (auto n : {"1", "a b", "__", "\x01", "\xff", "x\"y", "[x]", "`", "~tilde", "a\\b"}) {
        INFO(n);
        CHECK(airsql::graphql::is_graphql_name(encode_name(n)));
        CHECK(encode_name(n).substr(0, 2) != "__");
    }
}
