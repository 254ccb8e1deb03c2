// SPDX-License-Identifier: Apache-2.0
// End-to-end tests of the generated GraphQL API through the public entry point,
// `airsql::execute_graphql`, on real databases. Responses are compared as parsed JSON.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;
namespace json = boost::json;

namespace {

json::value j(std::string_view text) { return json::parse(text); }

/// An engine with one database owned by "ann", created from `sql`.
struct api {
    test::temp_dir dir;
    engine eng;
    principal owner;
    std::string db;

    explicit api(const std::string& sql, std::size_t max_rows = 10'000)
        : eng(make_options(dir, max_rows)) {
        owner = user("ann");
        db = create_database(eng, owner, {"db", "ann", sql, std::nullopt}).id;
    }

    static options make_options(const test::temp_dir& d, std::size_t max_rows) {
        auto o = test::engine_fixture::make_options(d);
        o.graphql_max_rows = max_rows;
        return o;
    }

    principal user(const std::string& name) {
        sign_up(eng, principal::anonymous(), {name, name + "@example.com", "password-" + name});
        auto res = login(eng, principal::anonymous(), {name, "password-" + name});
        return authenticate(eng, credentials{.bearer = res.session_token});
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

    std::string readonly_id() { return get_database(eng, owner, db).readonly_id; }

    graphql_response send(const principal& who, std::string_view db_id, graphql_request r) {
        return execute_graphql(eng, who, db_id, r);
    }

    graphql_request request(std::string query, json::object variables = {}) {
        graphql_request r;
        r.query = std::move(query);
        r.variables = std::move(variables);
        return r;
    }

    /// The parsed response to `query`, sent by the owner.
    json::value run(std::string query, json::object variables = {}) {
        return j(send(owner, db, request(std::move(query), std::move(variables))).body);
    }

    json::value run_as(const principal& who, std::string query) {
        return j(send(who, db, request(std::move(query))).body);
    }

    /// `data` of a response that must have no errors.
    json::value data(std::string query, json::object variables = {}) {
        auto r = run(query, std::move(variables));
        INFO(query);
        INFO(json::serialize(r));
        REQUIRE(r.is_object());
        REQUIRE_FALSE(r.as_object().contains("errors"));
        return r.at("data");
    }

    void sql(const std::string& script) {
        auto r = run_sql(eng, owner, db, {script});
        INFO(script);
        REQUIRE(r.errors.empty());
    }
};

/// The errors of a response (empty when it has none).
json::array errors_of(const json::value& response) {
    if (const auto* e = response.as_object().if_contains("errors")) return e->as_array();
    return {};
}

std::string first_message(const json::value& response) {
    auto e = errors_of(response);
    INFO(json::serialize(response));
    REQUIRE_FALSE(e.empty());
    return std::string(e[0].at("message").as_string());
}

/// The values of `key` in every object of a list.
std::vector<json::value> pluck(const json::value& list, std::string_view key) {
    std::vector<json::value> out;
    for (const auto& item : list.as_array()) out.push_back(item.at(key));
    return out;
}

std::vector<std::int64_t> ints(const json::value& list, std::string_view key) {
    std::vector<std::int64_t> out;
    for (const auto& v : pluck(list, key)) out.push_back(v.as_int64());
    return out;
}

using ids = std::vector<std::int64_t>;

constexpr const char* people_sql = R"(
CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, email TEXT, age INTEGER, score REAL,
                     active BOOLEAN);
INSERT INTO people VALUES
  (1, 'Ann', 'ann@example.com', 30, 1.5, 1),
  (2, 'bob', 'BOB@EXAMPLE.COM', NULL, NULL, 0),
  (3, 'Cid', 'cid@example.org', 40, 2.5, NULL),
  (4, 'Dee', NULL, 25, NULL, 1);
CREATE TABLE codes (code TEXT);
INSERT INTO codes VALUES ('a*b'), ('axb'), ('a?b'), ('a[b'), ('A*B'), ('it''s');
CREATE TABLE liked (email TEXT, song_id INT, rating INT NOT NULL, PRIMARY KEY (email, song_id));
INSERT INTO liked VALUES ('eve@example.com', 1, 8), ('john@example.com', 2, 9),
                         ('eve@example.com', 2, 7);
)";

constexpr const char* music_sql = R"(
CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL, country TEXT);
CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
                     artist_id INTEGER REFERENCES artists(id), year INTEGER, rating REAL);
INSERT INTO artists VALUES (1, 'Abba', 'SE'), (2, 'Beatles', 'UK'), (3, 'Cher', NULL),
                           (4, 'Nobody', NULL);
INSERT INTO albums VALUES
  (1, 'Arrival', 1, 1976, 4.5),
  (2, 'Abbey Road', 2, 1969, 5.0),
  (3, 'Help!', 2, 1965, NULL),
  (4, 'Believe', 3, 1998, 3.5),
  (5, 'Waterloo', 1, 1974, 4.0),
  (6, 'Unknown', NULL, NULL, NULL);
)";

constexpr const char* items_sql = R"(
CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
                    qty INTEGER NOT NULL DEFAULT 1, note TEXT DEFAULT 'none', price REAL,
                    done BOOLEAN NOT NULL DEFAULT 0);
CREATE TABLE defaults_only (id INTEGER PRIMARY KEY, made TEXT DEFAULT 'yes');
CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT);
CREATE TABLE pets (id INTEGER PRIMARY KEY, name TEXT, owner_id INTEGER REFERENCES owners(id));
INSERT INTO owners VALUES (1, 'Olga');
CREATE TABLE flags ("_set" INTEGER PRIMARY KEY, v TEXT);
INSERT INTO flags VALUES (1, 'x');
CREATE TABLE dist (start REAL NOT NULL, "end" REAL NOT NULL,
                   km REAL GENERATED ALWAYS AS ("end" - start) STORED);
)";

}  // namespace

// ---- filters ----

TEST_CASE("comparison operators follow AirGQL's NULL semantics", "[graphql]") {
    api a(people_sql);
    auto people = [&](const std::string& args) {
        return ints(a.data("{ people(" + args + ") { id } }").at("people"), "id");
    };
    CHECK(people("where: {age: {_eq: 30}}") == ids{1});
    CHECK(people("where: {age: {eq: 30}}") == ids{1});  // deprecated alias
    CHECK(people("where: {age: {_eq: null}}") == ids{2});
    CHECK(people("where: {age: {_neq: 30}}") == ids{2, 3, 4});  // NULL counts as not equal
    CHECK(people("where: {age: {_neq: null}}") == ids{1, 3, 4});
    CHECK(people("where: {age: {_gt: 25}}") == ids{1, 3});
    CHECK(people("where: {age: {_gte: 30}}") == ids{1, 3});
    CHECK(people("where: {age: {_lt: 30}}") == ids{4});
    CHECK(people("where: {age: {_lte: 30}}") == ids{1, 4});
    CHECK(people("where: {age: {_gt: null}}").empty());
    CHECK(people("where: {age: {_in: [30, 40]}}") == ids{1, 3});
    CHECK(people("where: {age: {_in: 25}}") == ids{4});  // a single value is a list
    CHECK(people("where: {age: {_in: []}}").empty());
    CHECK(people("where: {age: {_in: [null, 25]}}") == ids{4});   // null never matches
    CHECK(people("where: {age: {_nin: [30]}}") == ids{2, 3, 4});  // NULL counts as not in
    CHECK(people("where: {age: {_nin: [30, null]}}").empty());
    CHECK(people("where: {age: {_nin: []}}") == ids{1, 2, 3, 4});
    CHECK(people("where: {age: {_is_null: true}}") == ids{2});
    CHECK(people("where: {age: {_is_null: false}}") == ids{1, 3, 4});
    CHECK(people("where: {active: {_eq: true}}") == ids{1, 4});
    CHECK(people("where: {active: {_eq: false}}") == ids{2});
    CHECK(people("where: {active: {_neq: true}}") == ids{2, 3});
    CHECK(people("where: {score: {_gt: 2}}") == ids{3});  // an Int literal for a Float
    CHECK(people("where: {score: {_lte: 1.5}}") == ids{1});
    CHECK(people("where: {}") == ids{1, 2, 3, 4});
}

TEST_CASE("_like is case-sensitive and _ilike is not, each in its own condition", "[graphql]") {
    api a(people_sql);
    auto people = [&](const std::string& args) {
        return ints(a.data("{ people(" + args + ") { id } }").at("people"), "id");
    };
    CHECK(people("where: {email: {_like: \"%example%\"}}") == ids{1, 3});
    CHECK(people("where: {email: {_ilike: \"%example.com\"}}") == ids{1, 2});
    CHECK(people("where: {email: {ilike: \"%EXAMPLE.com\"}}") == ids{1, 2});
    CHECK(people("where: {name: {_like: \"b%\"}}") == ids{2});
    CHECK(people("where: {name: {_like: \"B%\"}}").empty());
    CHECK(people("where: {name: {_ilike: \"B%\"}}") == ids{2});
    CHECK(people("where: {name: {_like: \"_ee\"}}") == ids{4});
    // One request mixing both: the case rule does not leak from one field into another.
    CHECK(a.data("{ a: people(where: {name: {_ilike: \"B%\"}}) { id } "
                 "b: people(where: {name: {_like: \"B%\"}}) { id } "
                 "c: people(where: {name: {_ilike: \"b%\"}, email: {_like: \"BOB%\"}}) { id } "
                 "d: people(where: {email: {_like: \"bob%\"}}) { id } }") ==
          j(R"({"a": [{"id": 2}], "b": [], "c": [{"id": 2}], "d": []})"));
}

TEST_CASE("LIKE patterns treat only % and _ as wildcards", "[graphql]") {
    api a(people_sql);
    auto codes = [&](const std::string& where) {
        return pluck(a.data("{ codes(where: {code: " + where + "}) { code } }").at("codes"),
                     "code");
    };
    using v = std::vector<json::value>;
    CHECK(codes("{_like: \"a*b\"}") == v{"a*b"});
    CHECK(codes("{_like: \"a?b\"}") == v{"a?b"});
    CHECK(codes("{_like: \"a[b\"}") == v{"a[b"});
    CHECK(codes("{_like: \"a_b\"}") == v{"a*b", "axb", "a?b", "a[b"});
    CHECK(codes("{_ilike: \"a*b\"}") == v{"a*b", "A*B"});
    CHECK(codes("{_eq: \"it's\"}") == v{"it's"});
    CHECK(codes("{_like: \"%'s\"}") == v{"it's"});
}

