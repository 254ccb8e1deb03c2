// SPDX-License-Identifier: Apache-2.0
// Stored values against the GraphQL scalars of their columns (sqlite/value_checks.hpp): SQLite
// keeps whatever storage class a value arrived with in most columns, so a field either gets a
// value of its type or a field error naming the value's type and the column.
#include <fmt/format.h>
#include <sqlite3.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

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

namespace {

// What SQLite's own JSON functions make of the same rows: the bytes the executor must match
// when it writes a flat list itself (sql_query::rows).
std::string sqlite_json_list(const std::string& setup, const std::string& select) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open(":memory:", &h) == SQLITE_OK);
    REQUIRE(sqlite3_exec(h, setup.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(h, select.c_str(), -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    std::string out(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                    static_cast<std::size_t>(sqlite3_column_bytes(st, 0)));
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

std::string graphql_body(test::engine_fixture& fx, const principal& who, const std::string& db,
                         const std::string& query) {
    graphql_request r;
    r.query = query;
    return execute_graphql(fx.eng, who, db, r).body;
}

// The answer {"data": {root: list}}.
std::string data_of(const std::string& root, const std::string& list) {
    return R"({"data":{")" + root + R"(":)" + list + "}}";
}

}  // namespace

TEST_CASE("flat root lists are written outside SQLite, byte for byte as its JSON functions would",
          "[graphql][values]") {
    // Every ASCII byte (the escapes), quotes, backslashes, multi-byte UTF-8, empty text, NULL,
    // the int64 extremes; __typename and aliases; a list under the row cap and one over it.
    std::string schema =
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT, n VARCHAR(10) NOT NULL DEFAULT 'x');";
    std::string rows;
    for (int b = 0; b < 128; ++b) {
        rows += fmt::format("INSERT INTO t (id, s) VALUES ({}, CAST(x'41{:02x}5a' AS TEXT));", b + 1, b);
    }
    rows += "INSERT INTO t (id, s, n) VALUES (200, '\"q\" \\\\ \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80', ''),"
            " (201, '', 'y'), (202, NULL, 'z'), (-9223372036854775808, 'min', 'a'),"
            " (9223372036854775807, 'max', 'b');";
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann", schema + rows);
    graphql_request r;
    r.query = "{ t(order_by: [{id: ASC}]) { __typename id text: s n } }";
    auto body = execute_graphql(fx.eng, ann, db, r).body;
    auto expected = sqlite_json_list(
        schema + rows,
        "SELECT json_group_array(json_object('__typename', 't_row', 'id', id, 'text', s, 'n', n)) "
        "FROM (SELECT * FROM t ORDER BY id)");
    CHECK(body == R"({"data":{"t":)" + expected + "}}");
    CHECK(expected.find(R"("A\u0000Z")") != std::string::npos);  // the reference has the escapes
    CHECK(expected.find(R"("A\tZ")") != std::string::npos);

    // No rows, and a page of them.
    r.query = "{ t(where: {id: {_gt: 9223372036854775806}}, limit: 0) { id } }";
    CHECK(execute_graphql(fx.eng, ann, db, r).body == R"({"data":{"t":[]}})");
    r.query = "{ t(order_by: [{id: DESC}], limit: 2, offset: 1) { id s } }";
    CHECK(execute_graphql(fx.eng, ann, db, r).body ==
          R"({"data":{"t":[{"id":202,"s":null},{"id":201,"s":""}]}})");

    // A BLOB in the TEXT column: compiled again with checks, as for lists inside SQLite.
    run_sql(fx.eng, ann, db, {"UPDATE t SET s = x'00ff' WHERE id = 201"});
    r.query = "{ t(where: {id: {_in: [200, 201]}}) { id s } }";
    for (int run = 0; run < 2; ++run) {
        auto v = boost::json::parse(execute_graphql(fx.eng, ann, db, r).body);
        CHECK(first_error(v) == "the blob value of column \"s\" cannot be represented as String");
        CHECK(v.at("data").at("t").at(1).at("s").is_null());
        CHECK(v.at("data").at("t").at(0).at("id") == 200);
    }
}

TEST_CASE("a flat root list over the row cap is the cap's error, as inside SQLite", "[graphql][values]") {
    test::engine_fixture fx([](options& o) { o.graphql_max_rows = 3; });
    auto& eng = fx.eng;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann", "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);"
                                      "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c');");
    graphql_request r;
    r.query = "{ t { id s } }";
    CHECK(execute_graphql(eng, ann, db, r).body ==
          R"({"data":{"t":[{"id":1,"s":"a"},{"id":2,"s":"b"},{"id":3,"s":"c"}]}})");
    run_sql(eng, ann, db, {"INSERT INTO t VALUES (4, 'd')"});
    auto v = boost::json::parse(execute_graphql(eng, ann, db, r).body);
    CHECK(first_error(v) == "the query would return more than 3 rows, the maximum; add a limit, e.g. limit: 50");
    CHECK(v.at("data").is_null());
    r.query = "{ t(limit: 3) { id } }";
    CHECK(execute_graphql(eng, ann, db, r).body == R"({"data":{"t":[{"id":1},{"id":2},{"id":3}]}})");
    // With a nested list (its own statement per row): the same cap, and nested lists have none.
    run_sql(eng, ann, db, {"CREATE TABLE u (id INTEGER PRIMARY KEY, t_id INTEGER REFERENCES t(id));"
                           "INSERT INTO u VALUES (1, 1), (2, 1), (3, 1), (4, 1), (5, 2);"});
    r.query = "{ t { id u { id } } }";
    v = boost::json::parse(execute_graphql(eng, ann, db, r).body);
    CHECK(first_error(v) == "the query would return more than 3 rows, the maximum; add a limit, e.g. limit: 50");
    r.query = "{ t(limit: 2) { id u { id } } }";
    CHECK(execute_graphql(eng, ann, db, r).body ==
          R"({"data":{"t":[{"id":1,"u":[{"id":1},{"id":2},{"id":3},{"id":4}]},{"id":2,"u":[{"id":5}]}]}})");
}

