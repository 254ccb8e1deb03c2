// SPDX-License-Identifier: Apache-2.0
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;

namespace {

errc code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.code();
    }
    return errc::internal;  // "no error" in these tests
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "";
}

struct tables_fixture : test::engine_fixture {
    principal ann = user("ann");
    std::string db;

    explicit tables_fixture(const std::string& sql = "") { db = database(ann, "ann", sql); }

    boost::json::array rows(const std::string& sql) {
        auto r = run_sql(eng, ann, db, {sql});
        INFO(sql);
        INFO((r.errors.empty() ? "" : r.errors.front()));
        REQUIRE(r.errors.empty());
        return r.rows;
    }
    std::string json(const std::string& sql) { return boost::json::serialize(rows(sql)); }
    std::string schema() { return json("SELECT type, name, sql FROM sqlite_master ORDER BY name"); }
    const table_column& column(const table_details& t, const std::string& name) {
        for (const auto& c : t.columns) {
            if (c.name == name) return c;
        }
        FAIL("no column " << name);
        throw 0;
    }
};

std::vector<std::string> names_of(const table_details& t) {
    std::vector<std::string> out;
    for (const auto& c : t.columns) out.push_back(c.name);
    return out;
}

std::vector<std::string> tables_of(const database_info& info) {
    std::vector<std::string> out;
    for (const auto& t : info.tables) out.push_back(t.name);
    return out;
}

}  // namespace

TEST_CASE("a table is described in the reference's shape", "[tables]") {
    tables_fixture fx(
        "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT_EMAIL NOT NULL UNIQUE, "
        "stars INT_STARS DEFAULT 3, status TEXT CHECK (status IN ('new', 'done')), "
        "code TEXT, twice INT GENERATED ALWAYS AS (id * 2), photo BLOB_IMAGE);"
        "CREATE UNIQUE INDEX people_code ON people(code);"
        "INSERT INTO people (email) VALUES ('a@x.org'), ('b@x.org');"
        "CREATE VIEW emails AS SELECT email FROM people;"
        "CREATE TABLE odd (rowid TEXT, _rowid_ TEXT);"
        "CREATE TABLE taken (rowid TEXT, _rowid_ TEXT, oid TEXT)");
    auto t = get_table(fx.eng, fx.ann, fx.db, "PEOPLE");
    CHECK(t.name == "people");
    CHECK(t.table_type == "Table");
    CHECK(t.number_of_rows == 2);
    CHECK(t.rowid_column_name == std::optional<std::string>("rowid"));
    CHECK_FALSE(t.max_cell_limit_reached);
    CHECK_FALSE(t.description);
    CHECK(names_of(t) ==
          std::vector<std::string>{"id", "email", "stars", "status", "code", "twice", "photo"});
    const auto& id = fx.column(t, "id");
    CHECK((id.is_primary_key && id.is_non_null && id.is_omittable && id.is_unique));
    CHECK(id.gql_data_type == std::optional<std::string>("Int"));
    const auto& email = fx.column(t, "email");
    CHECK((email.is_non_null && email.is_unique && !email.is_omittable));
    CHECK(email.input_element == "InputEmail");
    CHECK(email.sqlite_data_type == "TEXT_EMAIL");
    const auto& stars = fx.column(t, "stars");
    CHECK(stars.input_element == "InputStars");
    CHECK(stars.validations == std::optional(column_validations{1, 5}));
    CHECK(stars.is_omittable);
    const auto& status = fx.column(t, "status");
    CHECK(status.items == std::optional(std::vector<std::string>{"new", "done"}));
    CHECK(status.input_element == "InputSelect");
    CHECK(fx.column(t, "code").is_unique);
    CHECK(fx.column(t, "twice").is_generated);
    CHECK(fx.column(t, "photo").input_element == "InputFile");
    CHECK(fx.column(t, "photo").gql_data_type == std::optional<std::string>("String"));

    auto json = boost::json::value_from(t);
    CHECK(json.as_object().size() == 7);
    CHECK(json.at("columns").at(0).as_object().size() == 11);
    for (auto key :
         {"gqlDataType", "inputElement", "isGenerated", "isNonNull", "isOmittable", "isPrimaryKey",
          "isUnique", "items", "name", "sqliteDataType", "validations"}) {
        CHECK(json.at("columns").at(0).as_object().contains(key));
    }

    auto view = get_table(fx.eng, fx.ann, fx.db, "emails");
    CHECK(view.table_type == "View");
    CHECK_FALSE(view.rowid_column_name);
    CHECK(view.number_of_rows == 2);
    CHECK(get_table(fx.eng, fx.ann, fx.db, "odd").rowid_column_name ==
          std::optional<std::string>("oid"));
    CHECK_FALSE(get_table(fx.eng, fx.ann, fx.db, "taken").rowid_column_name);
    CHECK(code_of([&] { get_table(fx.eng, fx.ann, fx.db, "nope"); }) == errc::not_found);
    CHECK(code_of([&] { get_table(fx.eng, fx.ann, fx.db, "sqlite_master"); }) == errc::not_found);
}

