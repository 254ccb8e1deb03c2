// SPDX-License-Identifier: Apache-2.0
// inline_scope: GraphQL queries (and the SQL endpoint's read-only scripts) may read on the
// calling (I/O) thread within a budget of CPU time; anything else, or a read that outgrows the budget, throws would_block before any
// side effect, and the same request then runs normally outside the scope. With writes
// allowed, a GraphQL mutation may run its transaction there too when the database's writer is
// free and the write is plain; it commits whole or is rolled back whole (would_block), and
// the caller waits for its commits before answering.
#include <boost/json/parse.hpp>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "core/engine_impl.hpp"
#include "engine_fixture.hpp"

using namespace airsql;
using namespace std::chrono_literals;

namespace {

// An engine without the response cache: every answer below is a real read.
struct uncached {
    test::temp_dir dir;
    engine eng{[this] {
        auto o = test::engine_fixture::make_options(dir);
        o.graphql_response_cache_bytes = 0;
        return o;
    }()};
    principal ann = [this] {
        sign_up(eng, {}, {"ann", "ann@example.com", "password-ann"});
        return authenticate(eng, {.bearer = login(eng, {}, {"ann", "password-ann"}).session_token});
    }();
};

graphql_request query(std::string text) {
    graphql_request r;
    r.query = std::move(text);
    return r;
}

// The request's answer inside an inline_scope of `budget`, or "would_block".
std::string inline_answer(engine& eng, const principal& who, const std::string& db,
                          const graphql_request& r, std::chrono::microseconds budget) {
    inline_scope scope(budget);
    try {
        return execute_graphql(eng, who, db, r).body;
    } catch (const error& e) {
        if (e.code() == errc::would_block) return "would_block";
        throw;
    }
}

// A table of 50,000 rows for the write tests.
struct with_items : uncached {
    std::string db = create_database(eng, ann, {"db", "ann",
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) "
        "INSERT INTO items SELECT i, 'item ' || i FROM n;", {}}).id;

    std::int64_t count() {
        return run_sql(eng, ann, db, {"SELECT count(*) AS n FROM items"})
            .rows.at(0).as_object().at("n").as_int64();
    }
};

const auto insert_one = query(R"(mutation { insert_items(objects: [{name: "new"}]) { affected_rows } })");

// The answer inside an inline_scope that allows writes ("would_block" when refused), with the
// scope's commits waited for; `committed` tells whether the scope committed.
std::string inline_write(with_items& fx, const graphql_request& r, std::chrono::microseconds budget,
                         bool* committed = nullptr) {
    inline_scope scope(budget, inline_scope::writes::allowed);
    std::string out;
    try {
        out = execute_graphql(fx.eng, fx.ann, fx.db, r).body;
    } catch (const error& e) {
        if (e.code() != errc::would_block) throw;
        out = "would_block";
    }
    if (committed) *committed = scope.committed();
    auto pending = scope.take_pending_commits();
    pending.wait();
    CHECK(pending.empty());
    CHECK(pending.durable());
    return out;
}

}  // namespace

