// SPDX-License-Identifier: Apache-2.0
// The Hasura forms beyond AirGQL's schema, through `airsql::execute_graphql` on real databases:
// offset without limit, _nlike/_nilike, _similar/_nsimilar (and its SQL function).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"
#include "sqlite/similar_to.hpp"

using namespace airsql;
namespace json = boost::json;

namespace {

constexpr const char* music_sql = R"(
CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL, born INTEGER, rating REAL);
CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
                     artist_id INTEGER REFERENCES artists(id), year INTEGER);
INSERT INTO artists VALUES (1, 'AC/DC', 1973, 4.5), (2, 'Accept', NULL, 3.0),
                           (3, 'Aerosmith', 1970, NULL), (4, 'Black Sabbath', 1968, 4.0),
                           (5, 'queen', 1970, 5.0), (6, 'abba', NULL, NULL);
INSERT INTO albums VALUES (1, 'For Those About To Rock', 1, 1981), (2, 'Let There Be Rock', 1, 1977),
                          (3, 'Balls to the Wall', 2, 1983), (4, 'Restless and Wild', 2, 1982),
                          (5, 'Big Ones', 3, 1994), (6, 'Powerage', 1, 1978);
)";

struct hasura_api {
    test::temp_dir dir;
    engine eng;
    principal owner;
    std::string db;

    explicit hasura_api(const std::string& sql = music_sql)
        : eng(test::engine_fixture::make_options(dir)) {
        sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
        auto res = login(eng, principal::anonymous(), {"ann", "password-ann"});
        owner = authenticate(eng, credentials{.bearer = res.session_token});
        db = create_database(eng, owner, {"db", "ann", sql, std::nullopt}).id;
    }

    json::value run(const std::string& query, const principal* who = nullptr,
                    introspection_view view = introspection_view::full) {
        graphql_request r;
        r.query = query;
        r.view = view;
        return json::parse(execute_graphql(eng, who ? *who : owner, db, r).body);
    }

    json::value data(const std::string& query, const principal* who = nullptr) {
        auto r = run(query, who);
        INFO(query);
        INFO(json::serialize(r));
        REQUIRE_FALSE(r.as_object().contains("errors"));
        return r.at("data");
    }

    std::string error(const std::string& query, const principal* who = nullptr) {
        auto r = run(query, who);
        INFO(query);
        INFO(json::serialize(r));
        REQUIRE(r.as_object().contains("errors"));
        return std::string(r.at("errors").at(0).at("message").as_string());
    }

    /// A principal holding an API token for this database.
    principal token(token_access access) {
        auto t = create_token(eng, owner,
                              {.name = "t",
                               .description = "",
                               .expiration_utc = std::nullopt,
                               .permissions = {{db, "", access}},
                               .team_name = "ann"});
        return authenticate(eng, credentials{.bearer = t.body});
    }

    std::vector<std::string> names(const std::string& query, const std::string& field = "artists",
                                   const std::string& key = "name") {
        std::vector<std::string> out;
        auto d = data(query);
        for (const auto& row : d.at(field).as_array()) out.emplace_back(row.at(key).as_string());
        return out;
    }
};

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("offset without limit works on nested lists and aggregates, not on root lists",
          "[hasura]") {
    hasura_api api;
    // Nested array relationship: skip the first album of each artist.
    auto d = api.data("{ artists(where: {id: {_lte: 2}}) { albums(offset: 1) { id } } }");
    CHECK(d ==
          json::parse(
              R"({"artists": [{"albums": [{"id": 2}, {"id": 6}]}, {"albums": [{"id": 4}]}]})"));
    // Root aggregate: nodes and count see the same rows.
    d = api.data("{ artists_aggregate(offset: 4) { aggregate { count } nodes { id } } }");
    CHECK(
        d ==
        json::parse(
            R"({"artists_aggregate": {"aggregate": {"count": 2}, "nodes": [{"id": 5}, {"id": 6}]}})"));
    d = api.data("{ artists_aggregate(offset: 40) { aggregate { count } } }");
    CHECK(d.at("artists_aggregate").at("aggregate").at("count") == 0);
    // Nested aggregate.
    d = api.data(
        "{ artists_by_pk(id: 1) { albums_aggregate(offset: 2) { aggregate { count } } } }");
    CHECK(d.at("artists_by_pk").at("albums_aggregate").at("aggregate").at("count") == 1);
    // Root lists keep AirGQL's rule (the shared conformance suite pins it).
    CHECK_THAT(api.error("{ artists(offset: 1) { id } }"),
               Catch::Contains("without also specifying a limit"));
    CHECK_THAT(api.error("{ artists { albums(offset: -1) { id } } }"),
               Catch::Contains("positive or zero"));
}

TEST_CASE("_nlike and _nilike negate the LIKE operators and keep NULL rows", "[hasura]") {
    hasura_api api;
    CHECK(api.names("{ artists(where: {name: {_nlike: \"A%\"}}) { name } }") ==
          strings{"Black Sabbath", "queen", "abba"});
    CHECK(api.names("{ artists(where: {name: {_nilike: \"a%\"}}) { name } }") ==
          strings{"Black Sabbath", "queen"});
    // _nlike is case-sensitive: "abba" does not start with "A".
    CHECK(api.names("{ artists(where: {name: {_nlike: \"%a%\"}}) { name } }") ==
          strings{"AC/DC", "Accept", "Aerosmith", "queen"});
    auto r =
        api.names("{ albums(where: {title: {_nilike: \"%rock%\"}}) { title } }", "albums", "title");
    CHECK(r == strings{"Balls to the Wall", "Restless and Wild", "Big Ones", "Powerage"});
}