TEST_CASE("the cell limit flags big tables", "[tables]") {
    test::temp_dir dir;
    auto opts = test::engine_fixture::make_options(dir);
    opts.table_cell_limit = 5;
    engine eng(opts);
    sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
    auto ann = authenticate(
        eng, {.bearer = login(eng, principal::anonymous(), {"ann", "password-ann"}).session_token});
    auto db = create_database(eng, ann,
                              {"db",
                               "ann",
                               "CREATE TABLE t (a, b); "
                               "INSERT INTO t VALUES (1, 2), (3, 4)",
                               {}})
                  .id;
    CHECK_FALSE(get_table(eng, ann, db, "t").max_cell_limit_reached);  // 4 cells
    run_sql(eng, ann, db, {"INSERT INTO t VALUES (5, 6)"});
    CHECK(get_table(eng, ann, db, "t").max_cell_limit_reached);  // 6 cells
}

TEST_CASE("tables are created from column definitions", "[tables]") {
    tables_fixture fx;
    auto t = create_table(fx.eng, fx.ann, fx.db, "tasks",
                          {{{.name = "title", .is_non_null = true, .is_unique = true},
                            {.name = "state",
                             .default_sql = "'new'",
                             .items = std::vector<std::string>{"new", "done"}},
                            {.name = "due", .sqlite_data_type = "TEXT_DATE", .description = "when"},
                            {.name = "n", .sqlite_data_type = "INTEGER", .check = "n >= 0"}},
                           "Things to do"});
    CHECK(t.description == std::optional<std::string>("Things to do"));
    CHECK(names_of(t) == std::vector<std::string>{"title", "state", "due", "n"});
    CHECK(fx.column(t, "title").is_unique);
    CHECK(fx.column(t, "state").items == std::optional(std::vector<std::string>{"new", "done"}));
    CHECK(fx.column(t, "due").input_element == "InputDate");
    fx.rows("INSERT INTO tasks (title) VALUES ('a')");
    CHECK(fx.json("SELECT state FROM tasks") == R"([{"state":"new"}])");
    CHECK_FALSE(run_sql(fx.eng, fx.ann, fx.db, {"INSERT INTO tasks (title, n) VALUES ('b', -1)"})
                    .errors.empty());
    CHECK_FALSE(
        run_sql(fx.eng, fx.ann, fx.db, {"INSERT INTO tasks (title, state) VALUES ('c', 'x')"})
            .errors.empty());

    // No columns: an integer key.
    auto empty = create_table(fx.eng, fx.ann, fx.db, "blank", {});
    REQUIRE(empty.columns.size() == 1);
    CHECK(empty.columns[0].name == "id");
    CHECK(empty.columns[0].is_primary_key);

    // Collisions and bad input.
    CHECK(code_of([&] { create_table(fx.eng, fx.ann, fx.db, "TASKS", {}); }) ==
          errc::already_exists);
    CHECK(code_of([&] { create_table(fx.eng, fx.ann, fx.db, "", {}); }) == errc::invalid_argument);
    CHECK(code_of([&] { create_table(fx.eng, fx.ann, fx.db, "sqlite_x", {}); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] { create_table(fx.eng, fx.ann, fx.db, std::string(256, 'x'), {}); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] {
              create_table(fx.eng, fx.ann, fx.db, "bad",
                           {{{.name = "a", .sqlite_data_type = "TEXT PRIMARY KEY"}}, {}});
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              create_table(fx.eng, fx.ann, fx.db, "bad", {{{.name = "a"}, {.name = "A"}}, {}});
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              create_table(fx.eng, fx.ann, fx.db, "bad",
                           {{{.name = "a", .check = "1) , b TEXT, CHECK (1"}}, {}});
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              create_table(fx.eng, fx.ann, fx.db, "bad",
                           {{{.name = "a", .default_sql = "load_extension('x')"}}, {}});
          }) == errc::invalid_argument);
    std::vector<column_definition> many(501);
    for (std::size_t i = 0; i < many.size(); ++i) many[i].name = "c" + std::to_string(i);
    CHECK(code_of([&] {
              create_table(fx.eng, fx.ann, fx.db, "wide", {many, {}});
          }) == errc::invalid_argument);
    CHECK(code_of([&] { get_table(fx.eng, fx.ann, fx.db, "bad"); }) == errc::not_found);
}

