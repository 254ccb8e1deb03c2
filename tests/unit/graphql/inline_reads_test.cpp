// SPDX-License-Identifier: Apache-2.0
// inline_read_scope: GraphQL queries may read on the calling (I/O) thread within a budget of
// CPU time; anything else, or a read that outgrows the budget, throws would_block before any
// side effect, and the same request then runs normally outside the scope.
#include <boost/json/parse.hpp>

#include <chrono>
#include <thread>

#include "airsql/airsql.hpp"
#include "catch.hpp"
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

// The request's answer inside an inline_read_scope of `budget`, or "would_block".
std::string inline_answer(engine& eng, const principal& who, const std::string& db,
                          const graphql_request& r, std::chrono::microseconds budget) {
    inline_read_scope scope(budget);
    try {
        return execute_graphql(eng, who, db, r).body;
    } catch (const error& e) {
        if (e.code() == errc::would_block) return "would_block";
        throw;
    }
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
    CHECK_FALSE(inline_read_scope::last_overran());
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
        inline_read_scope scope(10ms);
        CHECK_THROWS_AS(login(fx.eng, {}, {"ann", "password-ann"}), error);
        CHECK_THROWS_AS(run_sql(fx.eng, fx.ann, db, {"SELECT 1"}), error);
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
    CHECK(inline_read_scope::last_overran());
    // The budget is CPU time: with enough of it the same read completes inline.
    CHECK(inline_answer(fx.eng, fx.ann, db, r, 10s) == expected);
    CHECK_FALSE(inline_read_scope::last_overran());
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
    inline_read_scope scope(2ms);
    std::this_thread::sleep_for(20ms);  // wall clock far past the budget, CPU time not
    CHECK(execute_graphql(fx.eng, fx.ann, db, r).body == expected);
    CHECK_FALSE(inline_read_scope::last_overran());
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
    CHECK(inline_read_scope::last_overran());
    CHECK(inline_answer(fx.eng, fx.ann, db, query(doc + " "), 10s) == R"({"data":{"__typename":"Query"}})");
    CHECK_FALSE(inline_read_scope::last_overran());
}
