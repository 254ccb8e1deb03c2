// SPDX-License-Identifier: Apache-2.0
#include "graphql/validation.hpp"

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "catch.hpp"
#include "database/hosted_database.hpp"
#include "graphql/database_model.hpp"
#include "graphql/parser.hpp"
#include "graphql/schema_builder.hpp"
#include "sqlite/connection.hpp"
#include "temp_dir.hpp"

using namespace airsql;
using namespace airsql::graphql;

namespace {

constexpr const char* test_schema_sql =
    "CREATE TABLE \"users\" (\"name\" TEXT, \"email\" TEXT NOT NULL UNIQUE, "
    "\"created_utc\" TEXT NOT NULL, \"number_of_logins\" INTEGER, \"progress\" REAL, "
    "PRIMARY KEY(\"email\"));"
    "CREATE TABLE \"songs\" (\"name\" TEXT NOT NULL, \"duration_seconds\" INTEGER NOT NULL);"
    "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT NOT NULL, "
    "  artist_id INTEGER REFERENCES artists(id));";

std::shared_ptr<const schema> build(access_mode mode, const std::string& sql = test_schema_sql) {
    test::temp_dir dir;
    auto file = dir.path() / "main.sqlite";
    {
        sqlite::connection create(file, sqlite::connection::mode::read_write_create);
        create.exec(sql);
    }
    options opts;
    auto conn = database::open_hosted_connection(file, opts, false);
    return build_schema(std::make_shared<database_model>(read_database_model(*conn)), mode);
}

const schema& read_write() {
    static auto s = build(access_mode::read_write);
    return *s;
}

const schema& read_only() {
    static auto s = build(access_mode::read_only);
    return *s;
}

std::vector<error_entry> errors_of(std::string_view source, const schema& s = read_write(),
                                   std::size_t max_depth = 30) {
    auto doc = parse(source);
    return validate(s, doc, max_depth);
}

/// The messages of validating `source`.
std::vector<std::string> messages(std::string_view source, const schema& s = read_write(),
                                  std::size_t max_depth = 30) {
    std::vector<std::string> out;
    for (const auto& e : errors_of(source, s, max_depth)) out.push_back(e.message);
    return out;
}

/// The only message of validating `source` (fails when there is not exactly one).
std::string message(std::string_view source, const schema& s = read_write()) {
    auto all = messages(source, s);
    INFO(source);
    for (const auto& m : all) UNSCOPED_INFO(m);
    REQUIRE(all.size() == 1);
    return all.front();
}

bool valid(std::string_view source, const schema& s = read_write()) {
    auto all = messages(source, s);
    for (const auto& m : all) UNSCOPED_INFO(m);
    return all.empty();
}

std::string at(const location& l) {
    return std::to_string(l.line) + ":" + std::to_string(l.column);
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("valid documents pass", "[graphql]") {
    CHECK(valid("{ users { name email } songs { rowid name } }"));
    CHECK(valid("query Q($e: String!) { users_by_pk(email: $e) { name } }"));
    CHECK(valid("{ __typename __schema { types { name } } __type(name: \"users_row\") { name } }"));
    CHECK(valid(
        "{ users(where: {name: {_eq: \"a\"}, _or: [{email: {_like: \"%x\"}}]}, "
        "order_by: [{name: ASC}, {email: desc_nulls_last}], limit: 1, offset: 0) { name } }"));
    CHECK(
        valid("mutation { insert_songs(objects: {name: \"x\", duration_seconds: 1}) { "
              "affected_rows returning { rowid } } }"));
    CHECK(
        valid("{ artists { ...A } } fragment A on artists_row { name albums { ... on albums_row { "
              "title } } }"));
    CHECK(valid("{ users { name @skip(if: true) email @include(if: false) } }"));
    CHECK(valid("{ users { name } users { name } }"));
}

// ---- names ----

TEST_CASE("unknown fields are reported with graphql-js wording and their location", "[graphql]") {
    auto e = errors_of("{\n  users {\n    nope\n  }\n  missing\n}");
    REQUIRE(e.size() == 2);
    CHECK(e[0].message == "Cannot query field \"nope\" on type \"users_row\". Did you mean \"name\"?");
    REQUIRE(e[0].locations.size() == 1);
    CHECK(at(e[0].locations[0]) == "3:5");
    CHECK(e[0].path.empty());
    CHECK(e[1].message == "Cannot query field \"missing\" on type \"Query\".");
    CHECK(at(e[1].locations.at(0)) == "5:3");
    // __schema and __type are fields of Query only.
    CHECK(message("{ users { __schema { description } } }") ==
          "Cannot query field \"__schema\" on type \"users_row\".");
    // Variables and fragments under an unknown field count as used (as graphql-js has it):
    // the unknown field is the one error. An undefined one is still reported.
    e = errors_of("query ($o: Int, $p: String) { users { nope(x: $o, y: {z: [$p]}) { ...F } } } "
                  "fragment F on users_row { name }");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message == "Cannot query field \"nope\" on type \"users_row\". Did you mean \"name\"?");
    e = errors_of("{ users { nope(x: $undefined) } }");
    REQUIRE(e.size() == 2);
    CHECK(e[1].message == "Variable \"$undefined\" is not defined.");
}

TEST_CASE("unknown arguments, types, fragments and directives are reported", "[graphql]") {
    CHECK(message("{ users(bogus: 1) { name } }") ==
          "Unknown argument \"bogus\" on field \"Query.users\".");
    CHECK(message("{ users { name @skip(if: true, unless: false) } }") ==
          "Unknown argument \"unless\" on directive \"@skip\".");
    CHECK(message("{ users { ...Missing } }") == "Unknown fragment \"Missing\".");
    CHECK(message("{ users { ...F } } fragment F on Nope { name }") == "Unknown type \"Nope\".");
    CHECK(message("{ users { ... on Nope { name } } }") == "Unknown type \"Nope\".");
    CHECK(message("query Q($v: Nope) { users(limit: $v) { name } }") == "Unknown type \"Nope\".");
    CHECK(message("{ users { name @nope } }") == "Unknown directive \"@nope\".");
}

TEST_CASE("directives must be used where they are allowed, once", "[graphql]") {
    CHECK(message("query Q @skip(if: true) { users { name } }") ==
          "Directive \"@skip\" may not be used on QUERY.");
    CHECK(message("{ users { name @skip(if: true) @skip(if: false) } }") ==
          "The directive \"@skip\" can only be used once at this location.");
    CHECK(message("{ users { name @include } }") ==
          "Directive \"@include\" argument \"if\" of type \"Boolean!\" is required, but it was "
          "not provided.");
}

// ---- selections ----

TEST_CASE("leaf fields take no selection and composite fields need one", "[graphql]") {
    CHECK(message("{ users }") ==
          "Field \"users\" of type \"[users_row!]!\" must have a selection of subfields. Did you "
          "mean \"users { ... }\"?");
    CHECK(message("{ users_by_pk(email: \"a\") }") ==
          "Field \"users_by_pk\" of type \"users_row\" must have a selection of subfields. Did you "
          "mean \"users_by_pk { ... }\"?");
    CHECK(message("{ users { name { length } } }") ==
          "Field \"name\" must not have a selection since type \"String\" has no subfields.");
    CHECK(message("{ __typename { x } }") ==
          "Field \"__typename\" must not have a selection since type \"String!\" has no "
          "subfields.");
}

TEST_CASE("required arguments must be given", "[graphql]") {
    CHECK(message("{ users_by_pk { name } }") ==
          "Field \"users_by_pk\" argument \"email\" of type \"String!\" is required, but it was "
          "not provided.");
    CHECK(message("mutation { insert_songs { affected_rows } }") ==
          "Field \"insert_songs\" argument \"objects\" of type \"[songs_insert_input!]!\" is "
          "required, but it was not provided.");
    CHECK(message("{ __type { name } }") ==
          "Field \"__type\" argument \"name\" of type \"String!\" is required, but it was not "
          "provided.");
    CHECK(message("{ users(limit: 1, limit: 2) { name } }") ==
          "There can be only one argument named \"limit\".");
}

// ---- literals ----

TEST_CASE("Int literals carry 64 bits and nothing else", "[graphql]") {
    CHECK(valid("{ users(limit: 2147483648) { name } }"));
    CHECK(valid("{ songs_by_pk(rowid: 9223372036854775807) { name } }"));
    CHECK(valid("{ songs_by_pk(rowid: -9223372036854775808) { name } }"));
    CHECK(message("{ songs_by_pk(rowid: 9223372036854775808) { name } }") ==
          "Int cannot represent non 64-bit signed integer value: 9223372036854775808");
    CHECK(message("{ users(limit: \"5\") { name } }") ==
          "Int cannot represent non-integer value: \"5\"");
    CHECK(message("{ users(limit: 1.5) { name } }") ==
          "Int cannot represent non-integer value: 1.5");
    CHECK(message("{ users(limit: true) { name } }") ==
          "Int cannot represent non-integer value: true");
}

TEST_CASE("Float, String and Boolean literals are checked", "[graphql]") {
    CHECK(valid("{ users(where: {progress: {_gt: 1}}) { name } }"));  // Int literal for Float
    CHECK(valid("{ users(where: {progress: {_gt: 1.5e3}}) { name } }"));
    CHECK(message("{ users(where: {progress: {_gt: \"1\"}}) { name } }") ==
          "Float cannot represent non numeric value: \"1\"");
    CHECK(message("{ users_by_pk(email: 5) { name } }") ==
          "String cannot represent a non string value: 5");
    CHECK(message("{ users_by_pk(email: ENUM) { name } }") ==
          "String cannot represent a non string value: ENUM");
    CHECK(message("{ users { name @skip(if: 1) } }") ==
          "Boolean cannot represent a non boolean value: 1");
    CHECK(message("{ users_by_pk(email: null) { name } }") ==
          "Expected value of type \"String!\", found null.");
}

TEST_CASE("enum literals must be enum values of the type", "[graphql]") {
    CHECK(valid("{ users(order_by: {name: desc}) { name } }"));  // deprecated, still accepted
    CHECK_THAT(
        message("{ users(order_by: {name: \"ASC\"}) { name } }"),
        Catch::StartsWith("Enum \"OrderingTerm\" cannot represent non-enum value: \"ASC\"."));
    CHECK(message("{ users(order_by: {name: UP}) { name } }") ==
          "Value \"UP\" does not exist in \"OrderingTerm\" enum.");
    CHECK(message("{ users_aggregate { aggregate { count(columns: [nope]) } } }") ==
          "Value \"nope\" does not exist in \"users_column\" enum. Did you mean the enum value "
          "\"name\"?");
}

TEST_CASE("input objects refuse unknown fields and need their required fields", "[graphql]") {
    CHECK_THAT(message("{ users(where: {nope: {_eq: 1}}) { name } }"),
               Catch::StartsWith("Field \"nope\" is not defined by type \"users_filter\"."));
    CHECK_THAT(message("{ users(where: {name: {_equals: \"a\"}}) { name } }"),
               Catch::StartsWith("Field \"_equals\" is not defined by type \"StringComparison\"."));
    CHECK(message("mutation { insert_songs(objects: [{name: \"x\"}]) { affected_rows } }") ==
          "Field \"songs_insert_input.duration_seconds\" of required type \"Int!\" was not "
          "provided.");
    CHECK(message("{ users(where: 5) { name } }") ==
          "Expected value of type \"users_filter\", found 5.");
    CHECK(message("{ users(where: {name: {_eq: \"a\", _eq: \"b\"}}) { name } }") ==
          "There can be only one input field named \"_eq\".");
    // Lists: a single value is a one-item list; every item is checked.
    CHECK(valid("{ users(where: {number_of_logins: {_in: 1}}) { name } }"));
    CHECK(message("{ users(where: {number_of_logins: {_in: [1, \"x\"]}}) { name } }") ==
          "Int cannot represent non-integer value: \"x\"");
    CHECK(message("mutation { insert_songs(objects: [null]) { affected_rows } }") ==
          "Expected value of type \"songs_insert_input!\", found null.");
}

// ---- variables ----

TEST_CASE("variables must be defined, used and of input types", "[graphql]") {
    CHECK(message("query Q { users(limit: $n) { name } }") ==
          "Variable \"$n\" is not defined by operation \"Q\".");
    CHECK(message("{ users(limit: $n) { name } }") == "Variable \"$n\" is not defined.");
    CHECK(message("query Q($n: Int) { users { name } }") ==
          "Variable \"$n\" is never used in operation \"Q\".");
    CHECK(message("query ($n: Int) { users { name } }") == "Variable \"$n\" is never used.");
    CHECK(messages("query Q($r: users_row) { users { name } }") ==
          strings{"Variable \"$r\" cannot be non-input type \"users_row\".",
                  "Variable \"$r\" is never used in operation \"Q\"."});
    CHECK(message("query Q($n: Int, $n: Int) { users(limit: $n) { name } }") ==
          "There can be only one variable named \"$n\".");
    // Variables used in fragments count for every operation that spreads them.
    CHECK(message("query Q($b: Boolean!) { users { ...F } } query R { users { ...F } } "
                  "fragment F on users_row { name @skip(if: $b) }") ==
          "Variable \"$b\" is not defined by operation \"R\".");
    CHECK(
        valid("query Q($b: Boolean!) { users { ...F } } fragment F on users_row { name "
              "@skip(if: $b) }"));
    CHECK(message("query Q { users { ...F } } fragment F on users_row { name @skip(if: $b) }") ==
          "Variable \"$b\" is not defined by operation \"Q\".");
    // A default value of the wrong type.
    CHECK(message("query Q($n: Int = \"x\") { users(limit: $n) { name } }") ==
          "Int cannot represent non-integer value: \"x\"");
}

TEST_CASE("variables must fit the positions they are used in", "[graphql]") {
    CHECK(message("query Q($e: String) { users_by_pk(email: $e) { name } }") ==
          "Variable \"$e\" of type \"String\" used in position expecting type \"String!\".");
    CHECK(valid("query Q($e: String = \"a\") { users_by_pk(email: $e) { name } }"));
    CHECK(valid("query Q($n: Int!) { users(limit: $n) { name } }"));
    CHECK(message("query Q($n: Float) { users(limit: $n) { name } }") ==
          "Variable \"$n\" of type \"Float\" used in position expecting type \"Int\".");
    CHECK(message("query Q($n: [Int]) { users(limit: $n) { name } }") ==
          "Variable \"$n\" of type \"[Int]\" used in position expecting type \"Int\".");
    CHECK(message("query Q($n: Int) { users(where: {number_of_logins: {_in: $n}}) { name } }") ==
          "Variable \"$n\" of type \"Int\" used in position expecting type \"[Int]\".");
    CHECK(valid("query Q($n: [Int!]!) { users(where: {number_of_logins: {_in: $n}}) { name } }"));
    CHECK(valid("query Q($w: users_filter) { users(where: $w) { name } }"));
    CHECK(message("query Q($w: songs_filter) { users(where: $w) { name } }") ==
          "Variable \"$w\" of type \"songs_filter\" used in position expecting type "
          "\"users_filter\".");
    // Inside an input object literal, nested.
    CHECK(message("query Q($s: String) { users(where: {_and: [{name: {_gt: $s}}, "
                  "{progress: {_gt: $s}}]}) { name } }") ==
          "Variable \"$s\" of type \"String\" used in position expecting type \"Float\".");
}

// ---- fragments ----

TEST_CASE("fragments may not spread themselves, must be used and must fit", "[graphql]") {
    CHECK(message("{ users { ...A } } fragment A on users_row { name ...A }") ==
          "Cannot spread fragment \"A\" within itself.");
    CHECK(message("{ users { ...A } } fragment A on users_row { name ...B } "
                  "fragment B on users_row { email ...A }") ==
          "Cannot spread fragment \"A\" within itself via \"B\".");
    CHECK(message("{ users { name } } fragment F on users_row { name }") ==
          "Fragment \"F\" is never used.");
    CHECK(message("{ users { ...F } } fragment F on songs_row { name }") ==
          "Fragment \"F\" cannot be spread here as objects of type \"users_row\" can never be of "
          "type \"songs_row\".");
    CHECK(message("{ users { ... on songs_row { name } } }") ==
          "Fragment cannot be spread here as objects of type \"users_row\" can never be of type "
          "\"songs_row\".");
    CHECK(message("{ users { ...F } } fragment F on String { length }") ==
          "Fragment \"F\" cannot condition on non composite type \"String\".");
    CHECK(message("{ users { ...F } } fragment F on users_row { name } "
                  "fragment F on users_row { email }") ==
          "There can be only one fragment named \"F\".");
}

// ---- operations ----

TEST_CASE("operation names are unique and an anonymous operation stands alone", "[graphql]") {
    auto e = errors_of("query Q { users { name } }\nquery Q { songs { name } }");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message == "There can be only one operation named \"Q\".");
    REQUIRE(e[0].locations.size() == 2);
    CHECK(at(e[0].locations[0]) == "1:7");  // the names, as graphql-js
    CHECK(at(e[0].locations[1]) == "2:7");
    CHECK(message("{ users { name } } query Q { songs { name } }") ==
          "This anonymous operation must be the only defined operation.");
    CHECK(valid("query A { users { name } } query B { songs { name } }"));
}

