// SPDX-License-Identifier: Apache-2.0
// Compiled query plans: a repeated query without variables is not compiled again, its plan
// outlives writes (they change values, not SQL), and a schema change retires it.
#include <boost/json/parse.hpp>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "core/engine_impl.hpp"
#include "engine_fixture.hpp"

using namespace airsql;

namespace {

struct plan_fixture {
    test::temp_dir dir;
    engine eng{[&] {
        auto o = test::engine_fixture::make_options(dir);
        o.graphql_response_cache_bytes = 0;  // every request runs: plans, not answers, are kept
        return o;
    }()};
    principal ann = [&] {
        sign_up(eng, {}, {"ann", "ann@example.com", "password-ann"});
        return authenticate(eng, {.bearer = login(eng, {}, {"ann", "password-ann"}).session_token});
    }();
    database_info db =
        get_database(eng, ann,
                     create_database(eng, ann,
                                     {"db", "ann",
                                      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); "
                                      "INSERT INTO items VALUES (1, 'a');",
                                      std::nullopt})
                         .id);

    std::string run(const std::string& query, boost::json::object variables = {}) {
        graphql_request r;
        r.query = query;
        r.variables = std::move(variables);
        return execute_graphql(eng, ann, db.id, r).body;
    }
    std::shared_ptr<const graphql::query_plan> plan(const std::string& query) {
        auto& e = eng.internals();
        auto hosted = e.databases.open(db.id);
        auto schema = e.graphql_schemas.get(*hosted, graphql::access_mode::read_write);
        return e.graphql_documents.find_plan(query, schema, "", db.readonly_id);
    }
};

}  // namespace

TEST_CASE("a repeated query reuses its compiled plan across writes", "[graphql][plan]") {
    plan_fixture fx;
    const std::string q = "{ items(order_by: [{id: ASC}]) { id name } }";
    CHECK(fx.plan(q) == nullptr);
    CHECK(fx.run(q) == R"({"data":{"items":[{"id":1,"name":"a"}]}})");
    auto first = fx.plan(q);
    REQUIRE(first != nullptr);
    REQUIRE(first->fields.size() == 1);
    CHECK(first->fields[0].has_value());

    // Writes change the answer, not the plan.
    run_sql(fx.eng, fx.ann, fx.db.id, {"INSERT INTO items VALUES (2, 'b')"});
    CHECK(fx.run(q) == R"({"data":{"items":[{"id":1,"name":"a"},{"id":2,"name":"b"}]}})");
    graphql_request m;
    m.query =
        R"(mutation { update_items(where: {id: {_eq: 1}}, _set: {name: "z"}) { affected_rows } })";
    execute_graphql(fx.eng, fx.ann, fx.db.id, m);
    CHECK(fx.run(q) == R"({"data":{"items":[{"id":1,"name":"z"},{"id":2,"name":"b"}]}})");
    CHECK(fx.plan(q) == first);

    // A schema change retires it: the column is gone.
    run_sql(fx.eng, fx.ann, fx.db.id, {"ALTER TABLE items RENAME COLUMN name TO title"});
    auto body = boost::json::parse(fx.run(q));
    CHECK(body.at("errors").as_array().size() == 1);
    CHECK(fx.run("{ items(order_by: [{id: ASC}]) { title } }") ==
          R"({"data":{"items":[{"title":"z"},{"title":"b"}]}})");
}

TEST_CASE("queries with variables, errors or mutations keep no plan", "[graphql][plan]") {
    plan_fixture fx;
    // Variables may change what is compiled (a filter's shape): compiled on every run.
    const std::string with_vars = "query ($w: items_filter) { items(where: $w) { id } }";
    CHECK(fx.run(with_vars, {{"w", boost::json::object{{"id", {{"_eq", 1}}}}}}) ==
          R"({"data":{"items":[{"id":1}]}})");
    CHECK(fx.plan(with_vars) == nullptr);
    CHECK(fx.run(with_vars, {{"w", boost::json::object{{"id", {{"_gt", 1}}}}}}) ==
          R"({"data":{"items":[]}})");

    // A field that fails to compile is an error every time, never a plan.
    const std::string bad = "{ items(limit: -1) { id } }";
    auto first = fx.run(bad);
    CHECK(first.find("The limit must be positive") != std::string::npos);
    CHECK(fx.plan(bad) == nullptr);
    CHECK(fx.run(bad) == first);

    const std::string m =
        R"(mutation { insert_items(objects: [{id: 3, name: "c"}]) { affected_rows } })";
    CHECK(fx.run(m) == R"({"data":{"insert_items":{"affected_rows":1}}})");
    CHECK(fx.plan(m) == nullptr);
}