TEST_CASE("tables are renamed, described and ordered; the order follows renames and drops",
          "[tables][order]") {
    tables_fixture fx(
        "CREATE TABLE a (x UNIQUE); CREATE TABLE b (x REFERENCES a(x)); CREATE TABLE c (x);"
        "CREATE VIEW va AS SELECT x FROM a;"
        "CREATE TRIGGER tb AFTER INSERT ON b BEGIN INSERT INTO c VALUES (new.x); END;");
    CHECK(tables_of(get_database(fx.eng, fx.ann, fx.db)) ==
          std::vector<std::string>{"a", "b", "c", "va"});
    update_table(fx.eng, fx.ann, fx.db, "c", {.after = ""});
    CHECK(tables_of(get_database(fx.eng, fx.ann, fx.db)) ==
          std::vector<std::string>{"c", "a", "b", "va"});
    update_table(fx.eng, fx.ann, fx.db, "a", {.after = "va"});
    CHECK(tables_of(get_database(fx.eng, fx.ann, fx.db)) ==
          std::vector<std::string>{"c", "b", "va", "a"});

    auto renamed = update_table(fx.eng, fx.ann, fx.db, "a",
                                {.name = "alpha", .description = std::optional<std::string>("A")});
    CHECK(renamed.name == "alpha");
    CHECK(renamed.description == std::optional<std::string>("A"));
    CHECK(tables_of(get_database(fx.eng, fx.ann, fx.db)) ==
          std::vector<std::string>{"c", "b", "va", "alpha"});
    // SQLite carried the rename into the view and the foreign key.
    CHECK(fx.json("SELECT sql FROM sqlite_master WHERE name IN ('va', 'b') ORDER BY name")
              .find("\\\"alpha\\\"") != std::string::npos);
    fx.rows("INSERT INTO alpha VALUES (1); INSERT INTO b VALUES (1)");
    CHECK(fx.json("SELECT x FROM c") == R"([{"x":1}])");

    // New tables come last; a dropped table's successor takes its place.
    create_table(fx.eng, fx.ann, fx.db, "d", {});
    update_table(fx.eng, fx.ann, fx.db, "d", {.after = "c"});
    CHECK(tables_of(get_database(fx.eng, fx.ann, fx.db)) ==
          std::vector<std::string>{"c", "d", "b", "va", "alpha"});
    delete_table(fx.eng, fx.ann, fx.db, "d");
    CHECK(tables_of(get_database(fx.eng, fx.ann, fx.db)) ==
          std::vector<std::string>{"c", "b", "va", "alpha"});
    update_table(fx.eng, fx.ann, fx.db, "alpha", {.description = std::optional<std::string>()});
    CHECK_FALSE(get_table(fx.eng, fx.ann, fx.db, "alpha").description);

    CHECK(code_of([&] { update_table(fx.eng, fx.ann, fx.db, "b", {.name = "C"}); }) ==
          errc::already_exists);
    CHECK(code_of([&] { update_table(fx.eng, fx.ann, fx.db, "b", {.after = "b"}); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] { update_table(fx.eng, fx.ann, fx.db, "b", {.after = "zz"}); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] { update_table(fx.eng, fx.ann, fx.db, "zz", {.after = ""}); }) ==
          errc::not_found);
}

TEST_CASE("dropping a table a view or trigger uses is refused", "[tables]") {
    tables_fixture fx(
        "CREATE TABLE a (x); CREATE TABLE b (x); CREATE TABLE c (x);"
        "CREATE VIEW va AS SELECT x FROM a;"
        "CREATE TRIGGER tc AFTER INSERT ON c BEGIN INSERT INTO b VALUES (new.x); END;");
    auto msg = message_of([&] { delete_table(fx.eng, fx.ann, fx.db, "a"); });
    CHECK_THAT(msg, Catch::Contains("va"));
    CHECK(code_of([&] { delete_table(fx.eng, fx.ann, fx.db, "a"); }) == errc::failed_precondition);
    CHECK(code_of([&] { delete_table(fx.eng, fx.ann, fx.db, "b"); }) == errc::failed_precondition);
    CHECK(fx.json("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('a', 'b')") ==
          R"([{"n":2}])");
    delete_table(fx.eng, fx.ann, fx.db, "va");
    delete_table(fx.eng, fx.ann, fx.db, "a");
    delete_table(fx.eng, fx.ann, fx.db, "c");
    delete_table(fx.eng, fx.ann, fx.db, "b");
    CHECK(get_database(fx.eng, fx.ann, fx.db).tables.empty());
    CHECK(code_of([&] { delete_table(fx.eng, fx.ann, fx.db, "a"); }) == errc::not_found);
}