TEST_CASE("mutations need a Mutation type, subscriptions read access and one root field", "[graphql]") {
    CHECK(message("mutation { insert_songs(objects: []) { affected_rows } }", read_only()) ==
          "Schema is not configured to execute mutation operation.");
    CHECK(valid("{ users { name } }", read_only()));
    CHECK(valid("subscription { users { name } }", read_only()));
    static auto write_only = build(access_mode::write_only);
    CHECK(message("subscription { users { name } }", *write_only) ==
          "Schema is not configured to execute subscription operation.");
    CHECK(message("subscription S { users { name } songs { name } }") ==
          "Subscription \"S\" must select only one top level field.");
    CHECK(message("subscription { ...F } fragment F on Subscription { a: users { name } b: users { name } }") ==
          "Anonymous Subscription must select only one top level field.");
    CHECK(message("subscription { __typename }") ==
          "Anonymous Subscription must not select an introspection top level field.");
    // The root field may not come and go with a variable: on the field, an inline fragment
    // or a spread; deeper down the directives stay allowed.
    CHECK(message("subscription S($x: Boolean!) { users @skip(if: $x) { name } }") ==
          "Subscription \"S\" must not use `@skip` or `@include` directives in the top level "
          "selection.");
    CHECK(message("subscription ($x: Boolean!) { ... @include(if: $x) { users { name } } }") ==
          "Anonymous Subscription must not use `@skip` or `@include` directives in the top level "
          "selection.");
    CHECK(message("subscription { ...F @include(if: true) } fragment F on Subscription { users { name } }") ==
          "Anonymous Subscription must not use `@skip` or `@include` directives in the top level "
          "selection.");
    CHECK(valid("subscription ($x: Boolean!) { users { name @skip(if: $x) } }"));
}

