// SPDX-License-Identifier: Apache-2.0
#include <boost/json/parse.hpp>

#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;

namespace {

boost::json::array batch_of(std::string_view json) { return boost::json::parse(json).as_array(); }

}  // namespace

TEST_CASE("a batch runs its requests in order, each with its own errors", "[graphql][batch]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    auto answers = execute_graphql_batch(
        fx.eng, ada, db,
        batch_of(R"([
            {"query": "mutation { insert_t(objects: [{v: \"a\"}]) { affected_rows } }"},
            {"query": "{ t { v } }"},
            {"query": "{ nope }"},
            {"query": 42},
            {"query": "query Q($n: Int!) { t(limit: $n) { id } }", "variables": {"n": 1}}
        ])"),
        introspection_view::full, false);
    REQUIRE(answers.size() == 5);
    CHECK(boost::json::parse(answers[0].body) ==
          boost::json::parse(R"({"data":{"insert_t":{"affected_rows":1}}})"));
    // The second sees the first one's write.
    CHECK(boost::json::parse(answers[1].body) == boost::json::parse(R"({"data":{"t":[{"v":"a"}]}})"));
    CHECK(answers[2].request_error);
    CHECK_THAT(answers[2].body, Catch::Contains("Cannot query field"));
    CHECK(answers[3].request_error);
    CHECK_THAT(answers[3].body, Catch::Contains("query"));
    CHECK(boost::json::parse(answers[4].body) == boost::json::parse(R"({"data":{"t":[{"id":1}]}})"));
}

TEST_CASE("a batch must hold between 1 and graphql_max_batch requests", "[graphql][batch]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada", "CREATE TABLE t (id INTEGER PRIMARY KEY)");
    CHECK_THROWS_WITH(execute_graphql_batch(fx.eng, ada, db, {}, introspection_view::full, false),
                      Catch::Contains("at least one"));
    boost::json::array many;
    for (std::size_t i = 0; i <= fx.eng.config().graphql_max_batch; ++i) {
        many.push_back(boost::json::object{{"query", "{ t { id } }"}});
    }
    CHECK_THROWS_WITH(execute_graphql_batch(fx.eng, ada, db, many, introspection_view::full, false),
                      Catch::Contains("at most 50"));
    many.pop_back();
    CHECK(execute_graphql_batch(fx.eng, ada, db, many, introspection_view::full, false).size() == 50);
}

TEST_CASE("a batch for a database the caller cannot see fails whole", "[graphql][batch]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto bob = fx.user("bob");
    auto db = fx.database(ada, "ada", "CREATE TABLE t (id INTEGER PRIMARY KEY)");
    CHECK_THROWS_AS(execute_graphql_batch(fx.eng, bob, db, batch_of(R"([{"query": "{ t { id } }"}])"),
                                          introspection_view::full, false),
                    error);
}

TEST_CASE("a batch shares one time limit", "[graphql][batch]") {
    test::temp_dir dir;
    auto opts = test::engine_fixture::make_options(dir);
    opts.graphql_timeout = std::chrono::milliseconds(300);
    engine eng(opts);
    sign_up(eng, principal::anonymous(), {"ada", "ada@example.com", "password-ada"});
    auto ada = authenticate(
        eng, credentials{.bearer = login(eng, principal::anonymous(), {"ada", "password-ada"}).session_token});
    auto db = create_database(eng, ada,
                              {"db", "ada",
                               "CREATE VIEW endless AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                               "SELECT x + 1 FROM c) SELECT count(*) AS n FROM c",
                               std::nullopt})
                  .id;
    boost::json::array batch;
    for (int i = 0; i < 4; ++i) batch.push_back(boost::json::object{{"query", "{ endless { n } }"}});
    auto answers = execute_graphql_batch(eng, ada, db, batch, introspection_view::full, false);
    REQUIRE(answers.size() == 4);
    // The first runs into the limit; the rest are not run at all.
    CHECK_THAT(answers[0].body, Catch::Contains("time limit"));
    for (std::size_t i = 1; i < answers.size(); ++i) {
        INFO(i);
        CHECK(answers[i].request_error);
        CHECK_THAT(answers[i].body, Catch::Contains("the batch ran past its time limit of 300 ms"));
    }
}

TEST_CASE("a batch's answers share one size cap", "[graphql][batch]") {
    test::temp_dir dir;
    auto opts = test::engine_fixture::make_options(dir);
    opts.graphql_max_response_bytes = 4000;
    engine eng(opts);
    sign_up(eng, principal::anonymous(), {"ada", "ada@example.com", "password-ada"});
    auto ada = authenticate(
        eng, credentials{.bearer = login(eng, principal::anonymous(), {"ada", "password-ada"}).session_token});
    auto db = create_database(eng, ada,
                              {"db", "ada",
                               "CREATE TABLE t (s TEXT); INSERT INTO t VALUES (printf('%.1500c', 'x'))",
                               std::nullopt})
                  .id;
    boost::json::array batch;
    for (int i = 0; i < 4; ++i) batch.push_back(boost::json::object{{"query", "{ t { s } }"}});
    auto answers = execute_graphql_batch(eng, ada, db, batch, introspection_view::full, false);
    REQUIRE(answers.size() == 4);
    // Each answer is ~1.5 KB: two fit under 4,000 bytes, the others are left out.
    CHECK_THAT(answers[0].body, Catch::Contains("xxxx"));
    CHECK_THAT(answers[1].body, Catch::Contains("xxxx"));
    for (std::size_t i = 2; i < answers.size(); ++i) {
        INFO(i);
        CHECK_THAT(answers[i].body, Catch::Contains("larger than 4000 bytes"));
    }
}