TEST_CASE("_and, _or and _not nest, and several conditions are ANDed", "[graphql]") {
    api a(people_sql);
    auto people = [&](const std::string& args) {
        return ints(a.data("{ people(" + args + ") { id } }").at("people"), "id");
    };
    CHECK(people("where: {age: {_gt: 20, _lt: 35}}") == ids{1, 4});  // D5
    CHECK(people("where: {age: {_gt: 20}, name: {_neq: \"Ann\"}}") == ids{3, 4});
    CHECK(people("where: {_and: [{age: {_gt: 20}}, {age: {_lt: 35}}]}") == ids{1, 4});
    CHECK(people("where: {_or: [{name: {_eq: \"Ann\"}}, {age: {_is_null: true}}]}") == ids{1, 2});
    CHECK(people("where: {_not: {name: {_eq: \"Ann\"}}}") == ids{2, 3, 4});
    CHECK(people("where: {_or: [{_and: [{age: {_gte: 30}}, {active: {_eq: true}}]}, "
                 "{_not: {email: {_is_null: false}}}]}") == ids{1, 4});
    CHECK(people("where: {_and: []}") == ids{1, 2, 3, 4});
    CHECK(people("where: {_or: []}").empty());
    CHECK(people("where: {_or: [{age: {_eq: 25}}], name: {_like: \"%e%\"}}") == ids{4});
    // `filter` is the deprecated name of `where`; `where` wins when both are given.
    CHECK(people("filter: {age: {_eq: 30}}") == ids{1});
    CHECK(people("where: {age: {_eq: 40}}, filter: {age: {_eq: 30}}") == ids{3});
    // Filters may come from variables.
    CHECK(ints(a.data("query ($w: people_filter) { people(where: $w) { id } }",
                      {{"w", j(R"({"age": {"_gt": 26}, "_not": {"id": {"_eq": 3}}})")}})
                   .at("people"),
               "id") == ids{1});
}

TEST_CASE("a column condition without an operator is an error", "[graphql]") {
    api a(people_sql);
    auto r = a.run("{ people(where: {age: {}}) { id } }");
    CHECK(r.at("data").is_null());
    CHECK_THAT(first_message(r), Catch::Contains("operator"));
    CHECK(errors_of(r)[0].at("path") == j(R"(["people"])"));
}

TEST_CASE("filters and orders use the real, quoted names of encoded columns", "[graphql]") {
    api a(R"(
CREATE TABLE "my table" ("first name" TEXT, "group" INTEGER, "select" TEXT, "the key" TEXT UNIQUE);
INSERT INTO "my table" VALUES ('Al', 1, 'a', 'k1'), ('Amy', 2, 'b', 'k2'), ('Bo', 3, 'c', 'k3');
)");
    CHECK(
        a.data(
            "{ myXX0table(where: {firstXX0name: {_like: \"A%\"}, group: {_gte: 1}, "
            "select: {_neq: \"z\"}}, order_by: {select: DESC}) { firstXX0name group select } }") ==
        j(R"({"myXX0table": [{"firstXX0name": "Amy", "group": 2, "select": "b"},
                               {"firstXX0name": "Al", "group": 1, "select": "a"}]})"));
    CHECK(a.data("mutation { insert_myXX0table(objects: {firstXX0name: \"Zed\", group: 5, "
                 "theXX0key: \"k1\"}, on_conflict: {constraint: [theXX0key], update_columns: "
                 "[firstXX0name, group]}) { affected_rows returning { firstXX0name group select } "
                 "} }") == j(R"({"insert_myXX0table": {"affected_rows": 1,
                 "returning": [{"firstXX0name": "Zed", "group": 5, "select": "a"}]}})"));
    CHECK(
        a.data("mutation { update_myXX0table(where: {group: {_eq: 5}}, _set: {select: \"y\"}) "
               "{ affected_rows } delete_myXX0table(where: {firstXX0name: {_eq: \"Bo\"}}) "
               "{ affected_rows } }") ==
        j(R"({"update_myXX0table": {"affected_rows": 1}, "delete_myXX0table": {"affected_rows": 1}})"));
    CHECK(a.data("{ myXX0table { select } }") ==
          j(R"({"myXX0table": [{"select": "y"}, {"select": "b"}]})"));
}

// ---- order_by ----

TEST_CASE("order_by sorts by several terms with NULLs placed as asked", "[graphql]") {
    api a(people_sql);
    auto people = [&](const std::string& args) {
        return ints(a.data("{ people(" + args + ") { id } }").at("people"), "id");
    };
    CHECK(people("order_by: {age: ASC}") == ids{2, 4, 1, 3});  // SQLite: NULLs first
    CHECK(people("order_by: [{age: DESC}]") == ids{3, 1, 4, 2});
    CHECK(people("order_by: {age: asc_nulls_last}") == ids{4, 1, 3, 2});
    CHECK(people("order_by: {age: asc_nulls_first}") == ids{2, 4, 1, 3});
    CHECK(people("order_by: {age: desc_nulls_first}") == ids{2, 3, 1, 4});
    CHECK(people("order_by: {age: desc_nulls_last}") == ids{3, 1, 4, 2});
    CHECK(people("order_by: [{active: DESC}, {name: ASC}]") == ids{1, 4, 2, 3});
    CHECK(people("order_by: [{active: DESC, name: DESC}]") == ids{4, 1, 2, 3});  // document order
    CHECK(people("order_by: {name: desc}") == ids{2, 4, 3, 1});  // deprecated; binary collation
    CHECK(people("order_by: []") == ids{1, 2, 3, 4});
    CHECK(people("order_by: {age: DESC}, where: {age: {_neq: 40}}, limit: 2") == ids{1, 4});
    auto r = a.run("{ people(order_by: [{}]) { id } }");
    CHECK(r.at("data").is_null());
    CHECK_THAT(first_message(r), Catch::Contains("must not be empty"));
}

TEST_CASE("the default order is the rowid, even when an index would give another", "[graphql]") {
    api a(
        "CREATE TABLE words (w TEXT); CREATE INDEX words_w ON words(w);"
        "INSERT INTO words VALUES ('c'), ('a'), ('b');");
    CHECK(a.data("{ words(where: {w: {_gt: \"\"}}) { w } }") ==
          j(R"({"words": [{"w": "c"}, {"w": "a"}, {"w": "b"}]})"));
    CHECK(
        a.data("{ words(where: {w: {_gt: \"\"}}, order_by: {w: ASC}) { rowid w } }") ==
        j(R"({"words": [{"rowid": 2, "w": "a"}, {"rowid": 3, "w": "b"}, {"rowid": 1, "w": "c"}]})"));
}

TEST_CASE("order_by follows object relationships", "[graphql]") {
    api a(music_sql);
    CHECK(pluck(a.data("{ albums(order_by: [{artist: {name: DESC}}, {year: ASC}]) { title } }")
                    .at("albums"),
                "title") == std::vector<json::value>{"Believe", "Help!", "Abbey Road", "Waterloo",
                                                     "Arrival", "Unknown"});
}

// ---- pagination ----

TEST_CASE("limit and offset page through rows and refuse bad values", "[graphql]") {
    api a(people_sql);
    auto people = [&](const std::string& args) {
        return ints(a.data("{ people(" + args + ") { id } }").at("people"), "id");
    };
    CHECK(people("limit: 2") == ids{1, 2});
    CHECK(people("limit: 2, offset: 1") == ids{2, 3});
    CHECK(people("limit: 10, offset: 3") == ids{4});
    CHECK(people("limit: 0").empty());
    CHECK(people("limit: null") == ids{1, 2, 3, 4});
    CHECK(people("limit: 9223372036854775807") == ids{1, 2, 3, 4});

    auto refused = [&](const std::string& args, const std::string& phrase) {
        auto r = a.run("{ people(" + args + ") { id } }");
        INFO(args);
        CHECK(r.at("data").is_null());
        CHECK_THAT(first_message(r), Catch::Contains(phrase));
        CHECK(errors_of(r)[0].at("path") == j(R"(["people"])"));
        CHECK(errors_of(r)[0].at("locations") == j(R"([{"line": 1, "column": 3}])"));
    };
    refused("limit: -1", "limit must be positive");
    refused("limit: 1, offset: -1", "offset must be positive");
    refused("offset: 1", "offset without also specifying a limit");
    // Root list fields are non-null: one failing field nulls all of data.
    auto r = a.run("{ a: people(limit: -1) { id } b: people { id } }");
    CHECK(r.at("data").is_null());
    CHECK(errors_of(r).size() == 1);
    CHECK(errors_of(r)[0].at("path") == j(R"(["a"])"));
}