TEST_CASE("inline reads answer cheap queries on the calling thread", "[graphql][inline]") {
    uncached fx;
    auto db = create_database(fx.eng, fx.ann, {"db", "ann",
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items VALUES (1, 'a'), (2, 'b');", {}}).id;
    auto r = query("{ items(order_by: [{id: DESC}]) { id name } }");
    auto expected = R"({"data":{"items":[{"id":2,"name":"b"},{"id":1,"name":"a"}]}})";
    // The first request opens the database's reader connection: blocking work, refused.
    CHECK(inline_answer(fx.eng, fx.ann, db, r, 10ms) == "would_block");
    CHECK_FALSE(inline_scope::last_overran());
    CHECK(execute_graphql(fx.eng, fx.ann, db, r).body == expected);
    // Now a reader waits in the pool: the query runs inline, and sees later writes (no cache).
    CHECK(inline_answer(fx.eng, fx.ann, db, r, 10ms) == expected);
    run_sql(fx.eng, fx.ann, db, {"UPDATE items SET name = 'z' WHERE id = 2"});
    CHECK(inline_answer(fx.eng, fx.ann, db, r, 10ms) ==
          R"({"data":{"items":[{"id":2,"name":"z"},{"id":1,"name":"a"}]}})");
    // Validation errors are answered inline too (no read needed).
    auto bad = inline_answer(fx.eng, fx.ann, db, query("{ nope { id } }"), 10ms);
    CHECK(boost::json::parse(bad).at("errors").as_array().size() == 1);
}

TEST_CASE("inline reads refuse writes and other blocking work before any side effect", "[graphql][inline]") {
    uncached fx;
    auto db = create_database(fx.eng, fx.ann, {"db", "ann", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);", {}}).id;
    execute_graphql(fx.eng, fx.ann, db, query("{ items { id } }"));  // the reader is open
    auto m = query(R"(mutation { insert_items(objects: [{name: "c"}]) { affected_rows } })");
    CHECK(inline_answer(fx.eng, fx.ann, db, m, 10ms) == "would_block");
    CHECK(run_sql(fx.eng, fx.ann, db, {"SELECT count(*) AS n FROM items"}).rows.at(0).as_object().at("n").as_int64() == 0);
    {
        inline_scope scope(10ms);
        CHECK_THROWS_AS(login(fx.eng, {}, {"ann", "password-ann"}), error);
        // The SQL endpoint's writes need the writer: refused (its reads may run, below).
        CHECK_THROWS_AS(run_sql(fx.eng, fx.ann, db, {"INSERT INTO items (name) VALUES ('x')"}), error);
    }
    // The same mutation outside the scope runs.
    CHECK(execute_graphql(fx.eng, fx.ann, db, m).body == R"({"data":{"insert_items":{"affected_rows":1}}})");
}

TEST_CASE("an inline read that outgrows its budget of CPU time is stopped, then runs elsewhere", "[graphql][inline]") {
    uncached fx;
    // 200,000 rows: a filter on an unindexed expression scans them all (several ms).
    auto db = create_database(fx.eng, fx.ann, {"db", "ann",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200000) "
        "INSERT INTO t SELECT i, 'value ' || i FROM n;", {}}).id;
    auto r = query(R"({ t_aggregate(where: {v: {_like: "%99999%"}}) { aggregate { count } } })");
    auto expected = R"({"data":{"t_aggregate":{"aggregate":{"count":2}}}})";
    CHECK(execute_graphql(fx.eng, fx.ann, db, r).body == expected);  // opens the reader
    CHECK(inline_answer(fx.eng, fx.ann, db, r, 100us) == "would_block");
    CHECK(inline_scope::last_overran());
    // The budget is CPU time: with enough of it the same read completes inline.
    CHECK(inline_answer(fx.eng, fx.ann, db, r, 10s) == expected);
    CHECK_FALSE(inline_scope::last_overran());
    // Outside the scope the request has only the engine's own time limit.
    CHECK(execute_graphql(fx.eng, fx.ann, db, r).body == expected);
}

TEST_CASE("time an inline read spends preempted does not count against its budget", "[graphql][inline]") {
    uncached fx;
    auto db = create_database(fx.eng, fx.ann, {"db", "ann",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
        "INSERT INTO t SELECT i, 'value ' || i FROM n;", {}}).id;
    // A sleep stands for a preempted thread: the scope begins, then wall-clock time passes
    // beyond the budget before the read starts, while the thread's CPU time does not.
    auto r = query(R"({ t_aggregate(where: {v: {_like: "%9%"}}) { aggregate { count } } })");
    auto expected = execute_graphql(fx.eng, fx.ann, db, r).body;
    inline_scope scope(2ms);
    std::this_thread::sleep_for(20ms);  // wall clock far past the budget, CPU time not
    CHECK(execute_graphql(fx.eng, fx.ann, db, r).body == expected);
    CHECK_FALSE(inline_scope::last_overran());
}

TEST_CASE("validating a large document counts against the inline budget", "[graphql][inline]") {
    uncached fx;
    auto db = create_database(fx.eng, fx.ann, {"db", "ann", "CREATE TABLE t (id INTEGER PRIMARY KEY);", {}}).id;
    // 300 fragments and no table field: no read at all, only parsing and validation.
    std::string doc = "query {";
    for (int i = 0; i < 300; ++i) doc += " ...F" + std::to_string(i);
    doc += " }";
    for (int i = 0; i < 300; ++i) doc += " fragment F" + std::to_string(i) + " on Query { __typename }";
    execute_graphql(fx.eng, fx.ann, db, query("{ t { id } }"));  // the reader is open
    CHECK(inline_answer(fx.eng, fx.ann, db, query(doc), 1us) == "would_block");
    CHECK(inline_scope::last_overran());
    CHECK(inline_answer(fx.eng, fx.ann, db, query(doc + " "), 10s) == R"({"data":{"__typename":"Query"}})");
    CHECK_FALSE(inline_scope::last_overran());
}


TEST_CASE("an inline write commits on the calling thread and hands its commit to the caller", "[graphql][inline]") {
    with_items fx;
    bool committed = true;
    // The file is not in WAL mode until its first write (off the I/O thread): refused.
    CHECK(inline_write(fx, insert_one, 10ms, &committed) == "would_block");
    CHECK_FALSE(committed);
    CHECK(fx.count() == 50000);
    CHECK(execute_graphql(fx.eng, fx.ann, fx.db, insert_one).body == R"({"data":{"insert_items":{"affected_rows":1}}})");

    CHECK(inline_write(fx, insert_one, 10ms, &committed) == R"({"data":{"insert_items":{"affected_rows":1}}})");
    CHECK(committed);
    CHECK(fx.count() == 50002);
    // Several root fields: one transaction, one commit.
    auto two = query(R"(mutation { a: insert_items(objects: [{name: "x"}]) { affected_rows }
        b: update_items(where: {name: {eq: "x"}}, set: {name: "y"}) { affected_rows } })");
    CHECK(inline_write(fx, two, 10ms, &committed) == R"({"data":{"a":{"affected_rows":1},"b":{"affected_rows":1}}})");
    CHECK(committed);
    {
        // The commit is in the WAL when the call returns; the caller waits for the disk.
        inline_scope scope(10ms, inline_scope::writes::allowed);
        execute_graphql(fx.eng, fx.ann, fx.db, insert_one);
        auto pending = scope.take_pending_commits();
        CHECK_FALSE(pending.empty());
        CHECK_FALSE(scope.committed());  // taken
        pending.wait();
        CHECK(pending.empty());
    }
    CHECK(fx.count() == 50004);
    // A mutation that fails (a constraint) commits nothing: an answer with errors, no commit.
    auto dup = query(R"(mutation { insert_items(objects: [{id: 1, name: "dup"}]) { affected_rows } })");
    auto failed = boost::json::parse(inline_write(fx, dup, 10ms, &committed));
    CHECK(failed.at("errors").as_array().size() == 1);
    CHECK_FALSE(committed);
    // Queries still run inline in a scope that allows writes.
    CHECK(inline_write(fx, query(R"({ items(where: {name: {eq: "y"}}) { id } })"), 10ms) ==
          R"({"data":{"items":[{"id":50003}]}})");
}

TEST_CASE("commits wait on their own database's sync, which their sync key names", "[graphql][inline]") {
    with_items fx;
    auto other = create_database(fx.eng, fx.ann, {"other", "ann", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)", {}}).id;
    // First writes off the I/O thread switch both files to WAL mode.
    execute_graphql(fx.eng, fx.ann, fx.db, insert_one);
    execute_graphql(fx.eng, fx.ann, other, insert_one);
    auto commit_on = [&](const std::string& db) {
        inline_scope scope(10ms, inline_scope::writes::allowed);
        CHECK(execute_graphql(fx.eng, fx.ann, db, insert_one).body ==
              R"({"data":{"insert_items":{"affected_rows":1}}})");
        return scope.take_pending_commits();
    };
    auto first = commit_on(fx.db);
    auto second = commit_on(fx.db);
    auto elsewhere = commit_on(other);
    CHECK_FALSE(first.empty());
    CHECK(first.sync_key() == second.sync_key());
    CHECK(first.sync_key() != elsewhere.sync_key());
    first.wait();
    second.wait();
    elsewhere.wait();
    CHECK(pending_commits().sync_key() == 0);
    CHECK(first.sync_key() == 0);  // waited for: empty
    CHECK(fx.count() == 50003);
}

TEST_CASE("an inline write that outgrows its budget is rolled back whole, then runs elsewhere", "[graphql][inline]") {
    with_items fx;
    execute_graphql(fx.eng, fx.ann, fx.db, insert_one);  // WAL mode, the writer is warm
    // The first root field is cheap; the second rewrites 50,000 rows (many ms).
    auto heavy = query(R"(mutation { a: insert_items(objects: [{name: "first"}]) { affected_rows }
        b: update_items(where: {name: {like: "item%"}}, set: {name: "renamed"}) { affected_rows } })");
    bool committed = true;
    CHECK(inline_write(fx, heavy, 200us, &committed) == "would_block");
    CHECK(inline_scope::last_overran());
    CHECK_FALSE(committed);
    CHECK(fx.count() == 50001);  // the first field's row went with the rollback
    // Run again off the I/O thread: applied once.
    CHECK(execute_graphql(fx.eng, fx.ann, fx.db, heavy).body ==
          R"({"data":{"a":{"affected_rows":1},"b":{"affected_rows":50000}}})");
    CHECK(fx.count() == 50002);
    CHECK(run_sql(fx.eng, fx.ann, fx.db, {"SELECT count(*) AS n FROM items WHERE name = 'renamed'"})
              .rows.at(0).as_object().at("n").as_int64() == 50000);
}

TEST_CASE("inline writes are refused up front when the writer is busy, audited, or in a batch", "[graphql][inline]") {
    with_items fx;
    execute_graphql(fx.eng, fx.ann, fx.db, insert_one);
    bool committed = true;
    SECTION("a scope without writes refuses mutations") {
        inline_scope scope(10ms);
        CHECK_THROWS_AS(execute_graphql(fx.eng, fx.ann, fx.db, insert_one), error);
        CHECK_FALSE(scope.committed());
    }
    SECTION("the writer is held by another thread: no waiting for it") {
        auto hosted = fx.eng.internals().databases.open(fx.db);
        std::promise<void> held;
        std::promise<void> release;
        std::thread holder([&] {
            auto lease = hosted->writer(audit::context::off());
            held.set_value();
            release.get_future().wait();
        });
        held.get_future().wait();
        auto started = std::chrono::steady_clock::now();
        CHECK(inline_write(fx, insert_one, 10ms, &committed) == "would_block");
        CHECK(std::chrono::steady_clock::now() - started < 5s);  // no busy wait either
        CHECK_FALSE(inline_scope::last_overran());
        release.set_value();
        holder.join();
        CHECK(inline_write(fx, insert_one, 10ms, &committed) != "would_block");
    }
    SECTION("an audited database writes its log to the catalog: off the I/O thread") {
        database_patch on;
        on.auditing = true;
        update_database(fx.eng, fx.ann, fx.db, on);
        auto logged = read_audit_log(fx.eng, fx.ann, fx.db, {}).entries.size();
        CHECK(inline_write(fx, insert_one, 10ms, &committed) == "would_block");
        CHECK_FALSE(committed);
        CHECK(execute_graphql(fx.eng, fx.ann, fx.db, insert_one).body ==
              R"({"data":{"insert_items":{"affected_rows":1}}})");
        CHECK(read_audit_log(fx.eng, fx.ann, fx.db, {}).entries.size() == logged + 1);
    }
    SECTION("a batch of several operations writes nothing inline") {
        auto batch = boost::json::parse(R"([
            {"query": "mutation { insert_items(objects: [{name: \"b1\"}]) { affected_rows } }"},
            {"query": "mutation { insert_items(objects: [{name: \"b2\"}]) { affected_rows } }"}])").as_array();
        {
            inline_scope scope(10ms, inline_scope::writes::allowed);
            CHECK_THROWS_AS(execute_graphql_batch(fx.eng, fx.ann, fx.db, batch,
                                                  introspection_view::full, false),
                            error);
            CHECK_FALSE(scope.committed());
        }
        CHECK(fx.count() == 50001);
        // One operation alone may.
        boost::json::array one{batch.at(0)};
        inline_scope scope(10ms, inline_scope::writes::allowed);
        CHECK(execute_graphql_batch(fx.eng, fx.ann, fx.db, one, introspection_view::full, false)
                  .at(0).body == R"({"data":{"insert_items":{"affected_rows":1}}})");
        CHECK(scope.committed());
        scope.take_pending_commits().wait();
    }
    CHECK(fx.count() >= 50001);
}