// ---- field merging ----

TEST_CASE("fields with one response name must be the same field with the same arguments",
          "[graphql]") {
    CHECK(message("{ a: users { name } a: songs { name } }") ==
          "Fields \"a\" conflict because \"users\" and \"songs\" are different fields. Use "
          "different aliases on the fields to fetch both if this was intentional.");
    CHECK(message("{ users(limit: 1) { name } users(limit: 2) { name } }") ==
          "Fields \"users\" conflict because they have differing arguments. Use different "
          "aliases on the fields to fetch both if this was intentional.");
    CHECK(message("{ users { name ...F } } fragment F on users_row { name: email }") ==
          "Fields \"name\" conflict because \"name\" and \"email\" are different fields. Use "
          "different aliases on the fields to fetch both if this was intentional.");
    CHECK(valid("{ users(limit: 1) { name } users(limit: 1) { email } }"));
    // An input object's field order does not make it another value (graphql-js 16.9), at any
    // depth; list order does.
    CHECK(valid("{ users(where: {name: {_eq: \"x\"}, email: {_eq: \"y\"}}) { name } "
                "users(where: {email: {_eq: \"y\"}, name: {_eq: \"x\"}}) { email } }"));
    CHECK(valid("{ users(where: {_and: [{name: {_eq: \"x\", _neq: \"z\"}}]}) { name } "
                "users(where: {_and: [{name: {_neq: \"z\", _eq: \"x\"}}]}) { email } }"));
    CHECK_THAT(message("{ users(where: {_or: [{name: {_eq: \"x\"}}, {email: {_eq: \"y\"}}]}) { name } "
                       "users(where: {_or: [{email: {_eq: \"y\"}}, {name: {_eq: \"x\"}}]}) { email } }"),
               Catch::Contains("differing arguments"));
}