TEST_CASE("more rows than options::graphql_max_rows need a limit", "[graphql]") {
    api a(R"(
CREATE TABLE nums (n INTEGER);
INSERT INTO nums VALUES (1), (2), (3), (4), (5), (6);
CREATE TABLE few (n INTEGER);
INSERT INTO few VALUES (1), (2), (3), (4), (5);
CREATE TABLE parents (id INTEGER PRIMARY KEY);
CREATE TABLE kids (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents(id));
INSERT INTO parents VALUES (1), (2);
INSERT INTO kids (parent_id) VALUES (1), (1), (1), (1), (1), (1), (2);
)",
          5);
    auto capped = [&](const std::string& query, const json::value& path) {
        auto r = a.run(query);
        INFO(query);
        INFO(json::serialize(r));
        CHECK(r.at("data").is_null());
        CHECK_THAT(first_message(r), Catch::Contains("5") && Catch::Contains("limit"));
        CHECK(errors_of(r)[0].at("path") == path);
    };
    capped("{ nums { n } }", j(R"(["nums"])"));
    capped("{ nums(limit: 6) { n } }", j(R"(["nums"])"));
    capped("{ nums(offset: 0, limit: 100) { n } }", j(R"(["nums"])"));
    capped("{ nums_aggregate { nodes { n } } }", j(R"(["nums_aggregate", "nodes"])"));

    CHECK(ints(a.data("{ nums(limit: 5) { n } }").at("nums"), "n") == ids{1, 2, 3, 4, 5});
    CHECK(ints(a.data("{ nums(limit: 3, offset: 4) { n } }").at("nums"), "n") == ids{5, 6});
    CHECK(ints(a.data("{ nums(where: {n: {_gt: 1}}) { n } }").at("nums"), "n") ==
          ids{2, 3, 4, 5, 6});
    CHECK(ints(a.data("{ few { n } }").at("few"), "n") == ids{1, 2, 3, 4, 5});
    CHECK(ints(a.data("{ few(limit: 100) { n } }").at("few"), "n") == ids{1, 2, 3, 4, 5});
    CHECK(a.data("{ nums_aggregate { aggregate { count } } }") ==
          j(R"({"nums_aggregate": {"aggregate": {"count": 6}}})"));
    // Only root fields are capped; nested lists, as in Hasura, are not.
    CHECK(
        a.data("{ parents { id kids { id } } }") ==
        j(R"({"parents": [{"id": 1, "kids": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}, {"id": 5},
                                                {"id": 6}]}, {"id": 2, "kids": [{"id": 7}]}]})"));
    CHECK(a.data("{ parents { kids(limit: 2) { id } } }") ==
          j(R"({"parents": [{"kids": [{"id": 1}, {"id": 2}]}, {"kids": [{"id": 7}]}]})"));
    CHECK(a.data("{ parents(where: {id: {_eq: 2}}) { kids { id } } }") ==
          j(R"({"parents": [{"kids": [{"id": 7}]}]})"));
}

// ---- by primary key ----

TEST_CASE("by-pk fields find one row by its key, composite keys too", "[graphql]") {
    api a(people_sql);
    CHECK(a.data("{ people_by_pk(id: 2) { name } x: people_by_pk(id: 9) { name } }") ==
          j(R"({"people_by_pk": {"name": "bob"}, "x": null})"));
    CHECK(a.data("{ liked_by_pk(email: \"eve@example.com\", song_id: 2) { rating } "
                 "codes_by_pk(rowid: 6) { code } }") ==
          j(R"({"liked_by_pk": {"rating": 7}, "codes_by_pk": {"code": "it's"}})"));
}

// ---- relationships ----

TEST_CASE("object and array relationships nest with their own arguments", "[graphql]") {
    api a(music_sql);
    CHECK(a.data("{ albums { title artist { name } } }") == j(R"({"albums": [
        {"title": "Arrival", "artist": {"name": "Abba"}},
        {"title": "Abbey Road", "artist": {"name": "Beatles"}},
        {"title": "Help!", "artist": {"name": "Beatles"}},
        {"title": "Believe", "artist": {"name": "Cher"}},
        {"title": "Waterloo", "artist": {"name": "Abba"}},
        {"title": "Unknown", "artist": null}]})"));
    CHECK(a.data("{ artists { name albums(where: {year: {_gt: 1970}}, order_by: {year: DESC}, "
                 "limit: 1) { title } } }") == j(R"({"artists": [
        {"name": "Abba", "albums": [{"title": "Arrival"}]},
        {"name": "Beatles", "albums": []},
        {"name": "Cher", "albums": [{"title": "Believe"}]},
        {"name": "Nobody", "albums": []}]})"));
    CHECK(a.data("{ albums_by_pk(id: 1) { artist { name albums(order_by: {year: ASC}) "
                 "{ t: title artist { country } } } } }") ==
          j(R"({"albums_by_pk": {"artist": {"name": "Abba", "albums": [
        {"t": "Waterloo", "artist": {"country": "SE"}},
        {"t": "Arrival", "artist": {"country": "SE"}}]}}})"));
    CHECK(
        a.data("{ albums(limit: 1) { __typename artist { __typename } } }") ==
        j(R"({"albums": [{"__typename": "albums_row", "artist": {"__typename": "artists_row"}}]})"));
    CHECK(a.data("{ artists(where: {name: {_eq: \"Beatles\"}}) { albums(limit: 1, offset: 1) "
                 "{ title } } }") == j(R"({"artists": [{"albums": [{"title": "Help!"}]}]})"));
    // A bad argument of a nested list is an error at that list, for every parent row; the
    // list is non-null, so the null climbs through the non-null rows up to data.
    auto r = a.run("{ artists { albums(offset: -1) { title } } }");
    INFO(json::serialize(r));
    CHECK(r.at("data").is_null());
    CHECK_THAT(first_message(r), Catch::Contains("offset must be positive or zero"));
    CHECK(errors_of(r)[0].at("path") == j(R"(["artists", 0, "albums"])"));
    r = a.run("{ albums_by_pk(id: 1) { title artist { albums(limit: -1) { title } } } }");
    INFO(json::serialize(r));
    CHECK(r.at("data") == j(R"({"albums_by_pk": {"title": "Arrival", "artist": null}})"));
    CHECK(errors_of(r)[0].at("path") == j(R"(["albums_by_pk", "artist", "albums"])"));
}

TEST_CASE("array aggregates count and summarise each parent's rows", "[graphql]") {
    api a(music_sql);
    CHECK(a.data("{ artists(order_by: {name: ASC}) { name albums_aggregate { aggregate { count "
                 "max { year } avg { rating } } } } }") == j(R"({"artists": [
        {"name": "Abba", "albums_aggregate": {"aggregate": {"count": 2, "max": {"year": 1976}, "avg": {"rating": 4.25}}}},
        {"name": "Beatles", "albums_aggregate": {"aggregate": {"count": 2, "max": {"year": 1969}, "avg": {"rating": 5.0}}}},
        {"name": "Cher", "albums_aggregate": {"aggregate": {"count": 1, "max": {"year": 1998}, "avg": {"rating": 3.5}}}},
        {"name": "Nobody", "albums_aggregate": {"aggregate": {"count": 0, "max": {"year": null}, "avg": {"rating": null}}}}]})"));
    CHECK(
        a.data("{ artists_by_pk(id: 2) { albums_aggregate(where: {rating: {_is_null: false}}) "
               "{ aggregate { count } nodes { title } } } }") ==
        j(R"({"artists_by_pk": {"albums_aggregate": {"aggregate": {"count": 1}, "nodes": [{"title": "Abbey Road"}]}}})"));
}

TEST_CASE("filters follow relationships both ways", "[graphql]") {
    api a(music_sql);
    CHECK(
        pluck(a.data("{ albums(where: {artist: {name: {_eq: \"Abba\"}}}) { title } }").at("albums"),
              "title") == std::vector<json::value>{"Arrival", "Waterloo"});
    CHECK(pluck(a.data("{ artists(where: {albums: {year: {_lt: 1970}}}) { name } }").at("artists"),
                "name") == std::vector<json::value>{"Beatles"});
    CHECK(pluck(a.data("{ artists(where: {_not: {albums: {}}}) { name } }").at("artists"),
                "name") == std::vector<json::value>{"Nobody"});
    CHECK(pluck(a.data("{ albums(where: {artist: {albums: {title: {_eq: \"Help!\"}}}}) { title } }")
                    .at("albums"),
                "title") == std::vector<json::value>{"Abbey Road", "Help!"});
}

// ---- aggregates ----

TEST_CASE("aggregates compute count, sum, avg, min and max with the nodes", "[graphql]") {
    api a(music_sql);
    CHECK(a.data("{ albums_aggregate { __typename aggregate { count sum { year rating } "
                 "avg { rating } min { year title } max { year title } } nodes { id } } }") ==
          j(R"({"albums_aggregate": {"__typename": "albums_aggregate", "aggregate": {"count": 6,
               "sum": {"year": 9882, "rating": 17.0}, "avg": {"rating": 4.25},
               "min": {"year": 1965, "title": "Abbey Road"}, "max": {"year": 1998, "title": "Waterloo"}},
               "nodes": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}, {"id": 5}, {"id": 6}]}})"));
    CHECK(
        a.data("{ albums_aggregate { aggregate { c1: count(columns: [rating]) "
               "c2: count(columns: [artist_id], distinct: true) c3: count(columns: artist_id) "
               "c4: count(columns: [artist_id, rating]) "
               "c5: count(columns: [artist_id, year], distinct: true) c6: count(distinct: true) } "
               "} }") ==
        j(R"({"albums_aggregate": {"aggregate": {"c1": 4, "c2": 3, "c3": 5, "c4": 6, "c5": 6, "c6": 6}}})"));
    // Several columns count as Hasura's count((a, b)) does on PostgreSQL: a row value is
    // never NULL, so every row counts (c4), and distinct tuples count with NULLs alike (c5:
    // the album without artist and year is one more tuple). One column skips NULLs (c1, c3).
    CHECK(
        a.data("{ albums_aggregate(where: {artist_id: {_eq: 2}}) { aggregate { count } nodes { "
               "title } } }") ==
        j(R"({"albums_aggregate": {"aggregate": {"count": 2}, "nodes": [{"title": "Abbey Road"}, {"title": "Help!"}]}})"));
    CHECK(a.data("{ albums_aggregate(order_by: {year: DESC}, limit: 2) { aggregate { count "
                 "sum { year } } nodes { title } } }") ==
          j(R"({"albums_aggregate": {"aggregate": {"count": 2, "sum": {"year": 3974}},
               "nodes": [{"title": "Believe"}, {"title": "Arrival"}]}})"));
    CHECK(a.data("{ albums_aggregate(where: {id: {_gt: 100}}) { aggregate { count sum { year } "
                 "avg { rating } max { title } } nodes { id } } }") ==
          j(R"({"albums_aggregate": {"aggregate": {"count": 0, "sum": {"year": null},
               "avg": {"rating": null}, "max": {"title": null}}, "nodes": []}})"));
}

