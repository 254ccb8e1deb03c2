// SPDX-License-Identifier: Apache-2.0
#include "sqlite/connection.hpp"
#include "sqlite/memory_budget.hpp"

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

TEST_CASE("the process-wide heap cap refuses allocations past it, without SQLite's statistics",
          "[sqlite][memory]") {
    // Installed before SQLite initialises in this process (the engine does it; a unit test
    // binary may reach here first).
    if (!sqlite::install_memory_accounting()) {
        WARN("SQLite was initialised before the counting allocator: nothing to test");
        return;
    }
    test::temp_dir dir;
    sqlite::connection conn(dir.path() / "x.sqlite", sqlite::connection::mode::read_write_create);
    auto before = sqlite::heap_used_bytes();
    CHECK(before > 0);  // counted without sqlite3_memory_used (statistics are off)
    struct reset {
        ~reset() { sqlite::set_heap_limit(0); }
    } guard;
    sqlite::set_heap_limit(before + 4 * 1024 * 1024);
    // 16 MiB in one value: past the cap, so SQLite reports it is out of memory.
    CHECK_THROWS(conn.exec("SELECT length(zeroblob(16777216) || 'x')"));
    // Small work still runs under the cap, and all of it again once it is lifted.
    CHECK_NOTHROW(conn.exec("SELECT length(zeroblob(1024) || 'x')"));
    sqlite::set_heap_limit(0);
    CHECK_NOTHROW(conn.exec("SELECT length(zeroblob(16777216) || 'x')"));
}