TEST_CASE("fields with one response name must merge their sub-selections too", "[graphql]") {
    // Spec 5.3.2: the sub-selections of same-named fields are merged, so their own fields must
    // not conflict either (graphql-js: "…conflict because subfields "x" conflict because…").
    auto all = messages("{ users { x: name } users { x: email } }");
    REQUIRE(all.size() == 1);
    CHECK_THAT(all[0], Catch::StartsWith("Fields \"users\" conflict because subfields \"x\" "
                                         "conflict because \"name\" and \"email\" are different "
                                         "fields."));
}

// ---- depth ----

TEST_CASE("selections nested deeper than the limit are refused", "[graphql]") {
    const std::string deep = "{ artists { albums { artist { albums { title } } } } }";
    CHECK(messages(deep, read_write(), 5).empty());
    auto e = errors_of(deep, read_write(), 4);
    REQUIRE(e.size() == 1);
    CHECK_THAT(e[0].message, Catch::Contains("5 levels deep") && Catch::Contains("maximum is 4"));
    // Fragments count where they are spread.
    auto via_fragment = messages(
        "{ artists { ...A } } fragment A on artists_row { albums { artist { albums { title } } } }",
        read_write(), 4);
    REQUIRE(via_fragment.size() == 1);
    CHECK_THAT(via_fragment[0], Catch::Contains("maximum is 4"));
}