TEST_CASE("min and max of a String column are text, whatever SQLite stored", "[graphql]") {
    // An untyped column is a String (graphql-api.md D1); it may hold integers and reals beside
    // text, and its cells come out as their text. Its min and max came out as JSON numbers.
    api a("CREATE TABLE t (id INTEGER PRIMARY KEY, tag); "
          "INSERT INTO t (tag) VALUES (0), (-1), (2.5), (NULL);");
    CHECK(a.data("{ t_aggregate { aggregate { min { tag } max { tag } } nodes { tag } } }") ==
          j(R"({"t_aggregate": {"aggregate": {"min": {"tag": "-1"}, "max": {"tag": "2.5"}},
               "nodes": [{"tag": "0"}, {"tag": "-1"}, {"tag": "2.5"}, {"tag": null}]}})"));
    a.sql("INSERT INTO t (tag) VALUES ('a')");
    CHECK(a.data("{ t_aggregate { aggregate { min { tag } max { tag } } } }") ==
          j(R"({"t_aggregate": {"aggregate": {"min": {"tag": "-1"}, "max": {"tag": "a"}}}})"));
}

TEST_CASE("an aggregate of no rows is an object even when it selects only __typename",
          "[graphql]") {
    api a(music_sql);
    // Artist 4 has no albums. No aggregate function was called, so the statement gave no row
    // and the non-null field came back null without an error.
    CHECK(a.data("{ artists_by_pk(id: 4) { albums_aggregate { __typename } } }") ==
          j(R"({"artists_by_pk": {"albums_aggregate": {"__typename": "albums_aggregate"}}})"));
    CHECK(a.data("{ albums_aggregate(where: {id: {_eq: -1}}) { __typename aggregate { "
                 "__typename max { __typename } } } }") ==
          j(R"({"albums_aggregate": {"__typename": "albums_aggregate", "aggregate": {
               "__typename": "albums_aggregate_fields", "max": {"__typename": "albums_max_fields"}}}})"));
    // With a field error beside it, the error is reported (it was lost with the null above).
    auto r = a.run("{ artists_aggregate { a: nodes { albums_aggregate(where: {id: {_eq: -1}}) { "
                   "__typename } } b: nodes { albums(where: {id: {}}) { id } } } }");
    REQUIRE(r.as_object().contains("errors"));
    CHECK_THAT(std::string(r.at("errors").at(0).at("message").as_string()),
               Catch::Contains("names no operator"));
}

TEST_CASE("count over several columns takes any value, BLOBs and mixed types too", "[graphql]") {
    api a("CREATE TABLE f (id INTEGER PRIMARY KEY, k TEXT, b BLOB);"
          "INSERT INTO f (k, b) VALUES ('a', x'00'), ('a', x'00'), ('a', x'01'), ('a,''b', NULL),"
          "('a', ',''b'), (NULL, NULL), (NULL, NULL);");
    // ('a', x'00') twice; 'a,''b' with NULL is not 'a' with ',''b'; (NULL, NULL) twice.
    CHECK(a.data("{ f_aggregate { aggregate { all: count(columns: [k, b]) "
                 "tuples: count(columns: [k, b], distinct: true) } } }") ==
          j(R"({"f_aggregate": {"aggregate": {"all": 7, "tuples": 5}}})"));
}

// ---- values ----

TEST_CASE("integers keep all 64 bits in results, filters, variables and inserts", "[graphql]") {
    api a(
        "CREATE TABLE big (id INTEGER PRIMARY KEY, n INTEGER);"
        "INSERT INTO big VALUES (1, 8000000000), (2, 9223372036854775807), "
        "(3, -9223372036854775808), (4, 1);");
    CHECK(a.data("{ big { n } }") == j(R"({"big": [{"n": 8000000000}, {"n": 9223372036854775807},
                        {"n": -9223372036854775808}, {"n": 1}]})"));
    CHECK(ints(a.data("{ big(where: {n: {_eq: 9223372036854775807}}) { id } }").at("big"), "id") ==
          ids{2});
    CHECK(ints(a.data("{ big(where: {n: {_gt: 2147483647}}) { id } }").at("big"), "id") ==
          ids{1, 2});
    CHECK(
        ints(a.data("query ($n: Int) { big(where: {n: {_eq: $n}}) { id } }", {{"n", 8000000000LL}})
                 .at("big"),
             "id") == ids{1});
    CHECK(
        a.data("{ big_aggregate(where: {id: {_in: [1, 4]}}) { aggregate { sum { n } max { n } } } "
               "}") ==
        j(R"({"big_aggregate": {"aggregate": {"sum": {"n": 8000000001}, "max": {"n": 8000000000}}}})"));
    CHECK(a.data("mutation { insert_big(objects: {id: 5, n: 4611686018427387904}) "
                 "{ returning { n } } }") ==
          j(R"({"insert_big": {"returning": [{"n": 4611686018427387904}]}})"));
    CHECK(a.data("{ big_by_pk(id: 5) { n } }") ==
          j(R"({"big_by_pk": {"n": 4611686018427387904}})"));
}

TEST_CASE("reals come out exact and finite; aggregates sum exactly and keep their digits",
          "[graphql][values]") {
    api a(
        "CREATE TABLE kv (k TEXT PRIMARY KEY, v INTEGER, w REAL);"
        "INSERT INTO kv VALUES ('a', 1700000000, 0.30000000000000004), "
        "('b', 1700000007, 1.0000000000000002), ('c', 1700000013, 123456789.12345678), "
        "('d', 1700000029, 0.5);");
    // Every REAL reads back as the same double; the usual ones keep SQLite's text.
    auto raw = a.send(a.owner, a.db, a.request("{ kv { k w } }")).body;
    CHECK(raw.find("0.30000000000000004") != std::string::npos);
    CHECK(raw.find("1.0000000000000002") != std::string::npos);
    CHECK(raw.find("123456789.12345678") != std::string::npos);
    CHECK(raw.find("\"w\":0.5}") != std::string::npos);
    // The value read is the value that filters find.
    CHECK(ints(a.data("{ kv(where: {w: {_eq: 0.30000000000000004}}) { v } }").at("kv"), "v") ==
          ids{1700000000});
    // Statistics of large values (epoch seconds): the sum of squares lost every digit.
    auto stats = a.data("{ kv_aggregate { aggregate { stddev { v } variance { v } var_pop { v } "
                        "stddev_pop { v } var_samp { v } stddev_samp { v } } } }")
                     .at("kv_aggregate").at("aggregate");
    CHECK(stats.at("variance").at("v").to_number<double>() == Approx(152.9166666667));
    CHECK(stats.at("var_samp").at("v").to_number<double>() == Approx(152.9166666667));
    CHECK(stats.at("var_pop").at("v").to_number<double>() == Approx(114.6875));
    CHECK(stats.at("stddev").at("v").to_number<double>() == Approx(12.3659478677));
    CHECK(stats.at("stddev_samp").at("v").to_number<double>() == Approx(12.3659478677));
    CHECK(stats.at("stddev_pop").at("v").to_number<double>() == Approx(10.7092249953));
    CHECK(a.data("{ kv_aggregate(where: {k: {_eq: \"a\"}}) { aggregate { stddev { v } "
                 "var_pop { v } } } }") ==
          j(R"({"kv_aggregate": {"aggregate": {"stddev": {"v": null}, "var_pop": {"v": 0.0}}}})"));
    CHECK(a.data("{ kv_aggregate { aggregate { sum { v } avg { w } } } }") ==
          j(R"({"kv_aggregate": {"aggregate": {"sum": {"v": 6800000049},
                "avg": {"w": 30864197.730864193}}}})"));

    // An infinite REAL (SQL can store one) is a field error at its path, not `Inf` in the
    // JSON; so is a sum past 64 bits, without losing the other fields.
    a.sql("INSERT INTO kv VALUES ('inf', 9223372036854775807, 1e999), "
          "('big', 9223372036854775807, 1)");
    auto r = a.run("{ kv(where: {k: {_eq: \"inf\"}}) { k w } }");
    CHECK(r.at("data") == j(R"({"kv": [{"k": "inf", "w": null}]})"));
    CHECK(first_message(r).find("not a finite number") != std::string::npos);
    CHECK(errors_of(r)[0].at("path") == j(R"(["kv", 0, "w"])"));
    r = a.run("{ kv_aggregate { aggregate { sum { v } max { v } avg { w } count } } }");
    INFO(json::serialize(r));
    CHECK(r.at("data").at("kv_aggregate").at("aggregate").at("max") ==
          j(R"({"v": 9223372036854775807})"));
    CHECK(r.at("data").at("kv_aggregate").at("aggregate").at("count") == 6);
    CHECK(r.at("data").at("kv_aggregate").at("aggregate").at("sum").at("v").is_null());
    CHECK(r.at("data").at("kv_aggregate").at("aggregate").at("avg").at("w").is_null());
    auto messages = json::serialize(errors_of(r));
    CHECK(messages.find("beyond the 64-bit integer range") != std::string::npos);
    CHECK(messages.find("average is not a finite number") != std::string::npos);
}

TEST_CASE("filters through too many relationships are a field error that says so",
          "[graphql]") {
    api a(
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE albums (id INTEGER PRIMARY KEY, artist_id INTEGER REFERENCES artists(id));"
        "INSERT INTO artists VALUES (1, 'a'); INSERT INTO albums VALUES (1, 1);");
    // album → artist → albums → artist …: each hop is an EXISTS subquery.
    auto filter = [](int hops) {
        std::string open, close;
        for (int i = 0; i < hops; ++i) {
            open += i % 2 == 0 ? "{artist: " : "{albums: ";
            close += "}";
        }
        return open + "{id: {_gt: 0}}" + close;
    };
    CHECK(ints(a.data("{ albums(where: " + filter(4) + ") { id } }").at("albums"), "id") == ids{1});
    auto r = a.run("{ albums(where: " + filter(40) + ") { id } }");
    INFO(json::serialize(r));
    CHECK(first_message(r).find("nests too deeply for one SQL statement") != std::string::npos);
    CHECK(json::serialize(r).find("parser stack overflow") == std::string::npos);
    CHECK(errors_of(r)[0].at("path") == j(R"(["albums"])"));
}

