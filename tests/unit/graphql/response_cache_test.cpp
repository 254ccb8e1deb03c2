// SPDX-License-Identifier: Apache-2.0
// The GraphQL response cache must never serve data older than the last write, and memory-only
// callers (the server's I/O threads) must get either a cached answer or would_block.
#include <boost/json/parse.hpp>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;

namespace {

std::string names(test::engine_fixture& fx, const principal& who, const std::string& db) {
    graphql_request r;
    r.query = "{ items(order_by: [{id: ASC}]) { name } }";
    return execute_graphql(fx.eng, who, db, r).body;
}

}  // namespace

TEST_CASE("cached GraphQL responses never outlive a write", "[graphql][cache]") {
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items VALUES (1, 'a');");
    CHECK(names(fx, ann, db) == R"({"data":{"items":[{"name":"a"}]}})");
    CHECK(names(fx, ann, db) == R"({"data":{"items":[{"name":"a"}]}})");  // served from the cache

    // A write through the SQL endpoint.
    run_sql(fx.eng, ann, db, {"INSERT INTO items VALUES (2, 'b')"});
    CHECK(names(fx, ann, db) == R"({"data":{"items":[{"name":"a"},{"name":"b"}]}})");

    // A write through a GraphQL mutation.
    graphql_request m;
    m.query = R"(mutation { update_items(where: {id: {_eq: 1}}, _set: {name: "z"}) { affected_rows } })";
    CHECK(execute_graphql(fx.eng, ann, db, m).body == R"({"data":{"update_items":{"affected_rows":1}}})");
    CHECK(names(fx, ann, db) == R"({"data":{"items":[{"name":"z"},{"name":"b"}]}})");

    // A schema change: the column is gone, so the old answer would be wrong twice over.
    run_sql(fx.eng, ann, db, {"ALTER TABLE items RENAME COLUMN name TO title"});
    auto body = boost::json::parse(names(fx, ann, db));
    CHECK(body.at("errors").as_array().size() == 1);
}

TEST_CASE("responses of views are not cached (they may use random() or the clock)", "[graphql][cache]") {
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann", "CREATE VIEW r AS SELECT random() AS x;");
    graphql_request r;
    r.query = "{ r { x } }";
    CHECK(execute_graphql(fx.eng, ann, db, r).body != execute_graphql(fx.eng, ann, db, r).body);
}

TEST_CASE("memory-only callers get a cached answer or would_block, never blocking work", "[graphql][cache]") {
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items VALUES (1, 'a');");
    graphql_request r;
    r.query = "{ items { name } }";
    auto blocked = [&] {
        memory_only_scope scope;
        try {
            execute_graphql(fx.eng, ann, db, r);
        } catch (const error& e) {
            return e.code() == errc::would_block;
        }
        return false;
    };
    CHECK(blocked());                                   // nothing cached yet: refused
    auto body = execute_graphql(fx.eng, ann, db, r).body;  // a worker answers and caches
    {
        memory_only_scope scope;
        CHECK(execute_graphql(fx.eng, ann, db, r).body == body);  // now answered from memory
    }
    run_sql(fx.eng, ann, db, {"INSERT INTO items VALUES (2, 'b')"});
    CHECK(blocked());  // the write made the cached answer stale
    // Mutations and password hashing are never memory-only work.
    graphql_request m;
    m.query = R"(mutation { insert_items(objects: [{name: "c"}]) { affected_rows } })";
    {
        memory_only_scope scope;
        CHECK_THROWS_AS(execute_graphql(fx.eng, ann, db, m), error);
        CHECK_THROWS_AS(login(fx.eng, {}, {"ann", "password-ann"}), error);
    }
    CHECK(run_sql(fx.eng, ann, db, {"SELECT count(*) AS n FROM items"}).rows.size() == 1);
}

TEST_CASE("the cache can be turned off", "[graphql][cache]") {
    test::temp_dir dir;
    auto opts = test::engine_fixture::make_options(dir);
    opts.graphql_response_cache_bytes = 0;
    engine eng(opts);
    sign_up(eng, {}, {"ann", "ann@example.com", "password-ann"});
    auto ann = authenticate(eng, {.bearer = login(eng, {}, {"ann", "password-ann"}).session_token});
    auto db = create_database(eng, ann, {"db", "ann", "CREATE TABLE items (name TEXT)", {}}).id;
    graphql_request r;
    r.query = "{ items { name } }";
    execute_graphql(eng, ann, db, r);
    memory_only_scope scope;
    CHECK_THROWS_AS(execute_graphql(eng, ann, db, r), error);
}