// ---- cost ----

namespace {

// F0 spreads F1 twice, F1 spreads F2 twice, …: 2^levels fields after expansion.
std::string doubling_fragments(std::size_t levels) {
    std::string q = "{ users { ...F0 } }";
    for (std::size_t i = 0; i < levels; ++i) {
        auto next = "F" + std::to_string(i + 1);
        q += " fragment F" + std::to_string(i) + " on users_row { ..." + next + " ..." + next + " }";
    }
    return q + " fragment F" + std::to_string(levels) + " on users_row { name }";
}

std::vector<std::string> messages_with(std::string_view source, const validation_limits& limits) {
    std::vector<std::string> out;
    for (const auto& e : validate(read_write(), parse(source), limits)) out.push_back(e.message);
    return out;
}

}  // namespace

TEST_CASE("fragments spread twice per level are costed once each, not expanded", "[graphql]") {
    // The old validator expanded these for the depth and merging rules: 27 levels took 41 s
    // of CPU, 40 levels would take a day. Now each fragment's cost is computed once.
    CHECK(messages(doubling_fragments(27)) ==
          std::vector<std::string>{
              "The document has 134217729 fields after fragment expansion; the limit is 10000."});
    CHECK(messages(doubling_fragments(40)) ==
          std::vector<std::string>{
              "The document has 1099511627777 fields after fragment expansion; the limit is 10000."});
    CHECK(messages(doubling_fragments(200)) ==
          std::vector<std::string>{
              "The document has too many fields after fragment expansion; the limit is 10000."});
    CHECK(valid(doubling_fragments(12)));  // 4097 fields
}