TEST_CASE("NULLs count as not matching the negated pattern operators", "[hasura]") {
    hasura_api api(R"(CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);
                     INSERT INTO t VALUES (1, 'abc'), (2, NULL), (3, 'xyz');)");
    auto ids = [&](const std::string& where) {
        std::vector<std::int64_t> out;
        auto d = api.data("{ t(where: " + where + ") { id } }");
        for (const auto& row : d.at("t").as_array()) {
            out.push_back(row.at("id").as_int64());
        }
        return out;
    };
    using v = std::vector<std::int64_t>;
    CHECK(ids("{s: {_nlike: \"a%\"}}") == v{2, 3});
    CHECK(ids("{s: {_nilike: \"A%\"}}") == v{2, 3});
    CHECK(ids("{s: {_nsimilar: \"(a|b)%\"}}") == v{2, 3});
    CHECK(ids("{s: {_similar: \"(a|b)%\"}}") == v{1});
    CHECK(ids("{s: {_similar: \"%\"}}") == v{1, 3});
}

TEST_CASE("_similar follows SQL SIMILAR TO: whole value, %, _, |, repetition, sets", "[hasura]") {
    hasura_api api;
    auto sim = [&](const std::string& pattern) {
        return api.names("{ artists(where: {name: {_similar: " +
                         json::serialize(json::value(pattern)) + "}}) { name } }");
    };
    CHECK(sim("A%") == strings{"AC/DC", "Accept", "Aerosmith"});
    CHECK(sim("A") == strings{});  // the whole value must match
    CHECK(sim("(AC|Ac)%") == strings{"AC/DC", "Accept"});
    CHECK(sim("[a-q]%") == strings{"queen", "abba"});
    CHECK(sim("[^A-Z]%") == strings{"queen", "abba"});
    CHECK(sim("ab+a") == strings{"abba"});
    CHECK(sim("ab{2}a") == strings{"abba"});
    CHECK(sim("ab{3,}a") == strings{});
    CHECK(sim("q(ue)?e_") == strings{"queen"});
    CHECK(sim("_____") == strings{"AC/DC", "queen"});
    CHECK(sim("AC/DC|queen") == strings{"AC/DC", "queen"});
    CHECK(sim("AC.DC") == strings{});  // '.' is literal
    CHECK(sim("AC\\/DC") == strings{"AC/DC"});
    CHECK(api.names("{ artists(where: {name: {_nsimilar: \"A%\"}}) { name } }") ==
          strings{"Black Sabbath", "queen", "abba"});
    // Bad patterns are field errors with a reason, not crashes.
    CHECK_THAT(api.error("{ artists(where: {name: {_similar: \"(a\"}}) { name } }"),
               Catch::Contains("unbalanced"));
    CHECK_THAT(api.error("{ artists(where: {name: {_similar: \"*a\"}}) { name } }"),
               Catch::Contains("nothing to repeat"));
    CHECK_THAT(api.error("{ artists(where: {name: {_similar: \"a\\\\\"}}) { name } }"),
               Catch::Contains("escape"));
}

TEST_CASE("SIMILAR TO patterns have limits and match in linear time", "[hasura]") {
    using airsql::sqlite::similar_to;
    CHECK(similar_to("a{1000}", std::string(1000, 'a')));
    CHECK_THROWS_WITH(similar_to("a{1001}", "a"), Catch::Contains("may not exceed 1000"));
    // Expanded repetitions count toward the state limit.
    CHECK_THROWS_WITH(similar_to("(a{1000}){20}", "a"), Catch::Contains("too complex"));
    CHECK_THROWS_WITH(similar_to(std::string(101, '(') + "a" + std::string(101, ')'), "a"),
                      Catch::Contains("nest deeper than 100"));
    CHECK(similar_to(std::string(100, '(') + "a" + std::string(100, ')'), "a"));
    // The classic exponential case for backtracking matchers: (a*)*b against a long run of a.
    std::string text(200'000, 'a');
    CHECK_FALSE(similar_to("(a*)*b", text));
    CHECK(similar_to("(a|aa)*", text));
    CHECK(similar_to("%ü_", "grüß"));  // characters, not bytes
    CHECK_THROWS_WITH(similar_to("[[:alpha:]]", "a"), Catch::Contains("not supported"));
}

TEST_CASE("similar_to() is available to the SQL endpoint and stops at the deadline", "[hasura]") {
    hasura_api api;
    auto r = run_sql(api.eng, api.owner, api.db,
                     {"SELECT similar_to('A%', name) AS m FROM artists ORDER BY id"});
    REQUIRE(r.errors.empty());
    std::vector<std::int64_t> got;
    for (const auto& row : r.rows) got.push_back(row.as_object().at("m").as_int64());
    CHECK(got == std::vector<std::int64_t>{1, 1, 1, 0, 0, 0});
    auto bad = run_sql(api.eng, api.owner, api.db, {"SELECT similar_to('a{5000}', 'a')"});
    REQUIRE_FALSE(bad.errors.empty());
}

TEST_CASE("distinct_on keeps the first row of each group in order_by's order", "[hasura]") {
    hasura_api api;
    // Per artist, the latest album (nodes of the root aggregate).
    auto d = api.data(
        "{ albums_aggregate(distinct_on: [artist_id], order_by: [{artist_id: ASC}, {year: DESC}]) "
        "{ aggregate { count } nodes { artist_id title } } }");
    CHECK(d == json::parse(R"({"albums_aggregate": {"aggregate": {"count": 3}, "nodes": [
        {"artist_id": 1, "title": "For Those About To Rock"},
        {"artist_id": 2, "title": "Balls to the Wall"},
        {"artist_id": 3, "title": "Big Ones"}]}})"));
    // Without order_by: groups by value, the first row of each by rowid.
    d = api.data("{ artists_aggregate(distinct_on: born) { nodes { id born } } }");
    CHECK(d == json::parse(R"({"artists_aggregate": {"nodes": [
        {"id": 2, "born": null}, {"id": 4, "born": 1968}, {"id": 3, "born": 1970}, {"id": 1, "born": 1973}]}})"));
    // Nested lists, with filters, limit and offset applied after the grouping.
    d = api.data(
        "{ artists_by_pk(id: 1) { albums(distinct_on: [artist_id], order_by: {artist_id: ASC, "
        "year: ASC}) "
        "{ title } } }");
    CHECK(d == json::parse(R"({"artists_by_pk": {"albums": [{"title": "Let There Be Rock"}]}})"));
    d = api.data(
        "{ artists_aggregate(distinct_on: [born], order_by: [{born: DESC}, {id: DESC}], "
        "where: {born: {_is_null: false}}, limit: 2, offset: 1) { nodes { id } } }");
    CHECK(d == json::parse(R"({"artists_aggregate": {"nodes": [{"id": 5}, {"id": 4}]}})"));
    // Several columns; repeats are ignored (the table's columns bound the list).
    d = api.data(
        "{ artists_aggregate(distinct_on: [born, rating, born, born], order_by: [{rating: ASC}, "
        "{born: ASC}]) "
        "{ aggregate { count } } }");
    CHECK(d.at("artists_aggregate").at("aggregate").at("count") == 6);
}

