// SPDX-License-Identifier: Apache-2.0
#include <atomic>
#include <thread>
#include <vector>

#include "catch.hpp"
#include "database/group_commit.hpp"
#include "database/hosted_database.hpp"
#include "sqlite/connection.hpp"
#include "temp_dir.hpp"

using namespace airsql;

namespace {
std::int64_t count_rows(sqlite::connection& c) {
    auto st = c.prepare("SELECT count(*) FROM t");
    REQUIRE(st.step());
    return st.int64(0);
}
}  // namespace

TEST_CASE("group commit: one sync covers every commit made before it began", "[group_commit]") {
    test::temp_dir dir;
    auto wal = dir.path() / "db.sqlite-wal";
    {
        sqlite::connection create(dir.path() / "db.sqlite",
                                  sqlite::connection::mode::read_write_create);
    }
    std::FILE* f = std::fopen(wal.c_str(), "w");
    REQUIRE(f);
    std::fclose(f);
    database::group_commit gc(wal);

    // Three commits, then one wait: a single sync covers all three.
    auto t1 = gc.committed();
    auto t2 = gc.committed();
    auto t3 = gc.committed();
    CHECK(t1 < t2);
    CHECK(t2 < t3);
    CHECK(gc.wait_durable(t3));
    CHECK(gc.syncs() == 1);
    CHECK(gc.wait_durable(t1));  // already covered: no new sync
    CHECK(gc.wait_durable(t2));
    CHECK(gc.syncs() == 1);
    CHECK_FALSE(gc.failed());

    // A commit after that sync needs a sync of its own.
    auto t4 = gc.committed();
    CHECK(gc.wait_durable(t4));
    CHECK(gc.syncs() == 2);

    // A WAL that is gone was checkpointed into the database file: nothing to sync.
    std::filesystem::remove(wal);
    CHECK(gc.wait_durable(gc.committed()));
    CHECK_FALSE(gc.failed());
}

TEST_CASE("group commit: concurrent waiters share syncs and all return", "[group_commit]") {
    test::temp_dir dir;
    auto wal = dir.path() / "x-wal";
    std::FILE* f = std::fopen(wal.c_str(), "w");
    REQUIRE(f);
    std::fclose(f);
    database::group_commit gc(wal);
    constexpr int threads = 8, per_thread = 50;
    std::atomic<int> durable{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&] {
            for (int i = 0; i < per_thread; ++i) {
                if (gc.wait_durable(gc.committed())) ++durable;
            }
        });
    }
    for (auto& th : pool) th.join();
    CHECK(durable == threads * per_thread);
    CHECK(gc.commits() == threads * per_thread);
    CHECK(gc.syncs() >= 1);
    CHECK(gc.syncs() <= gc.commits());
}

TEST_CASE("group commit: a failed sync is reported to every commit it covered", "[group_commit]") {
    // The WAL's folder is a file: opening it fails with ENOTDIR (also for root).
    test::temp_dir dir;
    auto not_a_dir = dir.path() / "plain";
    std::FILE* f = std::fopen(not_a_dir.c_str(), "w");
    REQUIRE(f);
    std::fclose(f);
    database::group_commit gc(not_a_dir / "db-wal");
    auto t1 = gc.committed();
    auto t2 = gc.committed();
    CHECK_FALSE(gc.wait_durable(t2));
    CHECK_FALSE(gc.wait_durable(t1));
    CHECK(gc.failed());
}

TEST_CASE("hosted databases commit through group commit unless told otherwise", "[group_commit]") {
    test::temp_dir dir;
    auto file = dir.path() / "main.sqlite";
    { sqlite::connection create(file, sqlite::connection::mode::read_write_create); }
    options opts;
    {
        database::hosted_database db("db1", file, opts);
        REQUIRE(db.group_commit_state() != nullptr);
        {
            auto w = db.writer(audit::context::off());
            CHECK(w->pragma_int("synchronous") == 1);  // NORMAL: the lease syncs the WAL
            w->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
        }
        CHECK(db.group_commit_state()->commits() == 1);

        constexpr int threads = 6, per_thread = 40;
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t) {
            pool.emplace_back([&db, t] {
                for (int i = 0; i < per_thread; ++i) {
                    auto w = db.writer(audit::context::off());
                    w->exec("INSERT INTO t(v) VALUES ('" + std::to_string(t) + "-" +
                            std::to_string(i) + "')");
                }
            });
        }
        for (auto& th : pool) th.join();
        CHECK(db.group_commit_state()->commits() == 1 + threads * per_thread);
        CHECK(db.group_commit_state()->syncs() >= 1);
        CHECK(db.group_commit_state()->syncs() <= db.group_commit_state()->commits());
        auto r = db.reader();
        CHECK(count_rows(*r) == threads * per_thread);

        // A lease that commits nothing takes no ticket.
        auto before = db.group_commit_state()->commits();
        { auto w = db.writer(audit::context::off()); }
        CHECK(db.group_commit_state()->commits() == before);
    }
    // The rows are in the file for a fresh connection.
    sqlite::connection check(file, sqlite::connection::mode::read_write);
    CHECK(count_rows(check) == 6 * 40);

    options per_commit;
    per_commit.group_commit = false;
    database::hosted_database plain("db2", file, per_commit);
    CHECK(plain.group_commit_state() == nullptr);
    CHECK(plain.writer(audit::context::off())->pragma_int("synchronous") == 2);  // FULL
}

TEST_CASE("a write whose sync failed is reported, not taken for durable", "[group_commit]") {
    test::temp_dir dir;
    auto file = dir.path() / "main.sqlite";
    { sqlite::connection create(file, sqlite::connection::mode::read_write_create); }
    options opts;
    database::hosted_database db("db1", file, opts);
    {
        auto w = db.writer(audit::context::off());
        w->exec("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)");
    }
    CHECK_FALSE(take_durability_failure());
    db.group_commit_for_testing()->fail_syncs_for_testing();
    {
        auto w = db.writer(audit::context::off());
        w->exec("INSERT INTO t(v) VALUES ('maybe lost')");
    }
    // The lease's end waited for the sync, which failed: this thread's write is not durable.
    CHECK(take_durability_failure());
    CHECK_FALSE(take_durability_failure());  // taken
    CHECK(db.group_commit_state()->failed());
    {
        // From now on SQLite syncs inside each commit itself: nothing more to report.
        auto w = db.writer(audit::context::off());
        CHECK(w->pragma_int("synchronous") == 2);
        w->exec("INSERT INTO t(v) VALUES ('synced by SQLite')");
    }
    CHECK_FALSE(take_durability_failure());
}