TEST_CASE("columns are added with ALTER TABLE or a rebuild", "[tables][columns]") {
    tables_fixture fx(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
        "INSERT INTO t (v) VALUES ('a'), ('b')");
    auto plain = add_column(fx.eng, fx.ann, fx.db, "t", "note", {.sqlite_data_type = "TEXT_URL"});
    CHECK(plain.input_element == "InputUrl");
    auto keyed = add_column(fx.eng, fx.ann, fx.db, "t", "code",
                            {.sqlite_data_type = "INTEGER", .is_unique = true});
    CHECK(keyed.is_unique);
    auto stamped = add_column(fx.eng, fx.ann, fx.db, "t", "at",
                              {.sqlite_data_type = "TEXT", .default_sql = "CURRENT_TIMESTAMP"});
    CHECK(stamped.is_omittable);
    CHECK(fx.json("SELECT id, v FROM t ORDER BY id") == R"([{"id":1,"v":"a"},{"id":2,"v":"b"}])");
    CHECK(fx.json("SELECT count(*) AS n FROM t WHERE at IS NOT NULL") == R"([{"n":2}])");
    // NOT NULL without a default cannot fit the existing rows: 409, nothing changes.
    auto schema = fx.schema();
    CHECK(code_of([&] { add_column(fx.eng, fx.ann, fx.db, "t", "must", {.is_non_null = true}); }) ==
          errc::failed_precondition);
    CHECK(fx.schema() == schema);
    CHECK(code_of([&] { add_column(fx.eng, fx.ann, fx.db, "t", "V", {}); }) ==
          errc::already_exists);
    CHECK(code_of([&] { add_column(fx.eng, fx.ann, fx.db, "t", "k", {.is_primary_key = true}); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] { add_column(fx.eng, fx.ann, fx.db, "nope", "k", {}); }) == errc::not_found);
}

TEST_CASE("a rebuild keeps data, rowids, indexes, triggers, views and foreign keys both ways",
          "[tables][rebuild]") {
    tables_fixture fx(
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT UNIQUE);"
        "CREATE TABLE t (a TEXT, b INT, pid INT REFERENCES parent(id), "
        "  created TEXT DEFAULT 'x');"
        "CREATE TABLE child (id INTEGER PRIMARY KEY, tb INT REFERENCES t(b));"
        "CREATE INDEX t_a ON t(a);"
        "CREATE UNIQUE INDEX t_b ON t(b);"
        "CREATE TABLE log (msg TEXT);"
        "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES ('ins ' || new.a); "
        "END;"
        "CREATE TRIGGER child_ins AFTER INSERT ON child BEGIN UPDATE t SET a = a || '!' WHERE b = "
        "new.tb; END;"
        "CREATE VIEW tv AS SELECT a, b FROM t;"
        "CREATE VIEW tv2 AS SELECT * FROM tv;"
        "INSERT INTO parent VALUES (1, 'p');"
        "INSERT INTO t (a, b, pid) VALUES ('one', 1, 1), ('two', 2, NULL), ('three', 3, 1);"
        "DELETE FROM t WHERE b = 2;"
        "INSERT INTO child (tb) VALUES (3);");
    auto rowids_before = fx.json("SELECT rowid, a, b, pid FROM t ORDER BY rowid");
    auto col = update_column(fx.eng, fx.ann, fx.db, "t", "a",
                             {.sqlite_data_type = "TEXT_COLOR", .is_non_null = true});
    CHECK(col.is_non_null);
    CHECK(col.input_element == "InputColor");
    CHECK(fx.json("SELECT rowid, a, b, pid FROM t ORDER BY rowid") == rowids_before);
    CHECK(
        fx.json("SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger', 'view') "
                "AND name NOT LIKE 'sqlite%' ORDER BY name") ==
        R"([{"name":"child_ins"},{"name":"t_a"},{"name":"t_b"},{"name":"t_ins"},{"name":"tv"},{"name":"tv2"}])");
    CHECK(fx.json("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE 'airsql%'") ==
          R"([{"n":0}])");
    // Triggers still fire, foreign keys still hold in both directions.
    fx.rows("INSERT INTO t (a, b) VALUES ('four', 4)");
    // The copy did not fire the trigger again: one row per real insert.
    CHECK(fx.json("SELECT msg FROM log") ==
          R"([{"msg":"ins one"},{"msg":"ins two"},{"msg":"ins three"},{"msg":"ins four"}])");
    fx.rows("INSERT INTO child (tb) VALUES (4)");
    CHECK(fx.json("SELECT a FROM tv WHERE b = 4") == R"([{"a":"four!"}])");
    CHECK_FALSE(
        run_sql(fx.eng, fx.ann, fx.db, {"INSERT INTO child (tb) VALUES (99)"}).errors.empty());
    CHECK_FALSE(run_sql(fx.eng, fx.ann, fx.db, {"INSERT INTO t (a, b, pid) VALUES ('x', 9, 42)"})
                    .errors.empty());
    CHECK_FALSE(
        run_sql(fx.eng, fx.ann, fx.db, {"INSERT INTO t (a, b) VALUES ('dup', 1)"}).errors.empty());
    CHECK(fx.json("PRAGMA foreign_keys") == R"([{"foreign_keys":1}])");
    // The explain of a lookup uses the kept index.
    CHECK(fx.json("EXPLAIN QUERY PLAN SELECT * FROM t WHERE a = 'one'").find("t_a") !=
          std::string::npos);
}