TEST_CASE("the SQL endpoint's reads run inline; its writes and overruns run elsewhere", "[sql][inline]") {
    with_items fx;
    auto count_sql = sql_request{"SELECT count(*) AS n FROM items WHERE name LIKE '%9999%'"};
    auto expected = run_sql(fx.eng, fx.ann, fx.db, count_sql);  // opens the reader
    REQUIRE(expected.errors.empty());
    CHECK(expected.rows.at(0).as_object().at("n").as_int64() == 5);
    auto in_scope = [&](const sql_request& r, std::chrono::microseconds budget) -> std::optional<sql_result> {
        inline_scope scope(budget);
        try {
            return run_sql(fx.eng, fx.ann, fx.db, r);
        } catch (const error& e) {
            if (e.code() != errc::would_block) throw;
            return std::nullopt;
        }
    };
    // A cheap read: answered inline, the same rows.
    auto cheap = sql_request{"SELECT id, name FROM items WHERE id IN (1, 2) ORDER BY id"};
    auto inline_rows = in_scope(cheap, 10ms);
    REQUIRE(inline_rows);
    CHECK(inline_rows->rows == run_sql(fx.eng, fx.ann, fx.db, cheap).rows);
    // A scan of 50,000 rows with LIKE: over a 100 µs budget, stopped; with 10 s, it completes.
    CHECK_FALSE(in_scope(count_sql, 100us));
    CHECK(inline_scope::last_overran());
    auto slow = in_scope(count_sql, 10s);
    REQUIRE(slow);
    CHECK(slow->rows == expected.rows);
    CHECK(slow->errors.empty());
    // Writes, scripts of several statements and scripts that do not prepare (not known to be
    // reads) take the writer's path: refused before anything runs.
    CHECK_FALSE(in_scope(sql_request{"SELECT nope FROM items"}, 10ms));
    CHECK_FALSE(in_scope(sql_request{"DELETE FROM items"}, 10ms));
    CHECK_FALSE(in_scope(sql_request{"SELECT 1; SELECT 2"}, 10ms));
    CHECK(fx.count() == 50000);
    // A runaway query is stopped at the budget, not at the 20 s time limit.
    auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(in_scope(sql_request{"WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"}, 1ms));
    CHECK(inline_scope::last_overran());
    CHECK(std::chrono::steady_clock::now() - started < 5s);
}

TEST_CASE("an inline write whose sync failed is reported by its pending commits",
          "[graphql][inline]") {
    with_items fx;
    execute_graphql(fx.eng, fx.ann, fx.db, insert_one);  // opens what an inline write needs
    REQUIRE(inline_write(fx, insert_one, std::chrono::milliseconds(500)).find("affected_rows") !=
            std::string::npos);
    fx.eng.internals().databases.open(fx.db)->group_commit_for_testing()->fail_syncs_for_testing();
    pending_commits pending;
    {
        inline_scope scope(std::chrono::milliseconds(500), inline_scope::writes::allowed);
        auto body = execute_graphql(fx.eng, fx.ann, fx.db, insert_one).body;
        REQUIRE(body.find("\"affected_rows\":1") != std::string::npos);
        pending = scope.take_pending_commits();
    }
    REQUIRE_FALSE(pending.empty());
    CHECK_FALSE(pending.wait());  // the server answers 500, not the body above
    CHECK_FALSE(take_durability_failure());  // told through wait(), not the thread's flag
}