TEST_CASE("distinct_on must lead order_by and exists only beside AirGQL's root lists", "[hasura]") {
    hasura_api api;
    CHECK_THAT(
        api.error("{ albums_aggregate(distinct_on: [artist_id], order_by: {year: DESC}) { nodes { "
                  "id } } }"),
        Catch::Contains("\"distinct_on\" columns must match initial \"order_by\" columns"));
    CHECK_THAT(api.error("{ albums_aggregate(distinct_on: [artist_id, year], order_by: {year: "
                         "DESC}) { nodes { id } } }"),
               Catch::Contains("must match initial"));
    CHECK_THAT(api.error("{ albums_aggregate(distinct_on: [nope]) { nodes { id } } }"),
               Catch::Contains("does not exist in \"albums_column\""));
    CHECK_THAT(api.error("{ albums(distinct_on: [artist_id], order_by: {year: DESC}) { id } }"),
               Catch::Contains("must match initial"));
}

TEST_CASE("distinct_on on root lists, with the row cap applying after the grouping", "[hasura]") {
    hasura_api api;
    auto d = api.data(
        "{ albums(distinct_on: [artist_id], order_by: [{artist_id: desc_nulls_last}, {year: "
        "DESC}]) "
        "{ artist_id title } }");
    CHECK(d == json::parse(R"({"albums": [{"artist_id": 3, "title": "Big Ones"},
        {"artist_id": 2, "title": "Balls to the Wall"}, {"artist_id": 1, "title": "For Those About To Rock"}]})"));
    // Without order_by: by value, the first row of each group in rowid order; limit after.
    d = api.data("{ artists(distinct_on: born, limit: 2, offset: 1) { id } }");
    CHECK(d == json::parse(R"({"artists": [{"id": 4}, {"id": 3}]})"));
    // Only the current view shows it on root lists (the conformance suite pins their arguments
    // in the default view); it runs whatever the view (one executable schema).
    auto root_args = [&](introspection_view view) {
        auto r = api.run(R"({ __type(name: "Query") { fields { name args { name } } } })", nullptr,
                         view);
        std::vector<std::string> out;
        for (const auto& f : r.at("data").at("__type").at("fields").as_array()) {
            if (f.at("name") != "albums") continue;
            for (const auto& a : f.at("args").as_array())
                out.emplace_back(a.at("name").as_string());
        }
        return out;
    };
    CHECK(root_args(introspection_view::airgql_compatible) ==
          strings{"where", "order_by", "limit", "offset"});
    CHECK(root_args(introspection_view::full) == strings{"where", "order_by", "limit", "offset"});
    CHECK(root_args(introspection_view::current) ==
          strings{"where", "distinct_on", "order_by", "limit", "offset"});
    graphql_request req;
    req.query = "{ albums(distinct_on: [artist_id]) { id } }";
    req.view = introspection_view::airgql_compatible;
    CHECK(json::parse(execute_graphql(api.eng, api.owner, api.db, req).body) ==
          json::parse(R"({"data": {"albums": [{"id": 1}, {"id": 3}, {"id": 5}]}})"));
}