TEST_CASE("a failing rebuild rolls back everything", "[tables][rebuild]") {
    tables_fixture fx(
        "CREATE TABLE t (a TEXT, b INT); CREATE INDEX t_a ON t(a);"
        "CREATE VIEW tv AS SELECT a FROM t;"
        "INSERT INTO t VALUES ('x', 1), (NULL, 1), ('y', 2)");
    auto schema = fx.schema();
    auto data = fx.json("SELECT rowid, * FROM t ORDER BY rowid");
    auto msg =
        message_of([&] { update_column(fx.eng, fx.ann, fx.db, "t", "a", {.is_non_null = true}); });
    CHECK_THAT(msg, Catch::Contains("NOT NULL"));
    CHECK(code_of([&] { update_column(fx.eng, fx.ann, fx.db, "t", "a", {.is_non_null = true}); }) ==
          errc::failed_precondition);
    CHECK(code_of([&] { update_column(fx.eng, fx.ann, fx.db, "t", "b", {.is_unique = true}); }) ==
          errc::already_exists);
    CHECK(code_of([&] {
              update_column(fx.eng, fx.ann, fx.db, "t", "b",
                            {.items = std::optional(std::vector<std::string>{"1"})});
          }) == errc::failed_precondition);
    CHECK(code_of([&] {
              update_column(fx.eng, fx.ann, fx.db, "t", "b", {.name = "c", .is_unique = true});
          }) == errc::already_exists);  // the rename rolls back with the rest
    CHECK(fx.schema() == schema);
    CHECK(fx.json("SELECT rowid, * FROM t ORDER BY rowid") == data);
    CHECK(fx.json("PRAGMA foreign_keys") == R"([{"foreign_keys":1}])");
}

TEST_CASE("columns change: rename, type, default, items, check, unique, order, description",
          "[tables][columns]") {
    tables_fixture fx(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT CHECK (s IN ('a', 'b')), n INT UNIQUE, "
        "d TEXT DEFAULT 'x');"
        "CREATE VIEW tv AS SELECT s FROM t;"
        "INSERT INTO t (s, n) VALUES ('a', 1), ('b', 2)");
    auto renamed = update_column(fx.eng, fx.ann, fx.db, "t", "s", {.name = "state"});
    CHECK(renamed.name == "state");
    CHECK(renamed.items == std::optional(std::vector<std::string>{"a", "b"}));
    CHECK(fx.json("SELECT * FROM tv") == R"([{"state":"a"},{"state":"b"}])");

    auto widened = update_column(fx.eng, fx.ann, fx.db, "t", "state",
                                 {.items = std::optional(std::vector<std::string>{"a", "b", "c"})});
    CHECK(widened.items == std::optional(std::vector<std::string>{"a", "b", "c"}));
    fx.rows("INSERT INTO t (state, n) VALUES ('c', 3)");
    auto free_text = update_column(fx.eng, fx.ann, fx.db, "t", "state",
                                   {.items = std::optional<std::vector<std::string>>()});
    CHECK_FALSE(free_text.items);
    CHECK(free_text.input_element == "InputText");

    auto not_unique = update_column(fx.eng, fx.ann, fx.db, "t", "n", {.is_unique = false});
    CHECK_FALSE(not_unique.is_unique);
    fx.rows("INSERT INTO t (n) VALUES (1)");
    CHECK(update_column(fx.eng, fx.ann, fx.db, "t", "n",
                        {.check = std::optional<std::string>("n > 0")})
              .name == "n");
    CHECK_FALSE(run_sql(fx.eng, fx.ann, fx.db, {"INSERT INTO t (n) VALUES (-5)"}).errors.empty());

    update_column(fx.eng, fx.ann, fx.db, "t", "d",
                  {.default_sql = std::optional<std::string>("'y'")});
    fx.rows("INSERT INTO t (n) VALUES (7)");
    CHECK(fx.json("SELECT d FROM t WHERE n = 7") == R"([{"d":"y"}])");
    update_column(fx.eng, fx.ann, fx.db, "t", "d", {.default_sql = std::optional<std::string>()});
    fx.rows("INSERT INTO t (n) VALUES (8)");
    CHECK(fx.json("SELECT d FROM t WHERE n = 8") == R"([{"d":null}])");

    update_column(fx.eng, fx.ann, fx.db, "t", "d", {.after = ""});
    update_column(fx.eng, fx.ann, fx.db, "t", "id", {.after = "n"});
    CHECK(names_of(get_table(fx.eng, fx.ann, fx.db, "t")) ==
          std::vector<std::string>{"d", "state", "n", "id"});
    update_column(fx.eng, fx.ann, fx.db, "t", "n", {.name = "number"});
    CHECK(names_of(get_table(fx.eng, fx.ann, fx.db, "t")) ==
          std::vector<std::string>{"d", "state", "number", "id"});
    update_table(fx.eng, fx.ann, fx.db, "t", {.name = "t2"});
    CHECK(names_of(get_table(fx.eng, fx.ann, fx.db, "t2")) ==
          std::vector<std::string>{"d", "state", "number", "id"});

    CHECK(code_of([&] {
              update_column(fx.eng, fx.ann, fx.db, "t2", "id", {.is_unique = false});
          }) == errc::invalid_argument);
    CHECK(code_of([&] { update_column(fx.eng, fx.ann, fx.db, "t2", "zz", {.is_unique = true}); }) ==
          errc::not_found);
    CHECK(code_of([&] { update_column(fx.eng, fx.ann, fx.db, "t2", "d", {.name = "ID"}); }) ==
          errc::already_exists);
    CHECK(code_of([&] {
              update_column(fx.eng, fx.ann, fx.db, "t2", "d",
                            {.sqlite_data_type = std::string("INT; DROP TABLE t2")});
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              update_column(fx.eng, fx.ann, fx.db, "tv", "state", {.is_unique = true});
          }) == errc::invalid_argument);
}