TEST_CASE("the node limit counts fields after fragment expansion", "[graphql]") {
    validation_limits limits;
    limits.max_nodes = 7;
    // users, name, email + songs, name, duration + __typename = 7.
    CHECK(messages_with("{ users { name email } songs { ...S } } "
                        "fragment S on songs_row { name duration_seconds __typename }",
                        limits)
              .empty());
    limits.max_nodes = 6;
    CHECK(messages_with("{ users { name email } songs { ...S } } "
                        "fragment S on songs_row { name duration_seconds __typename }",
                        limits) ==
          std::vector<std::string>{"The document has 7 fields after fragment expansion; the limit is 6."});
    // Every operation of the document counts.
    limits.max_nodes = 3;
    CHECK(messages_with("query A { users { name } } query B { songs { name } }", limits) ==
          std::vector<std::string>{"The document has 4 fields after fragment expansion; the limit is 3."});
}

TEST_CASE("the alias limit counts aliased fields written in the document", "[graphql]") {
    validation_limits limits;
    limits.max_aliases = 2;
    CHECK(messages_with("{ a: users { n: name } b: users { name } }", limits) ==
          std::vector<std::string>{"The document has 3 aliased fields; the limit is 2."});
    CHECK(messages_with("{ a: users { name } b: users { name } }", limits).empty());
}