TEST_CASE("stddev and variance aggregates, sample and population, NULL for too few rows",
          "[hasura]") {
    hasura_api api;
    auto d = api.data(
        "{ artists_aggregate { aggregate { stddev { born rating } stddev_pop { born } stddev_samp "
        "{ born } "
        "variance { born rating } var_pop { born rating } var_samp { born } } } }");
    const auto& a = d.at("artists_aggregate").at("aggregate");
    // born: 1973, 1970, 1968, 1970 (two NULLs skipped); squared deviations sum to 12.75.
    CHECK(a.at("var_pop").at("born").as_double() == Approx(3.1875));
    CHECK(a.at("var_samp").at("born").as_double() == Approx(4.25));
    CHECK(a.at("variance").at("born").as_double() == Approx(4.25));
    CHECK(a.at("stddev_pop").at("born").as_double() == Approx(1.7853571071357126));
    CHECK(a.at("stddev_samp").at("born").as_double() == Approx(2.0615528128088303));
    CHECK(a.at("stddev").at("born").as_double() == Approx(2.0615528128088303));
    // rating (REAL): 4.5, 3.0, 4.0, 5.0.
    CHECK(a.at("var_pop").at("rating").as_double() == Approx(0.546875));
    CHECK(a.at("variance").at("rating").as_double() == Approx(2.1875 / 3));
    CHECK(a.at("stddev").at("rating").as_double() == Approx(std::sqrt(2.1875 / 3)));
    // One row: the sample statistics are NULL, the population ones 0; no row: all NULL.
    d = api.data(
        "{ artists_aggregate(where: {id: {_eq: 1}}) { aggregate { stddev { born } variance { born "
        "} "
        "stddev_pop { born } var_pop { born } } } }");
    CHECK(d == json::parse(R"({"artists_aggregate": {"aggregate": {"stddev": {"born": null},
        "variance": {"born": null}, "stddev_pop": {"born": 0.0}, "var_pop": {"born": 0.0}}}})"));
    d = api.data(
        "{ artists_aggregate(where: {id: {_gt: 99}}) { aggregate { var_pop { born } stddev { "
        "rating } } } }");
    CHECK(d == json::parse(R"({"artists_aggregate": {"aggregate": {"var_pop": {"born": null},
        "stddev": {"rating": null}}}})"));
    // Nested, per parent row: album years of each artist.
    d = api.data(
        "{ artists(where: {id: {_lte: 3}}) { albums_aggregate { aggregate { var_pop { year } } } } "
        "}");
    auto rows = d.at("artists").as_array();
    // AC/DC: 1981, 1977, 1978 → mean 1978.667, var_pop 2.8889; Accept: 1983, 1982 → 0.25;
    // Aerosmith: 0.
    CHECK(rows[0].at("albums_aggregate").at("aggregate").at("var_pop").at("year").as_double() ==
          Approx(26.0 / 9));
    CHECK(rows[1].at("albums_aggregate").at("aggregate").at("var_pop").at("year").as_double() ==
          Approx(0.25));
    CHECK(rows[2].at("albums_aggregate").at("aggregate").at("var_pop").at("year").as_double() ==
          Approx(0.0));
    // Large integers do not overflow (sums of squares are floating point).
    hasura_api big(
        R"(CREATE TABLE t (v INTEGER); INSERT INTO t VALUES (4000000000000000000), (-4000000000000000000);)");
    d = big.data("{ t_aggregate { aggregate { stddev_pop { v } } } }");
    CHECK(d.at("t_aggregate").at("aggregate").at("stddev_pop").at("v").as_double() == Approx(4e18));
    // Numeric columns only.
    CHECK_THAT(api.error("{ artists_aggregate { aggregate { stddev { name } } } }"),
               Catch::Contains("Cannot query field \"name\" on type \"artists_stddev_fields\""));
}

TEST_CASE("on_conflict.constraint also takes constraint names", "[hasura]") {
    hasura_api api(R"(CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT,
                                          team TEXT, handle TEXT);
                     CREATE UNIQUE INDEX users_by_team_handle ON users (team, handle);
                     CREATE UNIQUE INDEX partial_idx ON users (name) WHERE name IS NOT NULL;
                     INSERT INTO users VALUES (1, 'a@x', 'Ann', 't1', 'ann');)");
    auto d = api.data(R"(mutation { insert_users(objects: {id: 1, email: "b@x", name: "Ann B"},
        on_conflict: {constraint: users_pkey, update_columns: [email, name]}) { returning { id email name } } })");
    CHECK(d ==
          json::parse(
              R"({"insert_users": {"returning": [{"id": 1, "email": "b@x", "name": "Ann B"}]}})"));
    d = api.data(R"(mutation { insert_users(objects: {email: "b@x", name: "Bee"},
        on_conflict: {constraint: users_email_key, update_columns: [name]}) { returning { id name } } })");
    CHECK(d == json::parse(R"({"insert_users": {"returning": [{"id": 1, "name": "Bee"}]}})"));
    d = api.data(R"(mutation { insert_users(objects: {team: "t1", handle: "ann", name: "Cee"},
        on_conflict: {constraint: users_by_team_handle, update_columns: [name]}) { returning { id name } } })");
    CHECK(d == json::parse(R"({"insert_users": {"returning": [{"id": 1, "name": "Cee"}]}})"));
    // Column lists keep working (AirGQL).
    d = api.data(R"(mutation { insert_users(objects: {id: 1, name: "Dee"},
        on_conflict: {constraint: [id], update_columns: [name]}) { affected_rows } })");
    CHECK(d.at("insert_users").at("affected_rows") == 1);
    // A partial index is not a conflict target SQLite accepts; it is not offered.
    CHECK_THAT(api.error(R"(mutation { insert_users(objects: {name: "x"},
        on_conflict: {constraint: partial_idx, update_columns: []}) { affected_rows } })"),
               Catch::Contains("does not exist in \"users_column\""));
    // Constraint names are refused where a column is meant.
    CHECK_THAT(api.error(R"(mutation { insert_users(objects: {id: 1},
        on_conflict: {constraint: users_pkey, update_columns: [users_pkey]}) { affected_rows } })"),
               Catch::Contains("is a constraint, not a column"));
    CHECK_THAT(api.error("{ users_aggregate { aggregate { count(columns: [users_email_key]) } } }"),
               Catch::Contains("is a constraint, not a column"));
    CHECK_THAT(api.error("{ users_aggregate(distinct_on: [users_pkey]) { nodes { id } } }"),
               Catch::Contains("is a constraint, not a column"));
    // The AirGQL view lists only the columns.
    graphql_request r;
    r.query = "{ __type(name: \"users_column\") { enumValues { name } } }";
    r.view = introspection_view::airgql_compatible;
    auto airgql = json::parse(execute_graphql(api.eng, api.owner, api.db, r).body);
    CHECK(airgql.at("data").at("__type").at("enumValues").as_array().size() == 6);
    d = api.data("{ __type(name: \"users_column\") { enumValues { name } } }");
    CHECK(d.at("__type").at("enumValues").as_array().size() == 9);
}

