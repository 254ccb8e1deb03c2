// SPDX-License-Identifier: Apache-2.0
// Automatic persisted queries: documents by their SHA-256, per database, bounded.
#include <boost/json/parse.hpp>
#include <boost/json/value_to.hpp>

#include "catch.hpp"
#include "engine_fixture.hpp"
#include "graphql/persisted_queries.hpp"

using namespace airsql;

namespace {

// sha256("{ t { v } }"), from Python's hashlib.
constexpr const char* list_hash = "ba3895ae80482fb6ba3b3dab76b0a1f22174222aa61ea58a213e2898a67c131c";

graphql_request request_of(std::string_view json) {
    return boost::json::value_to<graphql_request>(boost::json::parse(json));
}

}  // namespace

TEST_CASE("a persisted query runs by hash once its document was sent with it",
          "[graphql][persisted]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada", "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x')");
    auto other = fx.database(ada, "ada", "CREATE TABLE t (v TEXT)");
    auto hash_only = [&] {
        return request_of(R"({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": ")" +
                          std::string(list_hash) + "\"}}}");
    };
    auto unknown = execute_graphql(fx.eng, ada, db, hash_only());
    CHECK_FALSE(unknown.request_error);  // HTTP 200: Apollo's link stops hashing on a 400
    CHECK(boost::json::parse(unknown.body) ==
          boost::json::parse(R"({"data":null,"errors":[{"message":"PersistedQueryNotFound",
                                 "extensions":{"code":"PERSISTED_QUERY_NOT_FOUND"}}]})"));
    auto with_query = hash_only();
    with_query.query = "{ t { v } }";
    CHECK(execute_graphql(fx.eng, ada, db, with_query).body == R"({"data":{"t":[{"v":"x"}]}})");
    CHECK(execute_graphql(fx.eng, ada, db, hash_only()).body == R"({"data":{"t":[{"v":"x"}]}})");
    // Another database does not know it.
    CHECK_THAT(execute_graphql(fx.eng, ada, other, hash_only()).body,
               Catch::Contains("PersistedQueryNotFound"));
    // A document that is not the hash's.
    auto mismatch = hash_only();
    mismatch.query = "{ t { v v } }";
    auto refused = execute_graphql(fx.eng, ada, other, mismatch);
    CHECK(refused.request_error);
    CHECK_THAT(refused.body, Catch::Contains("provided sha does not match query"));
    // Subscriptions and one-shot operations through start_graphql too.
    auto started = start_graphql(fx.eng, ada, db, hash_only(), [](subscription_event) {});
    REQUIRE(started.response);
    CHECK(started.response->body == R"({"data":{"t":[{"v":"x"}]}})");
}

TEST_CASE("persisted-query extensions are read strictly", "[graphql][persisted]") {
    CHECK(request_of(R"({"query": "{ a }", "extensions": {"other": 1}})").persisted_query_hash.empty());
    auto upper = request_of(R"({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789"}}})");
    CHECK(upper.persisted_query_hash ==
          "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    CHECK(upper.query.empty());
    CHECK_THROWS_WITH(request_of(R"({"extensions": {}})"), Catch::Contains("query"));
    CHECK_THROWS_WITH(request_of(R"({"extensions": {"persistedQuery": {"version": 2, "sha256Hash": "x"}}})"),
                      Catch::Contains("Unsupported persisted query version"));
    CHECK_THROWS_WITH(request_of(R"({"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}})"),
                      Catch::Contains("64 hex digits"));
}

TEST_CASE("the persisted-query store forgets the least recently used first, within its bytes",
          "[graphql][persisted]") {
    graphql::persisted_queries store(1000);
    std::string doc(300, ' ');
    for (int i = 0; i < 4; ++i) store.remember("db", std::to_string(i), doc);
    CHECK(store.size() == 2);  // each weighs 128 + 4 + 300: two fit in 1000 bytes
    CHECK_FALSE(store.find("db", "0"));
    CHECK(store.find("db", "2"));  // used: now the most recent
    store.remember("db", "4", doc);
    CHECK(store.find("db", "2"));
    CHECK_FALSE(store.find("db", "3"));
    store.remember("db", "big", std::string(2000, ' '));  // larger than the whole store
    CHECK_FALSE(store.find("db", "big"));
    CHECK(store.find("db", "4"));
    graphql::persisted_queries off(0);
    CHECK_FALSE(off.enabled());
}