TEST_CASE("columns are dropped, with their indexes; users of them refuse", "[tables][columns]") {
    tables_fixture fx(
        "CREATE TABLE p (id INTEGER PRIMARY KEY, code TEXT UNIQUE, note TEXT, used TEXT, k TEXT,"
        " extra TEXT);"
        "CREATE INDEX p_note ON p(note);"
        "CREATE TABLE c (pc TEXT REFERENCES p(code));"
        "CREATE VIEW pv AS SELECT used FROM p;"
        "INSERT INTO p (code, note, used, k) VALUES ('a', 'n', 'u', 'k')");
    CHECK(delete_column(fx.eng, fx.ann, fx.db, "p", "k").dropped_indexes.empty());
    auto r = delete_column(fx.eng, fx.ann, fx.db, "p", "note");
    CHECK(r.dropped_indexes == std::vector<std::string>{"p_note"});
    CHECK(fx.json("SELECT count(*) AS n FROM sqlite_master WHERE name = 'p_note'") ==
          R"([{"n":0}])");
    CHECK(fx.json("SELECT id, code, used FROM p") == R"([{"id":1,"code":"a","used":"u"}])");

    auto msg = message_of([&] { delete_column(fx.eng, fx.ann, fx.db, "p", "used"); });
    CHECK_THAT(msg, Catch::Contains("pv"));
    CHECK(code_of([&] { delete_column(fx.eng, fx.ann, fx.db, "p", "code"); }) ==
          errc::failed_precondition);  // the foreign key of c needs it
    CHECK(fx.json("SELECT id, code, used FROM p") == R"([{"id":1,"code":"a","used":"u"}])");
    delete_column(fx.eng, fx.ann, fx.db, "p", "id");  // a primary key: rebuilt without it
    INFO(fx.schema());
    CHECK(fx.json("SELECT rowid, code FROM p") == R"([{"rowid":1,"code":"a"}])");
    CHECK(code_of([&] { delete_column(fx.eng, fx.ann, fx.db, "c", "pc"); }) ==
          errc::failed_precondition);  // the only column
    CHECK(code_of([&] { delete_column(fx.eng, fx.ann, fx.db, "p", "zz"); }) == errc::not_found);
}

