// SPDX-License-Identifier: Apache-2.0
// GraphQL under hostile requests, through `airsql::execute_graphql`: the node, alias and
// response-size limits of airsql::options, valid UTF-8 out of invalid stored text, and
// generated names that never take a table's name.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <string>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"
#include "graphql/document_cache.hpp"
#include "json/utf8.hpp"

using namespace airsql;
namespace bj = boost::json;

namespace {

/// An engine with one database owned by "ann", created from `sql`, and `opts` adjusted.
struct hardened {
    test::temp_dir dir;
    engine eng;
    principal owner;
    std::string db;

    template <class Adjust>
    hardened(const std::string& sql, Adjust adjust) : eng(options_for(dir, adjust)) {
        sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
        auto res = login(eng, principal::anonymous(), {"ann", "password-ann"});
        owner = authenticate(eng, credentials{.bearer = res.session_token});
        db = create_database(eng, owner, {"db", "ann", sql, std::nullopt}).id;
    }
    explicit hardened(const std::string& sql) : hardened(sql, [](options&) {}) {}

    template <class Adjust>
    static options options_for(const test::temp_dir& d, Adjust adjust) {
        auto o = test::engine_fixture::make_options(d);
        adjust(o);
        return o;
    }

    std::string body(std::string query) {
        graphql_request r;
        r.query = std::move(query);
        return execute_graphql(eng, owner, db, r).body;
    }

    bj::value run(std::string query) { return bj::parse(body(std::move(query))); }
};

std::string only_message(const bj::value& response) {
    INFO(bj::serialize(response));
    const auto* errors = response.as_object().if_contains("errors");
    REQUIRE(errors);
    REQUIRE(errors->as_array().size() == 1);
    return std::string(errors->as_array()[0].at("message").as_string());
}

// `{ a0: t { id name } a1: t { id name } … }`
std::string aliases(std::size_t n, std::string_view selection) {
    std::string q = "{";
    for (std::size_t i = 0; i < n; ++i)
        q += " a" + std::to_string(i) + ": " + std::string(selection);
    return q + " }";
}

// F0 spreads F1 twice, F1 spreads F2 twice, …: 2^levels fields after expansion.
std::string doubling_fragments(std::size_t levels) {
    std::string q = "{ t { ...F0 } }";
    for (std::size_t i = 0; i < levels; ++i) {
        auto next = "F" + std::to_string(i + 1);
        q += " fragment F" + std::to_string(i) + " on t_row { ..." + next + " ..." + next + " }";
    }
    return q + " fragment F" + std::to_string(levels) + " on t_row { name }";
}

constexpr const char* rows_sql =
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) "
    "INSERT INTO t SELECT i, printf('%.50c', 'x') FROM n;";

}  // namespace

TEST_CASE("exponentially nested fragments are refused by the node limit before execution",
          "[graphql][hardening]") {
    hardened api(rows_sql);
    // 2^27 names and the root field `t`. The old validator took minutes on this 1.5 KB document.
    CHECK(only_message(api.run(doubling_fragments(27))) ==
          "The document has 134217729 fields after fragment expansion; the limit is 10000.");
    CHECK(only_message(api.run(doubling_fragments(40))) ==
          "The document has 1099511627777 fields after fragment expansion; the limit is 10000.");
    // Past 2^64 the count saturates instead of wrapping round to a small number.
    CHECK(only_message(api.run(doubling_fragments(70))) ==
          "The document has too many fields after fragment expansion; the limit is 10000.");
    // Below the limit the same shape runs, each fragment once per selection.
    auto ok = api.run(doubling_fragments(3));
    CHECK_FALSE(ok.as_object().contains("errors"));
    CHECK(ok.at("data").at("t").as_array().size() == 200);
}

TEST_CASE("options::graphql_max_nodes counts fields with fragments expanded",
          "[graphql][hardening]") {
    hardened api(rows_sql, [](options& o) { o.graphql_max_nodes = 6; });
    // 3 fields in the fragment, spread twice (in two root fields) + 2 root fields = 8.
    CHECK(only_message(api.run("{ a: t(limit: 1) { ...F } b: t(limit: 1) { ...F } } "
                               "fragment F on t_row { id name __typename }")) ==
          "The document has 8 fields after fragment expansion; the limit is 6.");
    auto ok = api.run(
        "{ a: t(limit: 1) { ...F } b: t(limit: 1) { id } } fragment F on t_row { id name }");
    CHECK_FALSE(ok.as_object().contains("errors"));
}