TEST_CASE("deep chains of fragments are measured without re-expanding them", "[graphql]") {
    // Each level nests two relationship fields through the same fragment: 2^n paths, one
    // fragment each; the depth is found from each fragment's own depth.
    std::string q = "{ artists { ...A0 } }";
    for (int i = 0; i < 30; ++i) {
        auto next = "B" + std::to_string(i);
        q += " fragment A" + std::to_string(i) + " on artists_row { albums { ..." + next + " } x: albums { ..." + next +
             " } }";
        q += " fragment " + next + " on albums_row { artist { ...A" + std::to_string(i + 1) + " } }";
    }
    q += " fragment A30 on artists_row { name }";
    auto all = messages(q);
    REQUIRE(all.size() == 1);
    CHECK_THAT(all[0], Catch::Contains("fields after fragment expansion"));
    validation_limits limits;
    limits.max_nodes = std::numeric_limits<std::size_t>::max();
    auto deep = messages_with(q, limits);
    REQUIRE(deep.size() == 1);
    CHECK(deep[0] == "The operation nests selections 62 levels deep; the maximum is 30.");
}

TEST_CASE("a conflict inside a fragment is reported once however often it is spread", "[graphql]") {
    auto all = messages("{ a: users { ...F } b: users { ...F } c: users { ...F } } "
                        "fragment F on users_row { x: name x: email }");
    REQUIRE(all.size() == 1);
    CHECK_THAT(all[0], Catch::StartsWith("Fields \"x\" conflict because \"name\" and \"email\" are different fields."));
    // Same-named fields whose fragments disagree deep down are still caught.
    auto nested = messages("{ users { ...G } users { ...H } } fragment G on users_row { x: name } "
                           "fragment H on users_row { x: email }");
    REQUIRE(nested.size() == 1);
    CHECK_THAT(nested[0], Catch::StartsWith("Fields \"users\" conflict because subfields \"x\" conflict because"));
}

TEST_CASE("introspection nests at most two lists of fields, interfaces, possibleTypes, inputFields",
          "[graphql]") {
    // graphql-js 16.9's MaxIntrospectionDepthRule: each level multiplies the answer by the
    // schema's size.
    CHECK(valid("{ __schema { types { name fields { name type { name ofType { name ofType { name } } } } "
                "inputFields { name } interfaces { name } possibleTypes { name } } } }"));
    CHECK(valid("{ __type(name: \"Query\") { fields { type { fields { name } } } } }"));
    CHECK(message("{ __type(name: \"Query\") { fields { type { fields { type { fields { name } } } } } } }") ==
          "Maximum introspection depth exceeded");
    CHECK(message("{ __schema { types { ...T } } } fragment T on __Type { inputFields { type { "
                  "...U } } } fragment U on __Type { interfaces { possibleTypes { name } } }") ==
          "Maximum introspection depth exceeded");
}

TEST_CASE("unknown names get graphql-js's suggestions", "[graphql]") {
    // Close: an edit distance of at most 40% of the name's length plus one (a change of case
    // is one edit, a swap of neighbours too); closest first, at most five.
    CHECK(message("{ users { nmae } }") ==
          "Cannot query field \"nmae\" on type \"users_row\". Did you mean \"name\"?");
    CHECK(message("{ users { xyz } }") == "Cannot query field \"xyz\" on type \"users_row\".");
    CHECK(message("{ users(limt: 1) { name } }") ==
          "Unknown argument \"limt\" on field \"Query.users\". Did you mean \"limit\"?");
    CHECK(message("{ users(order_by: {name: asc_nulls_frist}) { name } }") ==
          "Value \"asc_nulls_frist\" does not exist in \"OrderingTerm\" enum. Did you mean the "
          "enum value \"asc_nulls_first\", \"asc_nulls_last\", \"desc_nulls_first\", or "
          "\"desc_nulls_last\"?");
    CHECK(message("{ users(where: {nme: {_eq: \"x\"}}) { name } }") ==
          "Field \"nme\" is not defined by type \"users_filter\". Did you mean \"name\"?");
    CHECK(message("query ($w: user_filter) { users(where: $w) { name } }") ==
          "Unknown type \"user_filter\". Did you mean \"users_filter\" or \"songs_filter\"?");
    // Deprecated aliases are not suggested: not "asc".
    CHECK(message("{ users(order_by: {name: Asc}) { name } }") ==
          "Value \"Asc\" does not exist in \"OrderingTerm\" enum. Did you mean the enum value "
          "\"ASC\" or \"DESC\"?");
}