TEST_CASE("cells are converted per D1 or become field errors with a path", "[graphql]") {
    api a(R"(
CREATE TABLE mixed (id INTEGER PRIMARY KEY, i INTEGER, b BOOLEAN, d DATE, js JSON, n NUMERIC,
                    r REAL, u);
INSERT INTO mixed VALUES
  (1, 'abc', 1, 20240101, '{"a":1}', 3, 'x', 2.5),
  (2, 1e20, 0, '2024-01-01', '[1]', 2.5, 1.5, 'text'),
  (3, 7, 2, NULL, NULL, NULL, NULL, 1),
  (4, NULL, 'yes', 1.5, NULL, NULL, NULL, NULL);
)");
    auto r = a.run("{ mixed {\n  id i b d js r u\n} }");
    INFO(json::serialize(r));
    CHECK(r.at("data") == j(R"({"mixed": [
        {"id": 1, "i": null, "b": true, "d": "20240101", "js": "{\"a\":1}", "r": null, "u": "2.5"},
        {"id": 2, "i": null, "b": false, "d": "2024-01-01", "js": "[1]", "r": 1.5, "u": "text"},
        {"id": 3, "i": 7, "b": true, "d": null, "js": null, "r": null, "u": "1"},
        {"id": 4, "i": null, "b": null, "d": "1.5", "js": null, "r": null, "u": null}]})"));
    std::vector<json::value> paths;
    for (const auto& e : errors_of(r)) {
        paths.push_back(e.at("path"));
        CHECK(e.at("locations").as_array().size() == 1);
        CHECK(e.at("locations").at(0).at("line") == 2);
        CHECK_FALSE(e.at("message").as_string().empty());
    }
    CHECK(paths == std::vector<json::value>{j(R"(["mixed", 0, "i"])"), j(R"(["mixed", 0, "r"])"),
                                            j(R"(["mixed", 1, "i"])"), j(R"(["mixed", 3, "b"])")});
    // NUMERIC maps to Float: an integer value is a number either way.
    auto n = a.data("{ mixed(order_by: {id: ASC}) { n } }").at("mixed");
    CHECK(n.at(0).at("n").to_number<double>() == 3.0);
    CHECK(n.at(1).at("n") == j("2.5"));
    CHECK(n.at(2).at("n").is_null());
}

TEST_CASE("an integral REAL in an Int column is an Int, a fractional one an error", "[graphql]") {
    // A compound view keeps the INTEGER declared type of its first column while the other
    // branches bring REAL values.
    api a(
        "CREATE TABLE ints (n INTEGER); INSERT INTO ints VALUES (1);"
        "CREATE VIEW mixed_ints AS SELECT n FROM ints UNION ALL SELECT 2.0 UNION ALL SELECT 2.5;");
    auto r = a.run("{ mixed_ints { n } }");
    INFO(json::serialize(r));
    CHECK(r.at("data") == j(R"({"mixed_ints": [{"n": 1}, {"n": 2}, {"n": null}]})"));
    CHECK(r.at("data").at("mixed_ints").at(1).at("n").is_int64());
    REQUIRE(errors_of(r).size() == 1);
    CHECK(errors_of(r)[0].at("path") == j(R"(["mixed_ints", 2, "n"])"));
    CHECK(errors_of(r)[0].at("locations") == j(R"([{"line": 1, "column": 16}])"));
}

TEST_CASE("a bad cell in a non-null column nulls its row up to data", "[graphql]") {
    api a(
        "CREATE TABLE strict_ints (n INTEGER NOT NULL); INSERT INTO strict_ints VALUES (1), "
        "('abc');"
        "CREATE TABLE users (email TEXT PRIMARY KEY, name TEXT); "
        "INSERT INTO users VALUES (NULL, 'nobody');");
    auto r = a.run("{ strict_ints { n } }");
    CHECK(r.at("data").is_null());
    REQUIRE(errors_of(r).size() == 1);
    CHECK(errors_of(r)[0].at("path") == j(R"(["strict_ints", 1, "n"])"));
    // A NULL in a TEXT PRIMARY KEY (SQLite allows it) contradicts the non-null type.
    r = a.run("{ users { name email } }");
    CHECK(r.at("data").is_null());
    REQUIRE(errors_of(r).size() == 1);
    CHECK(errors_of(r)[0].at("path") == j(R"(["users", 0, "email"])"));
    // By-pk fields are nullable: the error stops there.
    r = a.run("{ strict_ints_by_pk(rowid: 2) { n } x: strict_ints_by_pk(rowid: 1) { n } }");
    CHECK(r.at("data") == j(R"({"strict_ints_by_pk": null, "x": {"n": 1}})"));
    CHECK(errors_of(r)[0].at("path") == j(R"(["strict_ints_by_pk", "n"])"));
}

TEST_CASE("file columns return JSON text with a read-only URL", "[graphql]") {
    api a(R"(
CREATE TABLE docs (name TEXT, file BLOB, pic blob);
INSERT INTO docs VALUES ('a', x'00ff', NULL), ('b', NULL, x''), ('c', x'', x'01');
CREATE TABLE "my files" ("the file" BLOB);
INSERT INTO "my files" VALUES (x'01');
)");
    auto ro = a.readonly_id();
    // The cell is a string holding JSON; compare what it holds.
    auto holds_url = [&](const json::value& cell, const std::string& rest) {
        INFO(json::serialize(cell));
        REQUIRE(cell.is_string());
        CHECK(j(cell.as_string()) == json::value(json::object{{"url", "/readonly/" + ro + rest}}));
    };
    auto d = a.data("{ docs { name file pic } }").at("docs").as_array();
    REQUIRE(d.size() == 3);
    holds_url(d[0].at("file"), "/tables/docs/columns/file/files/rowid/1");
    CHECK(d[0].at("pic").is_null());
    CHECK(d[1].at("file").is_null());
    holds_url(d[1].at("pic"), "/tables/docs/columns/pic/files/rowid/2");  // an empty blob is a file
    holds_url(d[2].at("file"), "/tables/docs/columns/file/files/rowid/3");
    holds_url(d[2].at("pic"), "/tables/docs/columns/pic/files/rowid/3");
    holds_url(a.data("{ myXX0files { theXX0file } }").at("myXX0files").at(0).at("theXX0file"),
              "/tables/my%20files/columns/the%20file/files/rowid/1");
    // Read-only links see the same URLs.
    auto link = principal::readonly_link(ro);
    auto via_link = j(a.send(link, ro, a.request("{ docs_by_pk(rowid: 1) { file } }")).body);
    holds_url(via_link.at("data").at("docs_by_pk").at("file"),
              "/tables/docs/columns/file/files/rowid/1");
}

// ---- mutations ----

TEST_CASE("inserts leave missing keys to the column defaults", "[graphql]") {
    api a(items_sql);
    CHECK(a.data("mutation { insert_items(objects: [{name: \"a\", qty: 5}, {name: \"b\"}]) "
                 "{ affected_rows returning { id name qty note price done } } }") ==
          j(R"({"insert_items": {"affected_rows": 2, "returning": [
        {"id": 1, "name": "a", "qty": 5, "note": "none", "price": null, "done": false},
        {"id": 2, "name": "b", "qty": 1, "note": "none", "price": null, "done": false}]}})"));
    // A single object is a list; an Int for a Float column is stored as REAL.
    auto price = a.data(
                      "mutation { insert_items(objects: {name: \"c\", price: 2, done: true}) "
                      "{ returning { price done } } }")
                     .at("insert_items")
                     .at("returning")
                     .at(0);
    CHECK(price.at("price").is_double());
    CHECK(price.at("price") == j("2.0"));
    CHECK(price.at("done") == true);
    CHECK(a.data("mutation { insert_defaults_only(objects: [{}, {}]) "
                 "{ affected_rows returning { id made } } }") ==
          j(R"({"insert_defaults_only": {"affected_rows": 2,
               "returning": [{"id": 1, "made": "yes"}, {"id": 2, "made": "yes"}]}})"));
    CHECK(a.data("mutation { insert_items(objects: []) { affected_rows returning { id } } }") ==
          j(R"({"insert_items": {"affected_rows": 0, "returning": []}})"));
    CHECK(a.data("mutation { insert_dist(objects: {start: 1, end: 11}) { returning { km } } }") ==
          j(R"({"insert_dist": {"returning": [{"km": 10.0}]}})"));
    CHECK(a.data("mutation { insert_pets(objects: {name: \"Rex\", owner_id: 1}) "
                 "{ returning { name owner { name } } } }") ==
          j(R"({"insert_pets": {"returning": [{"name": "Rex", "owner": {"name": "Olga"}}]}})"));
}

TEST_CASE("upserts update the listed columns, filtered by where, or do nothing", "[graphql]") {
    api a(items_sql);
    a.sql("INSERT INTO items (id, name, qty) VALUES (1, 'a', 5), (2, 'b', 1)");
    // The where clause tests the existing row; only update_columns change.
    CHECK(
        a.data("mutation { insert_items(objects: {id: 1, name: \"A\", qty: 9}, on_conflict: "
               "{constraint: [id], update_columns: [name], where: {qty: {_eq: 5}}}) "
               "{ affected_rows returning { id name qty } } }") ==
        j(R"({"insert_items": {"affected_rows": 1, "returning": [{"id": 1, "name": "A", "qty": 5}]}})"));
    // Not matching the where: the row stays, nothing is returned or counted (D6).
    CHECK(a.data("mutation { insert_items(objects: {id: 1, name: \"Z\", qty: 1}, on_conflict: "
                 "{constraint: id, update_columns: [name], where: {qty: {_eq: 100}}}) "
                 "{ affected_rows returning { id } } }") ==
          j(R"({"insert_items": {"affected_rows": 0, "returning": []}})"));
    // update_columns: [] means DO NOTHING (D7); other objects are still inserted.
    CHECK(a.data("mutation { insert_items(objects: [{id: 2, name: \"B2\"}, {name: \"c\"}], "
                 "on_conflict: {constraint: [id], update_columns: []}) "
                 "{ affected_rows returning { id name } } }") ==
          j(R"({"insert_items": {"affected_rows": 1, "returning": [{"id": 3, "name": "c"}]}})"));
    // The conflict target may be any unique column.
    CHECK(a.data("mutation { insert_items(objects: {name: \"A\", qty: 7}, on_conflict: "
                 "{constraint: [name], update_columns: [qty]}) { affected_rows returning { id qty "
                 "} } }") ==
          j(R"({"insert_items": {"affected_rows": 1, "returning": [{"id": 1, "qty": 7}]}})"));
    CHECK(a.data("{ items { id name qty } }") ==
          j(R"({"items": [{"id": 1, "name": "A", "qty": 7}, {"id": 2, "name": "b", "qty": 1},
                          {"id": 3, "name": "c", "qty": 1}]})"));
    // Every update column must be given by the objects.
    auto r = a.run(
        "mutation { insert_items(objects: {name: \"q\"}, on_conflict: "
        "{constraint: [name], update_columns: [qty]}) { affected_rows } }");
    CHECK(r.at("data").is_null());
    CHECK_THAT(first_message(r), Catch::Contains("qty") && Catch::Contains("conflict"));
    CHECK(errors_of(r)[0].at("path") == j(R"(["insert_items"])"));
}