TEST_CASE("_regex, _iregex, _nregex and _niregex match with PCRE2, bounded", "[hasura]") {
    hasura_api api;
    auto re = [&](const std::string& op, const std::string& pattern) {
        return api.names("{ artists(where: {name: {" + op + ": " +
                         json::serialize(json::value(pattern)) + "}}) { name } }");
    };
    CHECK(re("_regex", "^A[a-z]") == strings{"Accept", "Aerosmith"});
    CHECK(re("_regex", "th$") == strings{"Aerosmith", "Black Sabbath"});  // anywhere, anchors work
    CHECK(re("_regex", "^a") == strings{"abba"});
    CHECK(re("_iregex", "^a") == strings{"AC/DC", "Accept", "Aerosmith", "abba"});
    CHECK(re("_nregex", "^[AB]") == strings{"queen", "abba"});
    CHECK(re("_niregex", "^[ab]") == strings{"queen"});
    CHECK(re("_regex", "^(?:[A-Z]{2}/[A-Z]{2})$") == strings{"AC/DC"});
    CHECK_THAT(api.error("{ artists(where: {name: {_regex: \"(a\"}}) { name } }"),
               Catch::Contains("invalid regular expression"));
    // NULL rows count as not matching the negations.
    hasura_api nulls(R"(CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);
                        INSERT INTO t VALUES (1, 'abc'), (2, NULL), (3, 'XYZ');)");
    CHECK(nulls.data("{ t(where: {s: {_nregex: \"^a\"}}) { id } }") ==
          json::parse(R"({"t": [{"id": 2}, {"id": 3}]})"));
    CHECK(nulls.data("{ t(where: {s: {_niregex: \"x\"}}) { id } }") ==
          json::parse(R"({"t": [{"id": 1}, {"id": 2}]})"));
    // Catastrophic backtracking stops at the match limit with an error instead of running on.
    hasura_api big(
        R"(CREATE TABLE t (s TEXT); INSERT INTO t VALUES (replace(hex(zeroblob(20)), '0', 'a') || '!');)");
    CHECK_THAT(big.error("{ t(where: {s: {_regex: \"^(a+)+$\"}}) { s } }"),
               Catch::Contains("too much work"));
    // The SQL endpoint's REGEXP operator is the same function.
    auto r = run_sql(api.eng, api.owner, api.db,
                     {"SELECT count(*) AS n FROM artists WHERE name REGEXP '^A'"});
    REQUIRE(r.errors.empty());
    CHECK(r.rows[0].as_object().at("n") == 3);
    auto bad = run_sql(api.eng, api.owner, api.db,
                       {"SELECT regexp('^(a+)+$', replace(hex(zeroblob(20)), '0', 'a') || '!')"});
    REQUIRE_FALSE(bad.errors.empty());
    CHECK_THAT(bad.errors[0], Catch::Contains("too much work"));
}

TEST_CASE("order_by an array relationship's aggregate", "[hasura]") {
    hasura_api api;
    // Album counts: AC/DC 3, Accept 2, Aerosmith 1, the others 0.
    CHECK(api.names(
              "{ artists(order_by: [{albums_aggregate: {count: DESC}}, {name: ASC}]) { name } }") ==
          strings{"AC/DC", "Accept", "Aerosmith", "Black Sabbath", "abba", "queen"});
    // By the latest album year (NULL for artists without albums: last when descending).
    CHECK(api.names("{ artists(order_by: {albums_aggregate: {max: {year: desc_nulls_last}}}, "
                    "limit: 3) { name } }") == strings{"Aerosmith", "Accept", "AC/DC"});
    CHECK(api.names("{ artists(where: {id: {_lte: 3}}, order_by: {albums_aggregate: {sum: {year: "
                    "ASC}}}) { name } }") == strings{"Aerosmith", "Accept", "AC/DC"});
    // Inside nested lists and aggregates too.
    auto d = api.data(
        "{ artists_aggregate(order_by: {albums_aggregate: {count: ASC}}, offset: 5) { nodes { name "
        "} } }");
    CHECK(d == json::parse(R"({"artists_aggregate": {"nodes": [{"name": "AC/DC"}]}})"));
    CHECK_THAT(api.error("{ artists(order_by: {albums_aggregate: {}}) { name } }"),
               Catch::Contains("must not be empty"));
    CHECK_THAT(api.error("{ artists(order_by: {albums_aggregate: {sum: {title: ASC}}}) { name } }"),
               Catch::Contains("\"title\" is not defined by type \"albums_sum_order_by\""));
}