TEST_CASE("options::graphql_max_aliases bounds the aliased fields of a document",
          "[graphql][hardening]") {
    hardened api(rows_sql, [](options& o) { o.graphql_max_aliases = 3; });
    CHECK(only_message(api.run(aliases(4, "t(limit: 1) { id }"))) ==
          "The document has 4 aliased fields; the limit is 3.");
    CHECK_FALSE(api.run(aliases(3, "t(limit: 1) { id }")).as_object().contains("errors"));
    // The default is 200.
    hardened defaults(rows_sql);
    CHECK(only_message(defaults.run(aliases(201, "t(limit: 1) { id }"))) ==
          "The document has 201 aliased fields; the limit is 200.");
}

TEST_CASE("options::graphql_max_response_bytes stops execution at the field that passes it",
          "[graphql][hardening]") {
    // 200 rows of about 70 bytes: one root field is about 14 KB.
    hardened api(rows_sql, [](options& o) { o.graphql_max_response_bytes = 50'000; });
    auto r = api.run(aliases(10, "t { id name }"));
    CHECK(r.at("data").is_null());
    CHECK(only_message(r) ==
          "the response is larger than 50000 bytes; select fewer rows or fields");
    // Three fields fit.
    auto ok = api.run(aliases(3, "t { id name }"));
    CHECK_FALSE(ok.as_object().contains("errors"));
    CHECK(ok.at("data").at("a2").as_array().size() == 200);
    // A mutation whose answer is too large is refused and rolled back.
    auto m = api.run("mutation { update_t(where: {id: {_gt: 0}}, _set: {name: \"" +
                     std::string(100, 'y') +
                     "\"}) { "
                     "a: returning { id name } b: returning { id name } c: returning { id name } "
                     "d: returning { id name } } }");
    CHECK(m.at("data").is_null());
    CHECK(only_message(m) ==
          "the response is larger than 50000 bytes; select fewer rows or fields");
    CHECK(api.run("{ t(limit: 1) { name } }").at("data").at("t").at(0).at("name").as_string() ==
          std::string(50, 'x'));
}

TEST_CASE("one root field larger than the response limit is stopped while it is built",
          "[graphql][hardening]") {
    // A 3 MiB value: SQLite refuses to read a string that long for GraphQL. 1.5 MB of U+0001:
    // under the limit as stored, six times longer as JSON (\u0001 each), stopped while the
    // executor writes it.
    for (const char* value : {"printf('%.3145728c', 'x')",
                              "replace(printf('%.1572864c', 'x'), 'x', char(1))"}) {
        hardened api(std::string("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);"
                                 "INSERT INTO t VALUES (1, ") +
                         value + ");",
                     [](options& o) { o.graphql_max_response_bytes = 2'000'000; });
        auto r = api.run("{ t { id name } }");
        CHECK(r.at("data").is_null());
        CHECK(only_message(r) ==
              "the response is larger than 2000000 bytes; select fewer rows or fields");
        CHECK(api.run("{ t_aggregate { aggregate { count } } }")
                  .at("data")
                  .at("t_aggregate")
                  .at("aggregate")
                  .at("count") == 1);
        CHECK(api.run("{ t { id } }").at("data").at("t").at(0).at("id") == 1);
    }
}

namespace {
// A 300 ms GraphQL time limit and a 200 KB response limit.
void with_small_limits(options& o) {
    o.graphql_timeout = std::chrono::milliseconds(300);
    o.graphql_max_response_bytes = 200'000;
}
}  // namespace

TEST_CASE("nested lists run as statements of their own keep the time and size limits",
          "[graphql][hardening]") {
    // 2,000 parents; each nested list scans 20,000 unindexed children for its key: 40 million
    // rows, far past a 300 ms limit. The same lists, indexed, with every child selected make
    // 2,000 x 10 rows of 60 bytes, past a 200 KB response.
    std::string sql =
        "CREATE TABLE p (id INTEGER PRIMARY KEY);"
        "CREATE TABLE kids (id INTEGER PRIMARY KEY, v TEXT NOT NULL, p_id INTEGER REFERENCES p(id));"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
        "INSERT INTO p SELECT i FROM n;"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) "
        "INSERT INTO kids SELECT i, printf('%.50c', 'k'), i % 2000 + 1 FROM n;";
    hardened api(sql, with_small_limits);
    auto started = std::chrono::steady_clock::now();
    auto slow = api.run("{ p(limit: 2000) { id kids(where: {v: {_like: \"%zz%\"}}) { id } } }");
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(slow.at("data").is_null());
    CHECK_THAT(only_message(slow), Catch::Contains("time limit"));
    CHECK(took < std::chrono::seconds(3));
    // Indexed, so that the size limit comes long before the time limit.
    run_sql(api.eng, api.owner, api.db, {"CREATE INDEX kids_p ON kids(p_id)"});
    auto big = api.run("{ p(limit: 2000) { id kids { id v } } }");
    CHECK(big.at("data").is_null());
    CHECK(only_message(big) == "the response is larger than 200000 bytes; select fewer rows or fields");
    // A page of it is answered.
    auto page = api.run("{ p(limit: 2) { id kids(limit: 1) { id } } }");
    CHECK(bj::serialize(page) == R"({"data":{"p":[{"id":1,"kids":[{"id":2000}]},{"id":2,"kids":[{"id":1}]}]}})");
}

TEST_CASE("lists nested several deep, each a statement per row, keep the time and size limits",
          "[graphql][hardening]") {
    // A tree of 30,000 nodes, ten children each, its parent key unindexed: four levels of
    // nested lists under the root scan the whole table for each of 1,111 parents (33 million
    // rows), past a 300 ms limit; with a 60-byte text on every level, past a 200 KB response.
    std::string sql =
        "CREATE TABLE node (id INTEGER PRIMARY KEY, up INTEGER REFERENCES node(id), v TEXT NOT NULL);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000) "
        "INSERT INTO node SELECT i, IIF(i = 1, NULL, (i + 8) / 10), printf('%.60c', 'n') FROM n;";
    hardened api(sql, with_small_limits);
    std::string ids = "id", texts = "id v";
    for (int level = 0; level < 4; ++level) {
        ids = "id node_by_up { " + ids + " }";
        texts = "id v node_by_up { " + texts + " }";
    }
    auto started = std::chrono::steady_clock::now();
    auto slow = api.run("{ node(where: {id: {_eq: 1}}) { " + ids + " } }");
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(slow.at("data").is_null());
    CHECK_THAT(only_message(slow), Catch::Contains("time limit"));
    CHECK(took < std::chrono::seconds(3));
    run_sql(api.eng, api.owner, api.db, {"CREATE INDEX node_up ON node(up)"});
    auto big = api.run("{ node(where: {id: {_eq: 1}}) { " + texts + " } }");
    CHECK(big.at("data").is_null());
    CHECK(only_message(big) == "the response is larger than 200000 bytes; select fewer rows or fields");
    // With the index and without the texts, the whole tree is answered.
    auto whole = api.run("{ node(where: {id: {_eq: 1}}) { " + ids + " } }");
    CHECK(whole.at("data").at("node").at(0).at("node_by_up").as_array().size() == 10);
    CHECK(whole.at("data").at("node").at(0).at("node_by_up").at(9).at("node_by_up").at(9)
              .at("node_by_up").at(9).at("node_by_up").at(9).at("id") == 11111);
}

TEST_CASE("invalid UTF-8 in stored text reaches GraphQL clients as U+FFFD",
          "[graphql][hardening]") {
    hardened api(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);"
        "INSERT INTO t VALUES (1, CAST(x'ff41' AS TEXT)), (2, CAST(x'41c3' AS TEXT)),"
        " (3, 'ok \xc3\xa9');");
    auto body = api.body("{ t { id name } t_by_pk(id: 1) { name } }");
    CHECK(json::first_invalid_utf8(body) == body.size());
    auto r = bj::parse(body);
    CHECK(r.at("data").at("t").at(0).at("name") ==
          "\xEF\xBF\xBD"
          "A");
    CHECK(r.at("data").at("t").at(1).at("name") == "A\xEF\xBF\xBD");
    CHECK(r.at("data").at("t").at(2).at("name") == "ok \xc3\xa9");
    CHECK(r.at("data").at("t_by_pk").at("name") ==
          "\xEF\xBF\xBD"
          "A");
    // Mutation answers too.
    auto m = api.body(
        "mutation { update_t(where: {id: {_eq: 1}}, _set: {id: 1}) { returning { name } } }");
    CHECK(json::first_invalid_utf8(m) == m.size());
}