TEST_CASE("updates need a non-empty filter and change only the given columns", "[graphql]") {
    api a(items_sql);
    a.sql("INSERT INTO items (id, name, qty) VALUES (1, 'a', 5), (2, 'b', 1), (3, 'c', 3)");
    CHECK(a.data("mutation { update_items(where: {qty: {_gt: 1}}, _set: {note: \"many\"}) "
                 "{ affected_rows returning { id note qty } } }") ==
          j(R"({"update_items": {"affected_rows": 2, "returning": [
               {"id": 1, "note": "many", "qty": 5}, {"id": 3, "note": "many", "qty": 3}]}})"));
    CHECK(a.data("mutation { update_items(filter: {id: {_eq: 2}}, set: {note: \"old\"}) "
                 "{ affected_rows } }") == j(R"({"update_items": {"affected_rows": 1}})"));
    CHECK(a.data("mutation { update_items(where: {id: {_eq: 1}}, _set: {}) "
                 "{ affected_rows returning { id } } }") ==
          j(R"({"update_items": {"affected_rows": 0, "returning": []}})"));

    auto refused = [&](const std::string& field, const std::string& phrase) {
        auto r = a.run("mutation { " + field + " { affected_rows } }");
        INFO(field);
        CHECK(r.at("data").is_null());
        CHECK_THAT(first_message(r), Catch::Contains(phrase));
        CHECK(errors_of(r)[0].at("path") == j(R"(["update_items"])"));
    };
    refused("update_items(where: {}, _set: {note: \"x\"})", "must not be empty");
    refused("update_items(_set: {note: \"x\"})", "where");
    refused("update_items(where: {id: {_eq: 1}})", "_set");
    CHECK(a.data("{ items { note } }") ==
          j(R"({"items": [{"note": "many"}, {"note": "old"}, {"note": "many"}]})"));

    CHECK(
        a.data(
            "mutation { update_items_by_pk(id: 1, _set: {qty: 8}) "
            "{ affected_rows returning { id qty } } "
            "x: update_items_by_pk(id: 99, _set: {qty: 8}) { affected_rows returning { id } } }") ==
        j(R"({"update_items_by_pk": {"affected_rows": 1, "returning": {"id": 1, "qty": 8}},
               "x": {"affected_rows": 0, "returning": null}})"));
    // A key column named _set moves the new values to _set_ (§4.5).
    CHECK(a.data("mutation { update_flags_by_pk(_set: 1, _set_: {v: \"y\"}) "
                 "{ affected_rows returning { v } } }") ==
          j(R"({"update_flags_by_pk": {"affected_rows": 1, "returning": {"v": "y"}}})"));
}

TEST_CASE("deletes return the deleted rows and {} deletes all", "[graphql]") {
    api a(items_sql);
    a.sql("INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd')");
    CHECK(a.data("mutation { delete_items(where: {id: {_eq: 2}}) { affected_rows returning { name "
                 "} } }") ==
          j(R"({"delete_items": {"affected_rows": 1, "returning": [{"name": "b"}]}})"));
    CHECK(a.data("mutation { delete_items_by_pk(id: 1) { affected_rows returning { name } } }") ==
          j(R"({"delete_items_by_pk": {"affected_rows": 1, "returning": {"name": "a"}}})"));
    CHECK(a.data("mutation { delete_items_by_pk(id: 1) { affected_rows returning { name } } }") ==
          j(R"({"delete_items_by_pk": {"affected_rows": 0, "returning": null}})"));
    auto r = a.run("mutation { delete_items { affected_rows } }");
    CHECK(r.at("data").is_null());
    CHECK_THAT(first_message(r), Catch::Contains("where"));
    CHECK(a.data("mutation { delete_items(where: {}) { affected_rows returning { id } } }") ==
          j(R"({"delete_items": {"affected_rows": 2, "returning": [{"id": 3}, {"id": 4}]}})"));
    CHECK(a.data("{ items { id } }") == j(R"({"items": []})"));
}

TEST_CASE("a failing mutation field rolls back all its rows", "[graphql]") {
    api a(items_sql);
    auto r = a.run(
        "mutation {\n  insert_items(objects: [{name: \"ok\"}, {name: \"dup\"}, "
        "{name: \"dup\"}]) { affected_rows }\n}");
    CHECK(r.at("data").is_null());
    CHECK_THAT(first_message(r), Catch::Contains("UNIQUE constraint failed: items.name"));
    CHECK(errors_of(r)[0].at("path") == j(R"(["insert_items"])"));
    CHECK(errors_of(r)[0].at("locations") == j(R"([{"line": 2, "column": 3}])"));
    CHECK(a.data("{ items { name } }") == j(R"({"items": []})"));

    r = a.run("mutation { insert_pets(objects: {name: \"Rex\", owner_id: 99}) { affected_rows } }");
    CHECK(r.at("data").is_null());
    CHECK_THAT(first_message(r), Catch::Contains("FOREIGN KEY constraint failed"));
    CHECK(a.data("{ pets { name } }") == j(R"({"pets": []})"));

    a.sql("INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b')");
    r = a.run("mutation { update_items(where: {}, _set: {name: \"same\"}) { affected_rows } }");
    CHECK(r.at("data").is_null());
    r = a.run(
        "mutation { update_items(where: {id: {_gt: 0}}, _set: {name: \"same\"}) { affected_rows } "
        "}");
    CHECK(r.at("data").is_null());
    CHECK_THAT(first_message(r), Catch::Contains("UNIQUE constraint failed"));
    CHECK(a.data("{ items { name } }") == j(R"({"items": [{"name": "a"}, {"name": "b"}]})"));
}

TEST_CASE("mutation root fields run one after another", "[graphql]") {
    api a(items_sql);
    CHECK(a.data("mutation { __typename a: insert_items(objects: {name: \"s1\"}) "
                 "{ __typename affected_rows } "
                 "b: update_items(where: {name: {_eq: \"s1\"}}, _set: {qty: 3}) "
                 "{ affected_rows returning { qty } } "
                 "c: delete_items_by_pk(id: 1) { __typename returning { qty } } }") ==
          j(R"({"__typename": "Mutation",
               "a": {"__typename": "items_mutation_response", "affected_rows": 1},
               "b": {"affected_rows": 1, "returning": [{"qty": 3}]},
               "c": {"__typename": "items_mutation_by_pk_response", "returning": {"qty": 3}}})"));
    // One transaction per operation: a failing field nulls data and rolls back what the
    // earlier fields of the same operation wrote.
    auto r = a.run(
        "mutation { a: insert_items(objects: {name: \"k1\"}) { affected_rows } "
        "b: insert_items(objects: {name: \"k1\"}) { affected_rows } }");
    CHECK(r.at("data").is_null());
    REQUIRE(errors_of(r).size() == 1);
    CHECK(errors_of(r)[0].at("path") == j(R"(["b"])"));
    CHECK(a.data("{ items { name } }") == j(R"({"items": []})"));
}

// ---- access ----

TEST_CASE("a write-only token mutates without reading anything", "[graphql]") {
    api a(items_sql);
    auto w = a.token(token_access::writeonly);
    for (const char* q :
         {"{ __typename }", "{ __schema { queryType { name } } }", "{ items { id } }"}) {
        auto r = a.run_as(w, q);
        INFO(q);
        CHECK(r.at("data").is_null());
        CHECK_THAT(first_message(r), Catch::Contains("Cannot read field"));
        CHECK(errors_of(r)[0].as_object().contains("path"));
    }
    CHECK(a.run_as(w, "mutation { insert_items(objects: {name: \"w\"}) { affected_rows } }") ==
          j(R"({"data": {"insert_items": {"affected_rows": 1}}})"));
    CHECK(a.run_as(w,
                   "mutation { update_items(where: {name: {_eq: \"w\"}}, _set: {qty: 2}) "
                   "{ affected_rows } }") ==
          j(R"({"data": {"update_items": {"affected_rows": 1}}})"));
    auto r = a.run_as(w, "mutation { insert_items(objects: {name: \"v\"}) { returning { id } } }");
    CHECK(r.at("data").is_null());
    CHECK(first_message(r) ==
          "Cannot query field \"returning\" on type \"items_mutation_response\".");
    CHECK_FALSE(errors_of(r)[0].as_object().contains("path"));
    CHECK(a.data("{ items { name qty } }") == j(R"({"items": [{"name": "w", "qty": 2}]})"));
    CHECK(a.run_as(w, "mutation { delete_items_by_pk(id: 1) { affected_rows } }") ==
          j(R"({"data": {"delete_items_by_pk": {"affected_rows": 1}}})"));
}