TEST_CASE("nested lists of a flat root list are written outside SQLite too, byte for byte",
          "[graphql][values]") {
    // Array relationships whose fields go out as SQLite holds them run as statements of their
    // own, once per row (sql_query::nested_list); the answer must be what the correlated
    // subquery with SQLite's JSON functions makes: keys in selection order, empty lists, rows
    // without a parent, a TEXT join key, the nested list's arguments, __typename.
    std::string schema =
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
        "CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT NOT NULL,"
        " artist_id INTEGER REFERENCES artists(id), price REAL);"
        "CREATE TABLE labels (code TEXT PRIMARY KEY, label TEXT NOT NULL);"
        "CREATE TABLE releases (id INTEGER PRIMARY KEY, label_code TEXT REFERENCES labels(code));";
    std::string rows =
        "INSERT INTO artists VALUES (1, 'A \"q\" \\\\ \xc3\xa9'), (2, 'B'), (3, 'no albums'), (4, 'tab\tx');"
        "INSERT INTO albums VALUES (10, 'a1', 1, 1.5), (11, 'a2', 1, NULL), (12, 'b1', 2, 2.0),"
        " (13, 'orphan', NULL, 0.1), (14, 'a3', 1, 3.25), (15, 'd1', 4, 9.0), (16, 'aa', 1, 1.0);"
        "INSERT INTO labels VALUES ('x', 'X'), ('y', 'Y'), ('z', 'none');"
        "INSERT INTO releases VALUES (1, 'y'), (2, 'x'), (3, 'y'), (4, NULL);";
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann", schema + rows);
    auto same = [&](const std::string& query, const std::string& root, const std::string& reference) {
        CHECK(graphql_body(fx, ann, db, query) == data_of(root, sqlite_json_list(schema + rows, reference)));
    };
    same("{ artists(order_by: [{id: ASC}]) { id albums { id title } name } }", "artists",
         "SELECT json_group_array(json_object('id', a.id, 'albums', (SELECT json_group_array("
         "json_object('id', b.id, 'title', b.title)) FROM (SELECT * FROM albums b WHERE b.artist_id = a.id"
         " ORDER BY b.id) b), 'name', a.name)) FROM (SELECT * FROM artists ORDER BY id) a");
    same("{ artists(order_by: [{id: DESC}], limit: 3) { "
         "albums(where: {title: {_like: \"a%\"}}, order_by: [{id: DESC}], limit: 2, offset: 1) { __typename id } "
         "first: albums(limit: 1) { t: title } } }", "artists",
         "SELECT json_group_array(json_object('albums', (SELECT json_group_array(json_object("
         "'__typename', 'albums_row', 'id', b.id)) FROM (SELECT * FROM albums b WHERE b.artist_id = a.id"
         " AND b.title LIKE 'a%' ORDER BY b.id DESC LIMIT 2 OFFSET 1) b), 'first', (SELECT json_group_array("
         "json_object('t', b.title)) FROM (SELECT * FROM albums b WHERE b.artist_id = a.id ORDER BY b.id"
         " LIMIT 1) b))) FROM (SELECT * FROM artists ORDER BY id DESC LIMIT 3) a");
    same("{ labels(order_by: [{code: ASC}]) { code releases { id } } }", "labels",
         "SELECT json_group_array(json_object('code', l.code, 'releases', (SELECT json_group_array("
         "json_object('id', r.id)) FROM (SELECT * FROM releases r WHERE r.label_code = l.code ORDER BY r.id)"
         " r))) FROM (SELECT * FROM labels l ORDER BY code) l");
    // A nested field that needs SQL around its value (REAL is checked): the list inside SQLite,
    // the same answer.
    same("{ artists(order_by: [{id: ASC}], limit: 2) { id albums { id price } } }", "artists",
         "SELECT json_group_array(json_object('id', a.id, 'albums', (SELECT json_group_array("
         "json_object('id', b.id, 'price', b.price)) FROM (SELECT * FROM albums b WHERE b.artist_id = a.id"
         " ORDER BY b.id) b))) FROM (SELECT * FROM artists ORDER BY id LIMIT 2) a");
    // A nested argument that fails is an error at its own path (the list inside SQLite); the
    // non-null list makes the whole answer null, as always.
    graphql_request r;
    r.query = "{ artists(order_by: [{id: ASC}], limit: 2) { id albums(limit: -1) { id } } }";
    CHECK(execute_graphql(fx.eng, ann, db, r).body ==
          R"({"data":null,"errors":[{"message":"The limit must be positive or zero, not -1",)"
          R"("locations":[{"line":1,"column":49}],"path":["artists",0,"albums"]}]})");
    // A BLOB in a nested TEXT column: compiled again with checks, the error at its path.
    run_sql(fx.eng, ann, db, {"UPDATE albums SET title = x'00ff' WHERE id = 12"});
    r.query = "{ artists(order_by: [{id: ASC}], limit: 2) { id albums { id title } } }";
    for (int run = 0; run < 2; ++run) {
        auto b = boost::json::parse(execute_graphql(fx.eng, ann, db, r).body);
        CHECK(first_error(b) == "the blob value of column \"title\" cannot be represented as String");
        CHECK(b.at("errors").at(0).at("path") ==
              boost::json::parse(R"(["artists",1,"albums",0,"title"])"));
    }
}

