// SPDX-License-Identifier: Apache-2.0
#include "tables/linked_order.hpp"
#include "airsql/error.hpp"
#include "catch.hpp"

using airsql::tables::links_for;
using airsql::tables::move_after;
using airsql::tables::order_by_links;
using airsql::tables::order_link;
using names = std::vector<std::string>;

TEST_CASE("without links the order is the creation order", "[tables][order]") {
    CHECK(order_by_links({"a", "b", "c"}, {}) == names{"a", "b", "c"});
    CHECK(order_by_links({}, {{"x", std::nullopt}}).empty());
}

TEST_CASE("a complete chain decides the order", "[tables][order]") {
    std::vector<order_link> links = {{"b", "c"}, {"c", std::nullopt}, {"a", "b"}};
    CHECK(order_by_links({"a", "b", "c"}, links) == names{"c", "b", "a"});
    CHECK(order_by_links({"a", "b", "c"}, links_for({"b", "a", "c"})) == names{"b", "a", "c"});
}

TEST_CASE("names without a link come last in creation order", "[tables][order]") {
    std::vector<order_link> links = {{"c", std::nullopt}, {"a", "c"}};
    CHECK(order_by_links({"a", "b", "c", "d"}, links) == names{"c", "a", "b", "d"});
}

TEST_CASE("a chain hanging from a dropped name keeps its place", "[tables][order]") {
    // a, x, b, c stored; x was dropped behind the catalog's back: b still follows a's chain.
    std::vector<order_link> links = {{"a", std::nullopt}, {"x", "a"}, {"b", "x"}, {"c", "b"}};
    CHECK(order_by_links({"c", "b", "a"}, links) == names{"a", "b", "c"});
    // A predecessor nobody placed (renamed behind its back): its chain still comes out whole.
    std::vector<order_link> dangling = {{"q", "gone"}, {"p", "q"}};
    CHECK(order_by_links({"p", "q", "r"}, dangling) == names{"q", "p", "r"});
}

TEST_CASE("cycles, duplicates and self links never fail and yield every name once",
          "[tables][order]") {
    std::vector<order_link> cycle = {{"a", "b"}, {"b", "c"}, {"c", "a"}};
    auto out = order_by_links({"a", "b", "c"}, cycle);
    REQUIRE(out.size() == 3);
    CHECK(std::is_permutation(out.begin(), out.end(), names{"a", "b", "c"}.begin()));
    std::vector<order_link> dupes = {{"b", std::nullopt}, {"b", "a"}, {"a", "a"}, {"a", "b"}};
    CHECK(order_by_links({"a", "b"}, dupes) == names{"b", "a"});
}

TEST_CASE("names compare case-insensitively, as SQLite's identifiers", "[tables][order]") {
    std::vector<order_link> links = {{"USERS", std::nullopt}, {"Items", "users"}};
    CHECK(order_by_links({"items", "users"}, links) == names{"users", "items"});
}

TEST_CASE("moving a name: first, after another, refusals", "[tables][order]") {
    names order{"a", "b", "c"};
    CHECK(move_after(order, "c", "", "table") == names{"c", "a", "b"});
    CHECK(move_after(order, "a", "c", "table") == names{"b", "c", "a"});
    CHECK(move_after(order, "a", "B", "table") == names{"b", "a", "c"});
    CHECK_THROWS_AS(move_after(order, "a", "a", "table"), airsql::error);
    CHECK_THROWS_AS(move_after(order, "a", "zz", "table"), airsql::error);
    CHECK_THROWS_AS(move_after(order, "zz", "a", "table"), airsql::error);
}