TEST_CASE("an insert-only token may only insert", "[graphql]") {
    api a(items_sql);
    auto ins = a.token(token_access::insertonly);
    CHECK(a.run_as(ins, "mutation { insert_items(objects: {name: \"i\"}) { affected_rows } }") ==
          j(R"({"data": {"insert_items": {"affected_rows": 1}}})"));
    CHECK(first_message(a.run_as(ins,
                                 "mutation { update_items(where: {id: {_eq: 1}}, "
                                 "_set: {qty: 2}) { affected_rows } }")) ==
          "Cannot query field \"update_items\" on type \"Mutation\".");
    CHECK(
        first_message(a.run_as(ins, "mutation { delete_items_by_pk(id: 1) { affected_rows } }")) ==
        "Cannot query field \"delete_items_by_pk\" on type \"Mutation\".");
    CHECK_THAT(first_message(a.run_as(ins, "{ items { id } }")),
               Catch::Contains("Cannot read field"));
    // Upserts may not change existing rows; DO NOTHING is fine.
    auto r = a.run_as(ins,
                      "mutation { insert_items(objects: {name: \"i\", qty: 5}, on_conflict: "
                      "{constraint: [name], update_columns: [qty]}) { affected_rows } }");
    CHECK(r.at("data").is_null());
    CHECK(errors_of(r).size() == 1);
    CHECK(a.run_as(ins,
                   "mutation { insert_items(objects: [{name: \"i\", qty: 5}, {name: \"j\"}], "
                   "on_conflict: {constraint: [name], update_columns: []}) { affected_rows } }") ==
          j(R"({"data": {"insert_items": {"affected_rows": 1}}})"));
    CHECK(a.data("{ items { name qty } }") ==
          j(R"({"items": [{"name": "i", "qty": 1}, {"name": "j", "qty": 1}]})"));
}

TEST_CASE("read tokens and read-only links query but never mutate", "[graphql]") {
    api a(items_sql + std::string("INSERT INTO items (name) VALUES ('r');"));
    auto reader = a.token(token_access::read);
    CHECK(a.run_as(reader, "{ items { name } }") == j(R"({"data": {"items": [{"name": "r"}]}})"));
    CHECK(a.run_as(reader, "{ __schema { mutationType { name } } }") ==
          j(R"({"data": {"__schema": {"mutationType": null}}})"));
    auto r =
        a.run_as(reader, "mutation { insert_items(objects: {name: \"x\"}) { affected_rows } }");
    CHECK(r.at("data").is_null());
    CHECK(first_message(r) == "Schema is not configured to execute mutation operation.");

    auto ro = a.readonly_id();
    auto link = principal::readonly_link(ro);
    CHECK(j(a.send(link, ro, a.request("{ items { name } }")).body) ==
          j(R"({"data": {"items": [{"name": "r"}]}})"));
    CHECK(first_message(j(a.send(link, ro,
                                 a.request("mutation { delete_items(where: {}) "
                                           "{ affected_rows } }"))
                              .body)) == "Schema is not configured to execute mutation operation.");
    // The link names the read-only id, not the database id; strangers learn nothing.
    auto code_of = [&](const principal& who, const std::string& id) {
        try {
            a.send(who, id, a.request("{ __typename }"));
        } catch (const error& e) {
            return e.code();
        }
        return errc::internal;
    };
    CHECK(code_of(link, a.db) == errc::not_found);
    CHECK(code_of(a.user("stranger"), a.db) == errc::not_found);
    CHECK(code_of(principal::anonymous(), a.db) == errc::not_found);
    CHECK(a.data("{ items { name } }") == j(R"({"items": [{"name": "r"}]})"));
}

// ---- request options ----

TEST_CASE("the AirGQL-compatible introspection hides the additions, execution keeps them",
          "[graphql]") {
    api a(people_sql + std::string(music_sql));
    auto introspect = [&](introspection_view view, const std::string& query) {
        auto r = a.request(query);
        r.view = view;
        return j(a.send(a.owner, a.db, r).body);
    };
    auto names = [](const json::value& list) {
        std::vector<std::string> out;
        for (const auto& v : list.as_array()) out.emplace_back(v.at("name").as_string());
        return out;
    };
    const std::string filter_q = "{ __type(name: \"albums_filter\") { inputFields { name } } }";
    CHECK(names(introspect(introspection_view::airgql_compatible, filter_q)
                    .at("data")
                    .at("__type")
                    .at("inputFields")) ==
          std::vector<std::string>{"rowid", "id", "title", "artist_id", "year", "rating"});
    CHECK(names(introspect(introspection_view::full, filter_q)
                    .at("data")
                    .at("__type")
                    .at("inputFields")) ==
          std::vector<std::string>{"rowid", "id", "title", "artist_id", "year", "rating", "_and",
                                   "_or", "_not", "artist"});
    const std::string row_q = "{ __type(name: \"artists_row\") { fields { name } } }";
    CHECK(names(introspect(introspection_view::airgql_compatible, row_q)
                    .at("data")
                    .at("__type")
                    .at("fields")) == std::vector<std::string>{"rowid", "id", "name", "country"});
    CHECK(names(introspect(introspection_view::full, row_q).at("data").at("__type").at("fields")) ==
          std::vector<std::string>{"rowid", "id", "name", "country", "albums", "albums_aggregate"});
    const std::string enum_q = "{ __type(name: \"OrderingTerm\") { enumValues { name } } }";
    CHECK(names(introspect(introspection_view::airgql_compatible, enum_q)
                    .at("data")
                    .at("__type")
                    .at("enumValues")) == std::vector<std::string>{"ASC", "DESC"});
    CHECK(names(introspect(introspection_view::full, enum_q)
                    .at("data")
                    .at("__type")
                    .at("enumValues")) ==
          std::vector<std::string>{"ASC", "DESC", "asc_nulls_first", "asc_nulls_last",
                                   "desc_nulls_first", "desc_nulls_last"});
    const std::string agg_q = "{ __type(name: \"people_aggregate\") { name } }";
    CHECK(introspect(introspection_view::airgql_compatible, agg_q) ==
          j(R"({"data": {"__type": null}})"));
    CHECK(introspect(introspection_view::full, agg_q) ==
          j(R"({"data": {"__type": {"name": "people_aggregate"}}})"));
    auto query_fields = names(introspect(introspection_view::airgql_compatible,
                                         "{ __schema { queryType { fields { name } } } }")
                                  .at("data")
                                  .at("__schema")
                                  .at("queryType")
                                  .at("fields"));
    CHECK(query_fields == std::vector<std::string>{"people", "codes", "liked", "artists", "albums",
                                                   "people_by_pk", "codes_by_pk", "liked_by_pk",
                                                   "artists_by_pk", "albums_by_pk"});
    // Hidden or not, the additions execute.
    CHECK(introspect(introspection_view::airgql_compatible,
                     "{ people_aggregate(where: {_or: [{age: {_is_null: true}}]}) "
                     "{ aggregate { count } } }") ==
          j(R"({"data": {"people_aggregate": {"aggregate": {"count": 1}}}})"));
}

TEST_CASE("the current introspection leaves out AirGQL's deprecated aliases, execution keeps them",
          "[graphql][codegen]") {
    api a(people_sql + std::string(music_sql));
    auto introspect = [&](introspection_view view, const std::string& query) {
        auto r = a.request(query);
        r.view = view;
        return j(a.send(a.owner, a.db, r).body);
    };
    auto names = [](const json::value& list) {
        std::vector<std::string> out;
        for (const auto& v : list.as_array()) out.emplace_back(v.at("name").as_string());
        return out;
    };
    // Even when asked for deprecated items: `asc` and `ASC` would fold into one identifier.
    const std::string enum_q =
        "{ __type(name: \"OrderingTerm\") { enumValues(includeDeprecated: true) { name } } }";
    CHECK(names(introspect(introspection_view::current, enum_q)
                    .at("data")
                    .at("__type")
                    .at("enumValues")) ==
          std::vector<std::string>{"ASC", "DESC", "asc_nulls_first", "asc_nulls_last",
                                   "desc_nulls_first", "desc_nulls_last"});
    CHECK(names(introspect(introspection_view::full, enum_q)
                    .at("data")
                    .at("__type")
                    .at("enumValues")) ==
          std::vector<std::string>{"ASC", "asc", "DESC", "desc", "asc_nulls_first",
                                   "asc_nulls_last", "desc_nulls_first", "desc_nulls_last"});
    const std::string args_q =
        "{ __schema { queryType { fields(includeDeprecated: true) { name "
        "args(includeDeprecated: true) { name } } } } }";
    auto artists_args = [&](introspection_view view) {
        auto fields = introspect(view, args_q).at("data").at("__schema").at("queryType").at("fields");
        for (const auto& f : fields.as_array()) {
            if (f.at("name") == "artists") return names(f.at("args"));
        }
        return std::vector<std::string>{};
    };
    CHECK(artists_args(introspection_view::current) ==
          std::vector<std::string>{"where", "distinct_on", "order_by", "limit", "offset"});
    // distinct_on on root lists is current-only (the conformance suite pins these arguments).
    CHECK(artists_args(introspection_view::full) ==
          std::vector<std::string>{"where", "filter", "order_by", "limit", "offset"});
    const std::string comparison_q =
        "{ __type(name: \"IntComparison\") { inputFields(includeDeprecated: true) { name } } }";
    auto ops = names(
        introspect(introspection_view::current, comparison_q).at("data").at("__type").at("inputFields"));
    CHECK(std::find(ops.begin(), ops.end(), "_eq") != ops.end());
    CHECK(std::find(ops.begin(), ops.end(), "eq") == ops.end());
    // Hidden or not, the aliases execute.
    CHECK(introspect(introspection_view::current,
                     "{ artists(filter: {name: {eq: \"Cher\"}}, order_by: [{name: asc}]) { name } }") ==
          j(R"({"data": {"artists": [{"name": "Cher"}]}})"));
}