// ---- Hasura's mutation forms ----

TEST_CASE("insert_<t>_one returns the row, or null when on_conflict leaves the row", "[hasura]") {
    hasura_api api(
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, slug TEXT UNIQUE, label TEXT, hits INTEGER "
        "DEFAULT 0);"
        "INSERT INTO tags VALUES (1, 'rock', 'Rock', 5);");
    auto d = api.data(
        R"(mutation { insert_tags_one(object: {slug: "pop", label: "Pop"}) { id slug hits } })");
    CHECK(d == json::parse(R"({"insert_tags_one": {"id": 2, "slug": "pop", "hits": 0}})"));
    // Upsert by a constraint name: the updated row.
    d = api.data(R"(mutation { insert_tags_one(object: {slug: "rock", label: "Hard Rock"},
        on_conflict: {constraint: tags_slug_key, update_columns: [label]}) { id label hits } })");
    CHECK(d == json::parse(R"({"insert_tags_one": {"id": 1, "label": "Hard Rock", "hits": 5}})"));
    // DO NOTHING, and an update its where skips: null, nothing changed.
    d = api.data(R"(mutation { a: insert_tags_one(object: {slug: "rock", label: "x"},
        on_conflict: {constraint: [slug], update_columns: []}) { id }
        b: insert_tags_one(object: {slug: "rock", label: "y"},
        on_conflict: {constraint: tags_slug_key, update_columns: [label], where: {hits: {_gt: 10}}}) { id } })");
    CHECK(d == json::parse(R"({"a": null, "b": null})"));
    CHECK(api.data("{ tags_by_pk(id: 1) { label } }") ==
          json::parse(R"({"tags_by_pk": {"label": "Hard Rock"}})"));
    // No conflict: the new row.
    d = api.data(
        R"(mutation { insert_tags_one(object: {id: 7, slug: "jazz"}, on_conflict: {constraint: tags_pkey,
        update_columns: [slug]}) { __typename id } })");
    CHECK(d == json::parse(R"({"insert_tags_one": {"__typename": "tags_row", "id": 7}})"));
    // A failing insert is a field error; the operation's earlier fields roll back with it.
    auto r = api.run(R"(mutation { ok: insert_tags_one(object: {slug: "blues"}) { id }
        dup: insert_tags_one(object: {slug: "pop"}) { id } })");
    CHECK(r.at("data").is_null());
    CHECK_THAT(std::string(r.at("errors").at(0).at("message").as_string()),
               Catch::Contains("UNIQUE"));
    CHECK(r.at("errors").at(0).at("path") == json::parse(R"(["dup"])"));
    CHECK(api.data(R"({ tags(where: {slug: {_eq: "blues"}}) { id } })") ==
          json::parse(R"({"tags": []})"));
    // AirGQL's rule about update_columns holds here too.
    CHECK_THAT(api.error(R"(mutation { insert_tags_one(object: {slug: "rock"},
        on_conflict: {constraint: tags_slug_key, update_columns: [label]}) { id } })"),
               Catch::Contains("without being explicitly provided"));
}

TEST_CASE("on_conflict takes the names declared with CONSTRAINT as Postgres does", "[hasura]") {
    hasura_api api(
        "CREATE TABLE rel (id INTEGER, a INTEGER, b TEXT, \"cc\" INTEGER CONSTRAINT \"cc_uq\" UNIQUE, "
        "d TEXT, CONSTRAINT rel_main PRIMARY KEY (id), "
        "/* a comment, (with parentheses) */ CONSTRAINT [uq_ab] UNIQUE (\"a\" COLLATE NOCASE, b), "
        "CONSTRAINT positive CHECK (a > 0), UNIQUE (d));"
        "INSERT INTO rel VALUES (1, 1, 'x', 10, 'p');");
    // Both spellings of each key: the declared name and Postgres's generated one.
    auto d = api.data(R"(mutation {
        a: insert_rel_one(object: {id: 2, a: 1, b: "x", cc: 11, d: "q"},
           on_conflict: {constraint: uq_ab, update_columns: [d]}) { id d }
        b: insert_rel_one(object: {id: 1, a: 5, b: "y", cc: 12, d: "r"},
           on_conflict: {constraint: rel_main, update_columns: [b]}) { id b }
        c: insert_rel_one(object: {id: 3, a: 6, b: "z", cc: 10, d: "s"},
           on_conflict: {constraint: cc_uq, update_columns: [d]}) { id d }
        e: insert_rel_one(object: {id: 4, a: 7, b: "w", cc: 13, d: "s"},
           on_conflict: {constraint: rel_d_key, update_columns: [a]}) { id a } })");
    CHECK(d == json::parse(R"({"a": {"id": 1, "d": "q"}, "b": {"id": 1, "b": "y"},
                               "c": {"id": 1, "d": "s"}, "e": {"id": 1, "a": 7}})"));
    // A CHECK constraint's name is no conflict target.
    CHECK_THAT(api.error(R"(mutation { insert_rel_one(object: {id: 9, a: 1, b: "q", cc: 99, d: "z"},
        on_conflict: {constraint: positive, update_columns: [d]}) { id } })"),
               Catch::Contains("positive"));
}