TEST_CASE("nested lists at every depth are statements of their own, byte for byte",
          "[graphql][values]") {
    // Lists inside nested lists run as statements of their own too, once per row of the list
    // above: three tables deep, and a table's relationship to itself at two depths (statements
    // of the same table running at once). Past max_relationship_depth, the field error of the
    // SQL form.
    std::string schema =
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
        "CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT, artist_id INTEGER REFERENCES artists(id));"
        "CREATE TABLE tracks (id INTEGER PRIMARY KEY, name TEXT, album_id INTEGER REFERENCES albums(id));"
        "CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT, boss INTEGER REFERENCES staff(id));";
    std::string rows =
        "INSERT INTO artists VALUES (1, 'A'), (2, 'B'), (3, 'none');"
        "INSERT INTO albums VALUES (10, 'a1', 1), (11, 'a2', 1), (12, 'b1', 2), (13, 'empty', 2);"
        "INSERT INTO tracks VALUES (100, 't\"1', 10), (101, 't2', 10), (102, 't3', 11), (103, 't4', 12),"
        " (104, 'loose', NULL), (105, 't5', 10);"
        "INSERT INTO staff VALUES (1, 'top', NULL), (2, 'm1', 1), (3, 'm2', 1), (4, 'w1', 2),"
        " (5, 'w2', 2), (6, 'w3', 3), (7, 'x', 4), (8, 'y', 7), (9, 'z', 8), (10, 'zz', 9);";
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann", schema + rows);
    auto same = [&](const std::string& query, const std::string& root, const std::string& reference) {
        CHECK(graphql_body(fx, ann, db, query) == data_of(root, sqlite_json_list(schema + rows, reference)));
    };
    same("{ artists(order_by: [{id: ASC}]) { id albums(order_by: [{id: DESC}]) { title "
         "tracks(where: {id: {_gt: 100}}) { id name } } name } }",
         "artists",
         "SELECT json_group_array(json_object('id', a.id, 'albums', (SELECT json_group_array("
         "json_object('title', b.title, 'tracks', (SELECT json_group_array(json_object('id', t.id, "
         "'name', t.name)) FROM (SELECT * FROM tracks t WHERE t.album_id = b.id AND t.id > 100 "
         "ORDER BY t.id) t))) FROM (SELECT * FROM albums b WHERE b.artist_id = a.id ORDER BY b.id DESC) b), "
         "'name', a.name)) FROM (SELECT * FROM artists ORDER BY id) a");
    same("{ staff(where: {id: {_lt: 4}}, order_by: [{id: ASC}]) { id staff_by_boss { id "
         "staff_by_boss { id name } } } }",
         "staff",
         "SELECT json_group_array(json_object('id', s.id, 'staff_by_boss', (SELECT json_group_array("
         "json_object('id', m.id, 'staff_by_boss', (SELECT json_group_array(json_object('id', w.id, "
         "'name', w.name)) FROM (SELECT * FROM staff w WHERE w.boss = m.id ORDER BY w.id) w))) FROM "
         "(SELECT * FROM staff m WHERE m.boss = s.id ORDER BY m.id) m))) FROM (SELECT * FROM staff "
         "WHERE id < 4 ORDER BY id) s");
    // One level more than max_relationship_depth allows, with rows down to it.
    std::string deep = "id";
    for (int level = 0; level < 6; ++level) deep = "id staff_by_boss { " + deep + " }";
    graphql_request r;
    r.query = "{ staff(limit: 1) { " + deep + " } }";
    auto b = boost::json::parse(execute_graphql(fx.eng, ann, db, r).body);
    CHECK(first_error(b).find("relationships nest more than 5 levels deep") == 0);
}