TEST_CASE("suggestions stop at a budget of names compared per document", "[graphql][limits]") {
    // Each unknown type is compared with every type of the schema: 400 tables give about
    // 10,000 types, so a document naming thousands of unknown types would compare tens of
    // millions of names. Past 50,000 compared, the messages come without suggestions.
    std::string sql;
    for (int i = 0; i < 400; ++i) sql += "CREATE TABLE t" + std::to_string(i) + " (x TEXT);";
    auto big = build(access_mode::read_write, sql);
    std::string doc = "query (";
    for (int i = 0; i < 40; ++i) doc += "$v" + std::to_string(i) + ": t1_filtr ";
    doc += ") { __typename }";
    std::vector<std::string> unknown;
    for (const auto& m : messages(doc, *big)) {
        if (m.starts_with("Unknown type")) unknown.push_back(m);
    }
    REQUIRE(unknown.size() == 40);
    std::size_t suggested = 0;
    for (const auto& m : unknown) suggested += m.find("Did you mean \"t1_filter\"") != std::string::npos;
    CHECK(suggested >= 1);
    CHECK(suggested < 10);
    CHECK(unknown.back() == "Unknown type \"t1_filtr\".");
}

TEST_CASE("values name the type of their place, and unknown names' variables count as used",
          "[graphql]") {
    // graphql-js names the position's whole type: a single value in a list place, non-null.
    CHECK(message("{ users(order_by: 1) { name } }") ==
          "Expected value of type \"[users_order_by]\", found 1.");
    CHECK(message("mutation { insert_users(objects: 1) { affected_rows } }") ==
          "Expected value of type \"[users_insert_input!]!\", found 1.");
    CHECK(message("{ users(where: 1) { name } }") == "Expected value of type \"users_filter\", found 1.");
    // Only the unknown name is reported, not also "Variable "$l" is never used".
    CHECK(messages("query Q($l: Int) { users(limt: $l) { name } }") ==
          std::vector<std::string>{
              "Unknown argument \"limt\" on field \"Query.users\". Did you mean \"limit\"?"});
    CHECK(messages("query Q($x: String) { users(where: {nme: {_eq: $x}}) { name } }") ==
          std::vector<std::string>{
              "Field \"nme\" is not defined by type \"users_filter\". Did you mean \"name\"?"});
}

TEST_CASE("errors point where graphql-js points", "[graphql]") {
    auto where = [](std::string_view doc) {
        std::vector<std::string> out;
        for (const auto& e : errors_of(doc)) {
            std::string locs;
            for (const auto& l : e.locations) locs += (locs.empty() ? "" : " ") + at(l);
            out.push_back(locs);
        }
        return out;
    };
    using v = std::vector<std::string>;
    // Names, not the keyword or the `...` before them.
    CHECK(where("query Q { ...F }") == v{"1:14"});
    CHECK(where("{ users { ... on Nope { name } } }") == v{"1:18"});
    CHECK(where("{ ...F } fragment F on Int { __typename }") == v{"1:24"});
    CHECK(where("query ($a: Int, $a: Int) { users(limit: $a) { name } }") == v{"1:9 1:18"});
    CHECK(where("{ users { ...F } } fragment F on users_row { name } fragment F on users_row { name }") ==
          v{"1:29 1:62"});
    // A leaf's selection: its braces.
    CHECK(where("{ users { name { x } } }") == v{"1:16"});
    // Repeated names: every occurrence (arguments), or the first and the repeat.
    CHECK(where("{ users(limit: 1, limit: 2, limit: 3) { name } }") == v{"1:9 1:19 1:29"});
    CHECK(where("{ users(where: {name: {_eq: \"a\"}, name: {_eq: \"b\"}}) { name } }") == v{"1:17 1:35"});
    CHECK(where("{ __typename @skip(if: true) @skip(if: false) }") == v{"1:14 1:30"});
}