TEST_CASE("_inc adds to numeric columns, beside _set, in update and update-by-pk", "[hasura]") {
    hasura_api api;
    auto d = api.data(
        R"(mutation { update_artists(where: {id: {_lte: 3}}, _inc: {born: 10, rating: 0.25},
        _set: {name: "x"}) { affected_rows returning { id name born rating } } })");
    CHECK(d == json::parse(R"({"update_artists": {"affected_rows": 3, "returning": [
        {"id": 1, "name": "x", "born": 1983, "rating": 4.75}, {"id": 2, "name": "x", "born": null, "rating": 3.25},
        {"id": 3, "name": "x", "born": 1980, "rating": null}]}})"));
    d = api.data(
        R"(mutation { update_artists_by_pk(id: 4, _inc: {born: -8}) { affected_rows returning { born } } })");
    CHECK(d ==
          json::parse(
              R"({"update_artists_by_pk": {"affected_rows": 1, "returning": {"born": 1960}}})"));
    d = api.data(
        "mutation { update_artists_by_pk(id: 99, _inc: {born: 1}) { affected_rows returning { born "
        "} } }");
    CHECK(d == json::parse(R"({"update_artists_by_pk": {"affected_rows": 0, "returning": null}})"));
    // Hasura's rule: one column, one operator.
    CHECK_THAT(
        api.error(
            R"(mutation { update_artists(where: {id: {_eq: 1}}, _set: {born: 1}, _inc: {born: 1}) {
        affected_rows } })"),
        Catch::Contains("Column found in multiple operators: ['born']."));
    // Only numeric columns; the value has the column's type.
    CHECK_THAT(
        api.error(
            R"(mutation { update_artists(where: {id: {_eq: 1}}, _inc: {name: 1}) { affected_rows } })"),
        Catch::Contains("\"name\""));
    CHECK_THAT(
        api.error(
            R"(mutation { update_artists(where: {id: {_eq: 1}}, _inc: {born: 1.5}) { affected_rows } })"),
        Catch::Contains("Int"));
    // Past 64 bits SQLite's sum becomes a REAL; reading it back as Int is a field error (D1),
    // not a wrapped value.
    auto big = api.run(
        "mutation { update_artists_by_pk(id: 5, _set: {born: 9223372036854775807}) { affected_rows "
        "} "
        "b: update_artists_by_pk(id: 5, _inc: {born: 1}) { returning { id born } } }");
    INFO(json::serialize(big));
    CHECK(big.at("data").at("b").at("returning").at("born").is_null());
    CHECK(big.at("errors").at(0).at("path") == json::parse(R"(["b", "returning", "born"])"));
    api.data("mutation { update_artists_by_pk(id: 5, _set: {born: 1970}) { affected_rows } }");
    // Neither _set nor _inc: AirGQL's error.
    CHECK_THAT(api.error("mutation { update_artists(where: {id: {_eq: 1}}) { affected_rows } }"),
               Catch::Contains("needs the new values"));
    CHECK(api.data("{ artists_by_pk(id: 1) { born } }") ==
          json::parse(R"({"artists_by_pk": {"born": 1983}})"));
}

TEST_CASE("update_<t>_many runs each update in order in one transaction", "[hasura]") {
    hasura_api api;
    auto d = api.data(R"(mutation { update_artists_many(updates: [
        {where: {id: {_eq: 1}}, _set: {born: 2000}},
        {where: {born: {_gte: 2000}}, _inc: {born: 1}, _set: {name: "later"}},
        {where: {id: {_eq: 99}}, _set: {born: 1}}]) { affected_rows returning { id name born } } })");
    CHECK(d == json::parse(R"({"update_artists_many": [
        {"affected_rows": 1, "returning": [{"id": 1, "name": "AC/DC", "born": 2000}]},
        {"affected_rows": 1, "returning": [{"id": 1, "name": "later", "born": 2001}]},
        {"affected_rows": 0, "returning": []}]})"));
    CHECK(api.data("mutation { update_artists_many(updates: []) { affected_rows } }") ==
          json::parse(R"({"update_artists_many": []})"));
    // A failing update (an empty filter) rolls back the ones before it.
    auto r = api.run(
        R"(mutation { update_artists_many(updates: [{where: {id: {_eq: 2}}, _set: {born: 1}},
        {where: {}, _set: {born: 2}}]) { affected_rows } })");
    CHECK(r.at("data").is_null());
    CHECK_THAT(std::string(r.at("errors").at(0).at("message").as_string()),
               Catch::Contains("must not be empty"));
    CHECK(api.data("{ artists_by_pk(id: 2) { born } }") ==
          json::parse(R"({"artists_by_pk": {"born": null}})"));
    CHECK_THAT(
        api.error(
            R"(mutation { update_artists_many(updates: [{_set: {born: 1}}]) { affected_rows } })"),
        Catch::Contains("where"));
    CHECK_THAT(
        api.error(
            R"(mutation { update_artists_many(updates: [{where: {id: {_eq: 1}}, _set: {born: 1},
        _inc: {born: 1}}]) { affected_rows } })"),
        Catch::Contains("multiple operators"));
    // Without new values: refused, as in update_<t>, not a silent 0.
    CHECK_THAT(
        api.error(R"(mutation { update_artists_many(updates: [{where: {id: {_eq: 2}}}]) { affected_rows } })"),
        Catch::Contains("neither _set nor _inc"));
    // At most 1,000 updates.
    std::string many = "mutation { update_artists_many(updates: [";
    for (int i = 0; i < 1001; ++i) many += "{where: {id: {_eq: 1}}, _inc: {born: 1}},";
    many += "]) { affected_rows } }";
    CHECK_THAT(api.error(many), Catch::Contains("at most 1000 updates, not 1001"));
    CHECK(api.data("{ artists_by_pk(id: 1) { born } }") ==
          json::parse(R"({"artists_by_pk": {"born": 2001}})"));
    many = "mutation { update_artists_many(updates: [";
    for (int i = 0; i < 1000; ++i) many += "{where: {id: {_eq: 1}}, _inc: {born: 1}},";
    many += "]) { __typename } }";
    CHECK(api.data(many).at("update_artists_many").as_array().size() == 1000);
    CHECK(api.data("{ artists_by_pk(id: 1) { born } }") ==
          json::parse(R"({"artists_by_pk": {"born": 3001}})"));
}