TEST_CASE("the UTF-8 repair keeps valid text and replaces each bad byte", "[graphql][hardening]") {
    CHECK(json::to_valid_utf8("plain ascii, long enough for the word scan") ==
          "plain ascii, long enough for the word scan");
    CHECK(json::to_valid_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80") ==
          "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    CHECK(json::to_valid_utf8("a\xff"
                              "b") ==
          "a\xEF\xBF\xBD"
          "b");
    CHECK(json::to_valid_utf8("\xc0\xaf") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
    CHECK(json::to_valid_utf8("\xed\xa0\x80") ==
          "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
    CHECK(json::to_valid_utf8("0123456789\xe2\x82") ==
          "0123456789\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
}

TEST_CASE("a table named like a generated root field keeps its name", "[graphql][hardening]") {
    hardened api(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);"
        "CREATE TABLE t_aggregate (id INTEGER PRIMARY KEY, w TEXT);"
        "CREATE TABLE t_by_pk (id INTEGER PRIMARY KEY, z TEXT);"
        "INSERT INTO t VALUES (1, 10), (2, 20); INSERT INTO t_aggregate VALUES (7, 'w');"
        "INSERT INTO t_by_pk VALUES (8, 'z');");
    auto r = api.run(
        "{ t_aggregate { id w } t_by_pk { id z } t_aggregate_ { aggregate { count } } "
        "t_by_pk_(id: 2) { v } }");
    INFO(bj::serialize(r));
    REQUIRE_FALSE(r.as_object().contains("errors"));
    CHECK(r.at("data").at("t_aggregate").at(0).at("w") == "w");
    CHECK(r.at("data").at("t_by_pk").at(0).at("z") == "z");
    CHECK(r.at("data").at("t_aggregate_").at("aggregate").at("count") == 2);
    CHECK(r.at("data").at("t_by_pk_").at("v") == 20);
}

TEST_CASE("a table named like a generated relationship aggregate keeps its name",
          "[graphql][hardening]") {
    // On p_row, `c_aggregate` is the array relationship of table c_aggregate; the aggregate of
    // relationship `c` moves to `c_aggregate_` (it used to take the name and push the table's
    // relationship to `c_aggregate_by_p_id`).
    hardened api(
        "CREATE TABLE p (id INTEGER PRIMARY KEY);"
        "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));"
        "CREATE TABLE c_aggregate (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));"
        "INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1), (2, 1);"
        "INSERT INTO c_aggregate VALUES (5, 1);");
    auto r = api.run(
        "{ p { c { id } c_aggregate { id } c_aggregate_ { aggregate { count } } "
        "c_aggregate_aggregate { aggregate { count } } } }");
    INFO(bj::serialize(r));
    REQUIRE_FALSE(r.as_object().contains("errors"));
    const auto& row = r.at("data").at("p").at(0);
    CHECK(row.at("c_aggregate").at(0).at("id") == 5);
    CHECK(row.at("c_aggregate_").at("aggregate").at("count") == 2);
    CHECK(row.at("c_aggregate_aggregate").at("aggregate").at("count") == 1);
}

TEST_CASE("the document cache keeps no large documents and stays within its memory",
          "[graphql][limits]") {
    graphql::document_cache cache;
    auto s = std::make_shared<const graphql::schema>();
    auto doc = std::make_shared<const graphql::document>();
    // Over 64 KiB of text: never kept (its AST would take ~60 times that).
    std::string big = "{ t(where: {id: {_in: [" + std::string(70 * 1024, '1') + "]}}) { id } }";
    cache.remember(big, doc, s);
    CHECK(cache.find(big, s) == nullptr);
    CHECK(cache.size() == 0);
    // 60 KiB documents count as ~6 MB each: the cache never holds more than its 128 MiB.
    for (int i = 0; i < 100; ++i) {
        std::string q = "{ t" + std::to_string(i) + " " + std::string(60 * 1024, ' ') + "}";
        cache.remember(q, doc, s);
        CHECK(cache.find(q, s) == doc);
        CHECK(cache.weight_in_use() <= 128u * 1024 * 1024);
    }
    CHECK(cache.size() < 30);
    // Small documents: up to 2,000 of them.
    for (int i = 0; i < 1500; ++i) cache.remember("{ small" + std::to_string(i) + " }", doc, s);
    CHECK(cache.find("{ small1499 }", s) == doc);
}