TEST_CASE("object relationships of rows-form lists are joined, byte for byte", "[graphql][values]") {
    // An object relationship whose referenced columns are the primary key and whose fields go
    // out as SQLite holds them is a LEFT JOIN of the list's statement
    // (sql_query::joined_object): null for a NULL foreign key (or part of one), aliases and
    // __typename, inside a nested list, inside another joined object, a composite key. Others
    // keep the SQL form: a key that is only UNIQUE, a checked value.
    std::string schema =
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL, born REAL);"
        "CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT, artist_id INTEGER REFERENCES artists(id),"
        " code TEXT UNIQUE);"
        "CREATE TABLE tracks (id INTEGER PRIMARY KEY, name TEXT, album_id INTEGER REFERENCES albums(id),"
        " album_code TEXT REFERENCES albums(code), artist INTEGER REFERENCES artists(id));"
        "CREATE TABLE shelf (room TEXT, n INTEGER, label TEXT, PRIMARY KEY (room, n));"
        "CREATE TABLE book (id INTEGER PRIMARY KEY, room TEXT, n INTEGER,"
        " FOREIGN KEY (room, n) REFERENCES shelf(room, n));";
    std::string rows =
        "INSERT INTO artists VALUES (1, 'A \"q\"', 1.5), (2, 'B', NULL);"
        "INSERT INTO albums VALUES (10, 'a1', 1, 'x'), (11, NULL, 2, 'y'), (12, 'orphan', NULL, 'z');"
        "INSERT INTO tracks VALUES (100, 't1', 10, 'y', 1), (101, 't2', NULL, NULL, 1), (102, 't3', 11, 'x', 1),"
        " (103, 't4', 12, NULL, 2), (104, 't5', 12, 'z', 1);"
        "INSERT INTO shelf VALUES ('a', 1, 'first'), ('a', 2, 'second'), ('b', 1, 'third');"
        "INSERT INTO book VALUES (1, 'a', 2), (2, 'b', 1), (3, 'a', 1), (4, NULL, 1);";
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann", schema + rows);
    auto same = [&](const std::string& query, const std::string& root, const std::string& reference) {
        CHECK(graphql_body(fx, ann, db, query) == data_of(root, sqlite_json_list(schema + rows, reference)));
    };
    same("{ tracks(order_by: [{id: ASC}]) { id a: album { __typename title t: id } name } }", "tracks",
         "SELECT json_group_array(json_object('id', t.id, 'a', (SELECT json_object('__typename', "
         "'albums_row', 'title', b.title, 't', b.id) FROM albums b WHERE b.id = t.album_id), 'name', "
         "t.name)) FROM (SELECT * FROM tracks ORDER BY id) t");
    same("{ artists(order_by: [{id: ASC}]) { name albums { id artist { name } } } }", "artists",
         "SELECT json_group_array(json_object('name', a.name, 'albums', (SELECT json_group_array("
         "json_object('id', b.id, 'artist', (SELECT json_object('name', x.name) FROM artists x WHERE "
         "x.id = b.artist_id))) FROM (SELECT * FROM albums b WHERE b.artist_id = a.id ORDER BY b.id) b)))"
         " FROM (SELECT * FROM artists ORDER BY id) a");
    // SQLite drops the ORDER BY of a subquery without LIMIT that is part of a join: a nested
    // list's order must survive its joined objects.
    same("{ artists(order_by: [{id: ASC}]) { tracks(order_by: [{name: DESC}]) { name album { title } } } }",
         "artists",
         "SELECT json_group_array(json_object('tracks', (SELECT json_group_array(json_object("
         "'name', t.name, 'album', (SELECT json_object('title', b.title) FROM albums b WHERE b.id = "
         "t.album_id))) FROM (SELECT * FROM tracks t WHERE t.artist = a.id ORDER BY t.name DESC) t)))"
         " FROM (SELECT * FROM artists ORDER BY id) a");
    // Objects inside joined objects: a chain of joins, null in the middle of it.
    same("{ tracks(order_by: [{id: ASC}]) { id album { title artist { __typename n: name } } } }", "tracks",
         "SELECT json_group_array(json_object('id', t.id, 'album', (SELECT json_object('title', b.title, "
         "'artist', (SELECT json_object('__typename', 'artists_row', 'n', x.name) FROM artists x WHERE "
         "x.id = b.artist_id)) FROM albums b WHERE b.id = t.album_id))) FROM (SELECT * FROM tracks "
         "ORDER BY id) t");
    same("{ book(order_by: [{id: ASC}]) { id shelf { label } } }", "book",
         "SELECT json_group_array(json_object('id', k.id, 'shelf', (SELECT json_object('label', s.label) "
         "FROM shelf s WHERE s.room = k.room AND s.n = k.n))) FROM (SELECT * FROM book ORDER BY id) k");
    same("{ tracks(order_by: [{id: ASC}]) { id albums { title } album { artist { name born } } } }",
         "tracks",
         "SELECT json_group_array(json_object('id', t.id, 'albums', (SELECT json_object("
         "'title', b.title) FROM albums b WHERE b.code = t.album_code), 'album', (SELECT json_object("
         "'artist', (SELECT json_object('name', x.name, 'born', x.born) FROM artists x WHERE x.id = "
         "b.artist_id)) FROM albums b WHERE b.id = t.album_id))) FROM (SELECT * FROM tracks ORDER BY id) t");
    // A BLOB in a joined TEXT column: compiled again with checks, the error at its path.
    run_sql(fx.eng, ann, db, {"UPDATE albums SET title = x'00ff' WHERE id = 11"});
    for (int run = 0; run < 2; ++run) {
        auto b = boost::json::parse(
            graphql_body(fx, ann, db, "{ tracks(order_by: [{id: ASC}]) { id album { title } } }"));
        CHECK(first_error(b) == "the blob value of column \"title\" cannot be represented as String");
        CHECK(b.at("errors").at(0).at("path") == boost::json::parse(R"(["tracks",2,"album","title"])"));
    }
}