TEST_CASE("Hasura's mutation forms follow the token's access mode", "[hasura]") {
    hasura_api api;
    auto ins = api.token(token_access::insertonly);
    // Insert-only: insert_<t>_one with __typename only; no row data, nothing written otherwise.
    auto d = api.data(
        R"(mutation { insert_artists_one(object: {id: 10, name: "Abba", born: 0}) { __typename } })",
        &ins);
    CHECK(d == json::parse(R"({"insert_artists_one": {"__typename": "artists_row"}})"));
    CHECK_THAT(
        api.error(R"(mutation { insert_artists_one(object: {id: 11, name: "Yes"}) { id } })", &ins),
        Catch::Contains("Cannot read field \"id\""));
    CHECK(api.data("{ artists_by_pk(id: 11) { id } }") ==
          json::parse(R"({"artists_by_pk": null})"));
    CHECK_THAT(api.error(R"(mutation { insert_artists_one(object: {id: 10, name: "x"},
        on_conflict: {constraint: artists_pkey, update_columns: [name]}) { __typename } })",
                         &ins),
               Catch::Contains("insert-only access cannot change existing rows"));
    CHECK_THAT(api.error("mutation { update_artists_many(updates: []) { affected_rows } }", &ins),
               Catch::Contains("Cannot query field \"update_artists_many\""));
    // Write-only: every form, no row data.
    auto w = api.token(token_access::writeonly);
    d = api.data(
        R"(mutation { update_artists(where: {id: {_eq: 10}}, _inc: {born: 5}) { affected_rows }
        update_artists_many(updates: {where: {id: {_eq: 10}}, _inc: {born: 5}}) { affected_rows } })",
        &w);
    CHECK(
        d ==
        json::parse(
            R"({"update_artists": {"affected_rows": 1}, "update_artists_many": [{"affected_rows": 1}]})"));
    CHECK_THAT(
        api.error(R"(mutation { update_artists_many(updates: []) { returning { id } } })", &w),
        Catch::Contains("Cannot query field \"returning\""));
    CHECK_THAT(
        api.error(R"(mutation { insert_artists_one(object: {name: "Yes"}) { __typename name } })",
                  &w),
        Catch::Contains("Cannot read field \"name\""));
    CHECK(api.data("{ artists_by_pk(id: 10) { born } }") ==
          json::parse(R"({"artists_by_pk": {"born": 10}})"));
    // Read-only: no mutations at all.
    auto ro = api.token(token_access::read);
    CHECK_THAT(api.error(R"(mutation { insert_artists_one(object: {name: "x"}) { id } })", &ro),
               Catch::Contains("not configured to execute mutation"));
}

TEST_CASE("only the current view shows Hasura's mutation forms", "[hasura]") {
    hasura_api api;
    auto mutation_fields = [&](introspection_view view) {
        auto r = api.run(R"({ __type(name: "Mutation") { fields { name args { name } } } })",
                         nullptr, view);
        std::vector<std::string> out;
        for (const auto& f : r.at("data").at("__type").at("fields").as_array()) {
            out.emplace_back(f.at("name").as_string());
            for (const auto& a : f.at("args").as_array()) {
                out.push_back(std::string(f.at("name").as_string()) + "." +
                              std::string(a.at("name").as_string()));
            }
        }
        return out;
    };
    auto has = [](const std::vector<std::string>& v, const std::string& x) {
        return std::find(v.begin(), v.end(), x) != v.end();
    };
    auto names = mutation_fields(introspection_view::current);
    CHECK(has(names, "insert_artists_one"));
    CHECK(has(names, "insert_artists_one.object"));
    CHECK(has(names, "update_albums_many"));
    CHECK(has(names, "update_artists._inc"));
    CHECK(has(names, "update_artists_by_pk._inc"));
    // The default view keeps the signatures the conformance suite pins; AirGQL's view too.
    for (auto view : {introspection_view::full, introspection_view::airgql_compatible}) {
        names = mutation_fields(view);
        // Per table: insert_<t>_one and its 2 arguments, update_<t>_many and its argument,
        // _inc twice; 7 × 2 tables.
        CHECK(names.size() == mutation_fields(introspection_view::current).size() - 14);
        CHECK_FALSE(has(names, "insert_artists_one"));
        CHECK_FALSE(has(names, "update_albums_many"));
        CHECK_FALSE(has(names, "update_artists._inc"));
        CHECK(has(names, "update_artists._set"));
        for (const char* t : {"artists_inc_input", "artists_updates"}) {
            auto r =
                api.run(std::string(R"({ __type(name: ")") + t + R"(") { name } })", nullptr, view);
            CHECK(r.at("data").at("__type").is_null());
        }
    }
    auto r = api.run(R"({ __type(name: "artists_updates") { inputFields { name } } })", nullptr,
                     introspection_view::current);
    CHECK(
        r.at("data") ==
        json::parse(
            R"({"__type": {"inputFields": [{"name": "where"}, {"name": "_set"}, {"name": "_inc"}]}})"));
}