TEST_CASE("the tables API checks the caller", "[tables][auth]") {
    tables_fixture fx("CREATE TABLE t (x)");
    auto vic = fx.user("vic");
    auto stranger = fx.user("stranger");
    set_member_roles(fx.eng, fx.ann, "ann", "vic", {{team_role::viewer}});
    CHECK(get_table(fx.eng, vic, fx.db, "t").name == "t");
    CHECK(code_of([&] { create_table(fx.eng, vic, fx.db, "u", {}); }) == errc::permission_denied);
    CHECK(code_of([&] { update_table(fx.eng, vic, fx.db, "t", {.after = ""}); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { delete_table(fx.eng, vic, fx.db, "t"); }) == errc::permission_denied);
    CHECK(code_of([&] { add_column(fx.eng, vic, fx.db, "t", "y", {}); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { update_column(fx.eng, vic, fx.db, "t", "x", {.is_unique = true}); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { delete_column(fx.eng, vic, fx.db, "t", "x"); }) == errc::permission_denied);
    CHECK(code_of([&] { get_table(fx.eng, stranger, fx.db, "t"); }) == errc::not_found);
    CHECK(code_of([&] { get_table(fx.eng, principal::anonymous(), fx.db, "t"); }) ==
          errc::not_found);
}

TEST_CASE("GraphQL follows schema changes made through the tables API", "[tables][graphql]") {
    tables_fixture fx("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a')");
    graphql_request q{.query = "{ t { x } }"};
    CHECK(execute_graphql(fx.eng, fx.ann, fx.db, q).body == R"({"data":{"t":[{"x":"a"}]}})");
    add_column(fx.eng, fx.ann, fx.db, "t", "n",
               {.sqlite_data_type = "INTEGER", .default_sql = "5"});
    graphql_request q2{.query = "{ t { x n } }"};
    CHECK(execute_graphql(fx.eng, fx.ann, fx.db, q2).body == R"({"data":{"t":[{"x":"a","n":5}]}})");
    update_column(fx.eng, fx.ann, fx.db, "t", "n", {.name = "m", .is_non_null = true});
    graphql_request q3{.query = "{ t { x m } }"};
    CHECK(execute_graphql(fx.eng, fx.ann, fx.db, q3).body == R"({"data":{"t":[{"x":"a","m":5}]}})");
}

TEST_CASE("descriptions become GraphQL type and field descriptions at once", "[tables][graphql]") {
    tables_fixture fx("CREATE TABLE t (x TEXT)");
    graphql_request q{
        .query = "{ __type(name: \"t_row\") { description fields { name description } } }"};
    auto before = execute_graphql(fx.eng, fx.ann, fx.db, q).body;
    CHECK_THAT(before, Catch::Contains("A row of the table t."));
    update_table(fx.eng, fx.ann, fx.db, "t", {.description = std::optional<std::string>("Things")});
    update_column(fx.eng, fx.ann, fx.db, "t", "x",
                  {.description = std::optional<std::string>("The x")});
    auto after = execute_graphql(fx.eng, fx.ann, fx.db, q).body;
    CHECK_THAT(after, Catch::Contains("\"description\":\"Things\""));
    CHECK_THAT(after, Catch::Contains("\"description\":\"The x\""));
    // They follow a rename of the column.
    update_column(fx.eng, fx.ann, fx.db, "t", "x", {.name = "y"});
    CHECK_THAT(execute_graphql(fx.eng, fx.ann, fx.db, q).body,
               Catch::Contains("{\"name\":\"y\",\"description\":\"The x\"}"));
    update_table(fx.eng, fx.ann, fx.db, "t", {.description = std::optional<std::string>()});
    CHECK_THAT(execute_graphql(fx.eng, fx.ann, fx.db, q).body,
               Catch::Contains("A row of the table t."));
}

TEST_CASE("a view that names a renamed and then dropped column is not silently kept",
          "[tables][rebuild]") {
    // After RENAME COLUMN, SQLite writes the name in double quotes; without the check's strict
    // quoting a dropped column would read as the string "shade" and the view would "work".
    tables_fixture fx(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT);"
        "CREATE INDEX t_a ON t(a); CREATE VIEW tv AS SELECT a FROM t;");
    update_column(fx.eng, fx.ann, fx.db, "t", "a", {.name = "shade"});
    auto msg = message_of([&] { delete_column(fx.eng, fx.ann, fx.db, "t", "shade"); });
    CHECK_THAT(msg, Catch::Contains("view \"tv\" would no longer work"));
    CHECK(fx.json("SELECT * FROM tv") == "[]");
}

TEST_CASE("renames that only change case, referenced rows and virtual tables", "[tables]") {
    tables_fixture fx(
        "CREATE TABLE t (id INTEGER PRIMARY KEY); CREATE TABLE c (tid REFERENCES t(id));"
        "CREATE VIEW tv AS SELECT id FROM t;"
        "INSERT INTO t VALUES (1); INSERT INTO c VALUES (1);"
        "CREATE VIRTUAL TABLE ft USING fts5(body)");
    update_table(fx.eng, fx.ann, fx.db, "t", {.description = std::optional<std::string>("d")});
    update_table(fx.eng, fx.ann, fx.db, "t", {.name = "T"});
    auto t = get_table(fx.eng, fx.ann, fx.db, "t");
    CHECK(t.name == "T");
    CHECK(t.description == std::optional<std::string>("d"));
    CHECK(fx.json("SELECT * FROM tv") == R"([{"id":1}])");
    delete_table(fx.eng, fx.ann, fx.db, "tv");
    auto msg = message_of([&] { delete_table(fx.eng, fx.ann, fx.db, "T"); });
    CHECK_THAT(msg, Catch::Contains("FOREIGN KEY"));
    CHECK(code_of([&] { delete_table(fx.eng, fx.ann, fx.db, "T"); }) == errc::failed_precondition);
    CHECK(fx.json("SELECT count(*) AS n FROM T") == R"([{"n":1}])");
    CHECK(get_table(fx.eng, fx.ann, fx.db, "ft").columns.size() == 1);
    CHECK(code_of([&] { add_column(fx.eng, fx.ann, fx.db, "ft", "x", {}); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] { delete_column(fx.eng, fx.ann, fx.db, "ft_content", "c0"); }) ==
          errc::invalid_argument);
}

TEST_CASE("a rebuild keeps the AUTOINCREMENT counter and table options", "[tables][rebuild]") {
    tables_fixture fx(
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);"
        "INSERT INTO t (v) VALUES ('a'), ('b'), ('c'); DELETE FROM t WHERE id > 1;"
        "CREATE TABLE s (id INTEGER PRIMARY KEY, n INTEGER) STRICT; INSERT INTO s (n) VALUES (1)");
    update_column(fx.eng, fx.ann, fx.db, "t", "v", {.is_non_null = true});
    fx.rows("INSERT INTO t (v) VALUES ('d')");
    CHECK(fx.json("SELECT id, v FROM t ORDER BY id") == R"([{"id":1,"v":"a"},{"id":4,"v":"d"}])");
    update_column(fx.eng, fx.ann, fx.db, "s", "n", {.is_unique = true});
    CHECK(fx.json("SELECT sql FROM sqlite_master WHERE name = 's'").find("STRICT") !=
          std::string::npos);
    // STRICT tables take only their own types: SQLite's message, nothing changed.
    CHECK(code_of([&] {
              update_column(fx.eng, fx.ann, fx.db, "s", "n",
                            {.sqlite_data_type = std::string("TEXT_COLOR")});
          }) == errc::invalid_argument);
    CHECK(fx.json("SELECT n FROM s") == R"([{"n":1}])");
}

TEST_CASE("a rebuild that runs out of time rolls back", "[tables][rebuild][limits]") {
    test::temp_dir dir;
    std::string db;
    std::string token;
    auto opts = test::engine_fixture::make_options(dir);
    {
        engine eng(opts);
        sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
        db = create_database(
                 eng,
                 principal(authenticate(
                     eng, {.bearer = login(eng, principal::anonymous(), {"ann", "password-ann"})
                                         .session_token})),
                 {"db",
                  "ann",
                  "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); CREATE INDEX t_v ON t(v);"
                  "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r "
                  "WHERE i < 300000) INSERT INTO t (v) SELECT 'row ' || i FROM r",
                  {}})
                 .id;
    }
    {
        auto hurried = opts;
        hurried.sql_timeout = std::chrono::milliseconds(1);
        engine eng(hurried);
        auto ann = authenticate(
            eng,
            {.bearer = login(eng, principal::anonymous(), {"ann", "password-ann"}).session_token});
        CHECK(code_of([&] { update_column(eng, ann, db, "t", "v", {.is_non_null = true}); }) ==
              errc::deadline_exceeded);
    }
    engine eng(opts);
    auto ann = authenticate(
        eng, {.bearer = login(eng, principal::anonymous(), {"ann", "password-ann"}).session_token});
    auto t = get_table(eng, ann, db, "t");
    CHECK(t.number_of_rows == 300000);
    CHECK_FALSE(t.columns[1].is_non_null);
    auto r = run_sql(eng, ann, db, {"SELECT count(*) AS n FROM sqlite_master WHERE name = 't_v'"});
    CHECK(boost::json::serialize(r.rows) == R"([{"n":1}])");
}

TEST_CASE("a duplicate keeps the table order and descriptions", "[tables][order]") {
    tables_fixture fx("CREATE TABLE a (x); CREATE TABLE b (y)");
    update_table(fx.eng, fx.ann, fx.db, "b",
                 {.description = std::optional<std::string>("bee"), .after = ""});
    update_column(fx.eng, fx.ann, fx.db, "b", "y",
                  {.description = std::optional<std::string>("why")});
    auto copy = duplicate_database(fx.eng, fx.ann, fx.db, fx.ann, "ann").id;
    CHECK(tables_of(get_database(fx.eng, fx.ann, copy)) == std::vector<std::string>{"b", "a"});
    CHECK(get_table(fx.eng, fx.ann, copy, "b").description == std::optional<std::string>("bee"));
    graphql_request q{.query = "{ __type(name: \"b_row\") { fields { name description } } }"};
    CHECK_THAT(execute_graphql(fx.eng, fx.ann, copy, q).body, Catch::Contains("why"));
}