TEST_CASE("queries_only refuses mutations before running them", "[graphql]") {
    api a(items_sql);
    auto r = a.request("mutation { insert_items(objects: {name: \"x\"}) { affected_rows } }");
    r.queries_only = true;
    auto res = a.send(a.owner, a.db, r);
    CHECK(res.mutation_refused);
    CHECK(res.request_error);
    auto body = j(res.body);
    CHECK(body.at("data").is_null());
    CHECK_FALSE(first_message(body).empty());
    CHECK(a.data("{ items { id } }") == j(R"({"items": []})"));
    auto q = a.request("{ items { id } }");
    q.queries_only = true;
    auto ok = a.send(a.owner, a.db, q);
    CHECK_FALSE(ok.mutation_refused);
    CHECK_FALSE(ok.request_error);
    CHECK(j(ok.body) == j(R"({"data": {"items": []}})"));
}

TEST_CASE("request errors carry data: null unless asked to leave it out", "[graphql]") {
    api a(people_sql);
    for (const char* q : {"{ people { id }", "{ people { nope } }"}) {
        INFO(q);
        auto r = a.request(q);
        auto with = a.send(a.owner, a.db, r);
        CHECK(with.request_error);
        CHECK(j(with.body).at("data").is_null());
        CHECK(errors_of(j(with.body)).size() == 1);
        CHECK_FALSE(errors_of(j(with.body))[0].as_object().contains("path"));
        r.request_errors_without_data = true;
        auto without = a.send(a.owner, a.db, r);
        CHECK(without.request_error);
        CHECK_FALSE(j(without.body).as_object().contains("data"));
        CHECK(errors_of(j(without.body)).size() == 1);
    }
    auto syntax = j(a.send(a.owner, a.db, a.request("{ people { id }")).body);
    CHECK_THAT(first_message(syntax), Catch::StartsWith("Syntax Error"));
    CHECK(errors_of(syntax)[0].at("locations").as_array().size() == 1);
    // Field errors are no request errors: data stays.
    auto r = a.request("{ people(limit: -1) { id } }");
    r.request_errors_without_data = true;
    auto field_error = a.send(a.owner, a.db, r);
    CHECK_FALSE(field_error.request_error);
    CHECK(j(field_error.body).as_object().contains("data"));
}

TEST_CASE("variables are coerced strictly before execution", "[graphql]") {
    api a(people_sql);
    CHECK(ints(a.data("query ($n: Int!) { people(limit: $n) { id } }", {{"n", 2}}).at("people"),
               "id") == ids{1, 2});
    CHECK(ints(a.data("query ($n: Int = 1) { people(limit: $n) { id } }").at("people"), "id") ==
          ids{1});
    CHECK(ints(a.data("query ($s: Float) { people(where: {score: {_gt: $s}}) { id } }", {{"s", 2}})
                   .at("people"),
               "id") == ids{3});
    CHECK(ints(a.data("query ($a: [Int]) { people(where: {age: {_in: $a}}) { id } }", {{"a", 30}})
                   .at("people"),
               "id") == ids{1});
    CHECK(ints(a.data("query ($o: [people_order_by!]) { people(order_by: $o) { id } }",
                      {{"o", j(R"([{"age": "DESC"}])")}})
                   .at("people"),
               "id") == ids{3, 1, 4, 2});
    auto refused = [&](const std::string& q, json::object vars, const std::string& expected) {
        auto res = a.send(a.owner, a.db, a.request(q, std::move(vars)));
        INFO(q);
        CHECK(res.request_error);
        auto body = j(res.body);
        CHECK(body.at("data").is_null());
        CHECK(first_message(body) == expected);
    };
    refused(
        "query ($n: Int!) { people(limit: $n) { id } }", {{"n", "x"}},
        "Variable \"$n\" got invalid value \"x\"; Int cannot represent non-integer value: \"x\"");
    refused("query ($n: Int!) { people(limit: $n) { id } }", {},
            "Variable \"$n\" of required type \"Int!\" was not provided.");
    refused("query ($n: Int!) { people(limit: $n) { id } }", {{"n", nullptr}},
            "Variable \"$n\" of non-null type \"Int!\" must not be null.");
    refused("query ($n: Int) { people(limit: $n) { id } }", {{"n", 1.5}},
            "Variable \"$n\" got invalid value 1.5; Int cannot represent non-integer value: 1.5");
    auto res = a.send(a.owner, a.db,
                      a.request("query ($w: people_filter) { people(where: $w) { id } }",
                                {{"w", j(R"({"nope": {}})")}}));
    CHECK_THAT(first_message(j(res.body)),
               Catch::Contains("Field \"nope\" is not defined by type \"people_filter\"."));
    // As graphql-js words them: every problem, each with the value where it is and its path
    // (inspect's notation), an unknown field after the declared ones.
    res = a.send(a.owner, a.db,
                 a.request("query ($o: [people_order_by]) { people(order_by: $o) { id } }",
                           {{"o", j(R"([{"age": "ASC"}, {"agee": 1, "name": "x"}])")}}));
    auto errors = j(res.body).at("errors").as_array();
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].at("message") ==
          "Variable \"$o\" got invalid value \"x\" at \"o[1].name\"; Value \"x\" does not exist in "
          "\"OrderingTerm\" enum.");
    CHECK(errors[1].at("message") ==
          "Variable \"$o\" got invalid value { agee: 1, name: \"x\" } at \"o[1]\"; Field \"agee\" is "
          "not defined by type \"people_order_by\". Did you mean \"age\"?");
    res = a.send(a.owner, a.db,
                 a.request("query ($w: people_filter) { people(where: $w) { id } }",
                           {{"w", j(R"({"_or": [{"age": {"_in": [1, [2, [3, [4]]], {"a": {"b": {}}}]}}]})")}}));
    CHECK(first_message(j(res.body)) ==
          "Variable \"$w\" got invalid value [2, [3, [Array]]] at \"w._or[0].age._in[1]\"; Int cannot "
          "represent non-integer value: [2, [3, [Array]]]");
}

TEST_CASE("operations are chosen by name", "[graphql]") {
    api a(people_sql);
    const std::string two =
        "query A { people(limit: 1) { id } } query B { people(limit: 2) { id } }";
    auto r = a.request(two);
    r.operation_name = "B";
    CHECK(j(a.send(a.owner, a.db, r).body) == j(R"({"data": {"people": [{"id": 1}, {"id": 2}]}})"));
    CHECK(first_message(j(a.send(a.owner, a.db, a.request(two)).body)) ==
          "Must provide operation name if query contains multiple operations.");
    r.operation_name = "C";
    CHECK(first_message(j(a.send(a.owner, a.db, r).body)) == "Unknown operation named \"C\".");
}

TEST_CASE("fragments, aliases and directives shape the result", "[graphql]") {
    api a(people_sql);
    CHECK(
        a.data("query ($skip: Boolean!) { __typename p: people(limit: 1) { ...F ... on people_row "
               "{ e: email @include(if: $skip) } id @skip(if: $skip) } } "
               "fragment F on people_row { name n2: name }",
               {{"skip", true}}) ==
        j(R"({"__typename": "Query", "p": [{"name": "Ann", "n2": "Ann", "e": "ann@example.com"}]})"));
}

TEST_CASE("same-named fields merge and variables reach nested arguments", "[graphql]") {
    api a(music_sql);
    CHECK(a.data("query ($l: Int, $y: Int) { artists(limit: 1) { id } artists(limit: 1) { name "
                 "albums(limit: $l, where: {year: {_gt: $y}}) { title } } }",
                 {{"l", 1}, {"y", 1975}}) ==
          j(R"({"artists": [{"id": 1, "name": "Abba", "albums": [{"title": "Arrival"}]}]})"));
    CHECK(a.data(
              "query ($no: Boolean!) { albums(limit: 1) { title artist @skip(if: $no) { name } } }",
              {{"no", true}}) == j(R"({"albums": [{"title": "Arrival"}]})"));
}

TEST_CASE("rows with more columns than one json_object call takes come back whole", "[graphql]") {
    std::string columns, values, selection;
    json::object expected;
    for (int i = 0; i < 130; ++i) {
        auto name = "c" + std::to_string(i);
        columns += (i ? ", " : "") + name + " INTEGER";
        values += (i ? ", " : "") + std::to_string(i * 7);
        selection += " " + name;
        expected[name] = i * 7;
    }
    api a("CREATE TABLE wide (" + columns + "); INSERT INTO wide VALUES (" + values + ");");
    CHECK(a.data("{ wide {" + selection + " } }") == json::value{{"wide", json::array{expected}}});
    CHECK(a.data("mutation { update_wide(where: {c0: {_eq: 0}}, _set: {c129: 1}) { returning {" +
                 selection + " } } }")
              .at("update_wide")
              .at("returning")
              .at(0)
              .at("c129") == 1);
}

TEST_CASE("schema changes are visible to the very next request", "[graphql]") {
    api a(people_sql);
    CHECK(a.run("{ people { nick } }").at("data").is_null());
    a.sql("ALTER TABLE people ADD COLUMN nick TEXT; UPDATE people SET nick = 'A' WHERE id = 1;");
    CHECK(a.data("{ people_by_pk(id: 1) { nick } }") == j(R"({"people_by_pk": {"nick": "A"}})"));
    a.sql("CREATE TABLE later (x TEXT); INSERT INTO later VALUES ('new');");
    CHECK(a.data("{ later { x } }") == j(R"({"later": [{"x": "new"}]})"));
}

TEST_CASE("the default query selects the first table's columns", "[graphql]") {
    api a(people_sql);
    CHECK(default_query(a.eng, a.owner, a.db) ==
          "query peopleQuery {\n  people( limit: 100 ) {\n    rowid\n    id\n    name\n    email\n"
          "    age\n    score\n    active\n  }\n}\n");
    auto empty = create_database(a.eng, a.owner, {"empty", "ann", std::nullopt, std::nullopt}).id;
    CHECK(default_query(a.eng, a.owner, empty).empty());
    auto w = a.token(token_access::writeonly);
    CHECK_THROWS_AS(default_query(a.eng, w, a.db), error);
    api b("CREATE TABLE \"my table\" (\"a b\" TEXT);");
    CHECK(default_query(b.eng, b.owner, b.db) ==
          "query myXX0tableQuery {\n  myXX0table( limit: 100 ) {\n    rowid\n    aXX0b\n  }\n}\n");
}