TEST_CASE("many joined objects in one list stay within SQLite's join limit", "[graphql][values]") {
    // SQLite joins at most 64 tables in one statement; 100 aliases of an object relationship
    // (each a join in the rows form) must still be answered, as the SQL form answers them.
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann",
                          "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT);"
                          "CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id));"
                          "INSERT INTO a VALUES (1, 'x'); INSERT INTO b VALUES (1, 1), (2, NULL);");
    std::string fields = "id";
    std::string expected_row1 = R"({"id":1)", expected_row2 = R"({"id":2)";
    for (int i = 0; i < 100; ++i) {
        fields += " o" + std::to_string(i) + ": a { name }";
        expected_row1 += R"(,"o)" + std::to_string(i) + R"(":{"name":"x"})";
        expected_row2 += R"(,"o)" + std::to_string(i) + R"(":null)";
    }
    CHECK(graphql_body(fx, ann, db, "{ b(order_by: [{id: ASC}]) { " + fields + " } }") ==
          data_of("b", "[" + expected_row1 + "}," + expected_row2 + "}]"));
}

TEST_CASE("a rows-form list of more columns than SQLite returns takes the SQL form", "[graphql][values]") {
    // SQLite returns at most 2,000 columns; two joined objects of a 1,200-column table would
    // need 2,400.
    std::string wide = "CREATE TABLE w (id INTEGER PRIMARY KEY";
    std::string fields;
    for (int i = 0; i < 1200; ++i) {
        wide += ", c" + std::to_string(i) + " TEXT";
        fields += " c" + std::to_string(i);
    }
    wide += ");";
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto db = fx.database(ann, "ann",
                          wide + "CREATE TABLE b (id INTEGER PRIMARY KEY, w_id INTEGER REFERENCES w(id));"
                                 "INSERT INTO w (id, c1199) VALUES (1, 'last'); INSERT INTO b VALUES (1, 1);");
    auto body = boost::json::parse(
        graphql_body(fx, ann, db, "{ b { x: w {" + fields + " } y: w {" + fields + " } } }"));
    INFO(boost::json::serialize(body).substr(0, 300));
    REQUIRE(body.as_object().if_contains("errors") == nullptr);
    CHECK(body.at("data").at("b").at(0).at("y").at("c1199") == "last");
    CHECK(body.at("data").at("b").at(0).at("x").at("c0").is_null());
}
