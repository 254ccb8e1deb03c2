// SPDX-License-Identifier: Apache-2.0
// Stored values against the GraphQL scalars of their columns (sqlite/value_checks.hpp): SQLite
// keeps whatever storage class a value arrived with in most columns, so a field either gets a
// value of its type or a field error naming the value's type and the column.
#include <boost/json/parse.hpp>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;

namespace {

struct checks : test::engine_fixture {
    principal ann = user("ann");
    std::string db = database(ann, "ann",
        "CREATE TABLE v (id INTEGER PRIMARY KEY, i INTEGER, f REAL, b BOOLEAN, s TEXT);"
        "CREATE TABLE p (email TEXT PRIMARY KEY, n INTEGER);");

    std::string raw(const std::string& sql, const std::string& fields) {
        run_sql(eng, ann, db, {"DELETE FROM v; " + sql});
        graphql_request r;
        r.query = "{ v(order_by: [{id: ASC}]) { " + fields + " } }";
        return execute_graphql(eng, ann, db, r).body;
    }
    boost::json::value query(const std::string& sql, const std::string& fields) {
        return boost::json::parse(raw(sql, fields));
    }
};

std::string first_error(const boost::json::value& body) {
    return std::string(body.at("errors").at(0).at("message").as_string());
}

}  // namespace

TEST_CASE("stored values of the right class come back as their GraphQL scalar", "[graphql][values]") {
    checks fx;
    auto body = fx.raw(
        "INSERT INTO v VALUES (1, 7, 2.5, 1, 'x'), (2, 8.0, 3, 0, 12), "
        "(3, NULL, NULL, 2.5, 1.5), (4, -9223372036854775808, -0.5, 0.0, NULL);",
        "id i f b s");
    CHECK(body ==
          R"({"data":{"v":[{"id":1,"i":7,"f":2.5,"b":true,"s":"x"},)"
          R"({"id":2,"i":8,"f":3.0,"b":false,"s":"12"},)"
          R"({"id":3,"i":null,"f":null,"b":true,"s":"1.5"},)"
          R"({"id":4,"i":-9223372036854775808,"f":-0.5,"b":false,"s":null}]}})");
}

TEST_CASE("stored values of the wrong class become field errors naming the type and column", "[graphql][values]") {
    checks fx;
    CHECK(first_error(fx.query("INSERT INTO v (id, i) VALUES (1, 'abc');", "i")) ==
          "the text value of column \"i\" cannot be represented as Int");
    CHECK(first_error(fx.query("INSERT INTO v (id, i) VALUES (1, 2.5);", "i")) ==
          "the real value of column \"i\" cannot be represented as Int");
    CHECK(first_error(fx.query("INSERT INTO v (id, i) VALUES (1, 1e30);", "i")) ==
          "the real value of column \"i\" cannot be represented as Int");
    CHECK(first_error(fx.query("INSERT INTO v (id, f) VALUES (1, 'abc');", "f")) ==
          "the text value of column \"f\" cannot be represented as Float");
    CHECK(first_error(fx.query("INSERT INTO v (id, b) VALUES (1, 'yes');", "b")) ==
          "the text value of column \"b\" cannot be represented as Boolean");
    CHECK(first_error(fx.query("INSERT INTO v (id, s) VALUES (1, x'00ff');", "s")) ==
          "the blob value of column \"s\" cannot be represented as String");
    CHECK(first_error(fx.query("INSERT INTO v (id, i) VALUES (1, x'01');", "i")) ==
          "the blob value of column \"i\" cannot be represented as Int");
}

TEST_CASE("NULL stored in a field the schema declares non-null becomes a field error", "[graphql][values]") {
    checks fx;
    // SQLite lets a PRIMARY KEY that is not an INTEGER PRIMARY KEY hold NULL.
    run_sql(fx.eng, fx.ann, fx.db, {"INSERT INTO p VALUES (NULL, 1), ('a@b', 2)"});
    graphql_request r;
    r.query = "{ p(order_by: [{n: ASC}]) { email n } }";
    auto body = boost::json::parse(execute_graphql(fx.eng, fx.ann, fx.db, r).body);
    CHECK(first_error(body) == "column \"email\" is NULL in a row, but its GraphQL type is non-null");
}

TEST_CASE("TEXT columns are read unchecked until a BLOB turns up, nested too, on every run", "[graphql][values]") {
    // Queries read TEXT-affinity columns of tables without airsql_string (they hold only TEXT,
    // NULL or BLOB); a BLOB makes SQLite's JSON functions fail and the field is compiled again
    // with every value checked, so the answer is the same field error as always.
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann",
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL);"
        "CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT, artist_id INTEGER REFERENCES artists(id));"
        "CREATE VIEW titles AS SELECT id, title FROM albums UNION ALL SELECT 99, 12;"
        "INSERT INTO artists VALUES (1, 'Ann'), (2, 'Bob');"
        "INSERT INTO albums VALUES (10, 'First', 1), (11, 'Second', 2);");
    graphql_request r;
    r.query = "{ artists(order_by: [{id: ASC}]) { id name albums { id title } } }";
    auto clean = R"({"data":{"artists":[{"id":1,"name":"Ann","albums":[{"id":10,"title":"First"}]},)"
                 R"({"id":2,"name":"Bob","albums":[{"id":11,"title":"Second"}]}]}})";
    CHECK(execute_graphql(fx.eng, ann, db, r).body == clean);
    run_sql(fx.eng, ann, db, {"UPDATE albums SET title = x'00ff' WHERE id = 11"});
    for (int run = 0; run < 3; ++run) {  // the first run compiles, later ones reuse the plan
        auto body = boost::json::parse(execute_graphql(fx.eng, ann, db, r).body);
        CHECK(first_error(body) == "the blob value of column \"title\" cannot be represented as String");
        CHECK(body.at("data").at("artists").at(0).at("albums").at(0).at("title") == "First");
        CHECK(body.at("data").at("artists").at(1).at("albums").at(0).at("title").is_null());
    }
    run_sql(fx.eng, ann, db, {"UPDATE albums SET title = 'Second' WHERE id = 11"});
    CHECK(execute_graphql(fx.eng, ann, db, r).body == clean);
    // A view's TEXT column is checked always: its second arm gives an integer, as text.
    graphql_request v;
    v.query = "{ titles(order_by: [{id: ASC}]) { id title } }";
    CHECK(execute_graphql(fx.eng, ann, db, v).body ==
          R"({"data":{"titles":[{"id":10,"title":"First"},{"id":11,"title":"Second"},{"id":99,"title":"12"}]}})");
}
