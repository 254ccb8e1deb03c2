// SPDX-License-Identifier: Apache-2.0
#include "sqlite/connection.hpp"

#include "catch.hpp"
#include "temp_dir.hpp"

using namespace airsql;

TEST_CASE("the statement cache of a connection stays bounded", "[sqlite]") {
    test::temp_dir dir;
    sqlite::connection conn(dir.path() / "x.sqlite", sqlite::connection::mode::read_write_create);
    for (int i = 0; i < 1000; ++i) {
        auto st = conn.cached("SELECT " + std::to_string(i));
        REQUIRE(st->step());
        CHECK(st->int64(0) == i);
    }
    CHECK(conn.cached_statements() <= sqlite::connection::max_cached_statements);
    CHECK(conn.cached_statements() > 0);
}

TEST_CASE("a borrowed statement is reset when the borrow ends", "[sqlite]") {
    test::temp_dir dir;
    sqlite::connection conn(dir.path() / "x.sqlite", sqlite::connection::mode::read_write_create);
    conn.exec("CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);");
    {
        auto st = conn.cached("SELECT x FROM t ORDER BY x");
        REQUIRE(st->step());  // left mid-result on purpose
    }
    auto st = conn.cached("SELECT x FROM t ORDER BY x");
    REQUIRE(st->step());
    CHECK(st->int64(0) == 1);  // starts over, no read transaction was left open
}
