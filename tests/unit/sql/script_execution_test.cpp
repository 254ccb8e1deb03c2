// SPDX-License-Identifier: Apache-2.0
#include "sql/script_execution.hpp"

#include <boost/json/serialize.hpp>

#include "catch.hpp"
#include "hosted_scratch.hpp"

using namespace airsql;

namespace {

struct scratch : test::hosted_scratch {
    sql_result run(std::string_view script,
                   sqlite::sql_rights rights = sqlite::sql_rights::read_write,
                   std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        sql::script_settings s;
        s.rights = rights;
        s.timeout = timeout;
        return sql::execute_script(*conn, script, s);
    }
};

std::string first_error(const sql_result& r) { return r.errors.empty() ? "" : r.errors.front(); }

}  // namespace

TEST_CASE("rows keep the result-column order and map SQLite values to JSON", "[sql]") {
    scratch s;
    auto r = s.run("SELECT 0 AS b, 0 AS a, NULL AS n, 1.5 AS f, 'x' AS t, 8000000000 AS big, "
                   "x'00ff' AS blob");
    REQUIRE(r.errors.empty());
    CHECK(boost::json::serialize(r.rows) ==
          R"([{"b":0,"a":0,"n":null,"f":1.5E0,"t":"x","big":8000000000,"blob":{"type":"blob"}}])");
    CHECK(r.affected_tables.empty());
    CHECK(r.num_changes == 0);
    CHECK(r.runtime_seconds >= 0);
}

TEST_CASE("a script runs every statement in one transaction", "[sql]") {
    scratch s;
    auto r = s.run("CREATE TABLE notes (content TEXT); CREATE TABLE todos (title TEXT);"
                   "INSERT INTO notes VALUES ('a'), ('b'); SELECT count(*) AS n FROM notes;");
    REQUIRE(first_error(r) == "");
    CHECK(boost::json::serialize(r.rows) == R"([{"n":2}])");
    CHECK(r.num_changes == 2);
    CHECK(r.affected_tables == std::vector<std::string>{"notes", "todos"});

    // A failing last statement leaves nothing behind.
    r = s.run("INSERT INTO notes VALUES ('c'); SELECT * FROM missing;");
    CHECK(first_error(r) == "no such table: missing");
    CHECK(r.rows.empty());
    CHECK(r.num_changes == 0);
    r = s.run("SELECT count(*) AS n FROM notes");
    CHECK(boost::json::serialize(r.rows) == R"([{"n":2}])");
}

TEST_CASE("affected tables follow the AirGQL rules", "[sql]") {
    scratch s;
    s.run("CREATE TABLE notes (content TEXT); CREATE TABLE todos (title TEXT);");
    CHECK(s.run("ALTER TABLE notes ADD COLUMN title TEXT").affected_tables ==
          std::vector<std::string>{"notes"});
    CHECK(s.run("CREATE VIEW v AS SELECT content FROM notes").affected_tables ==
          std::vector<std::string>{"v"});
    CHECK(s.run("UPDATE notes SET content = 'b' WHERE 0").affected_tables.empty());
    auto all = s.run("INSERT INTO notes (content) VALUES ('x')");
    CHECK(all.affected_tables == std::vector<std::string>{"notes", "todos", "v"});
    CHECK(s.run("SELECT * FROM notes").num_changes == 0);
    CHECK(s.run("DROP TABLE todos").affected_tables == std::vector<std::string>{"todos"});
    CHECK(s.run("CREATE INDEX notes_content ON notes(content)").affected_tables ==
          std::vector<std::string>{"notes"});
}

TEST_CASE("tables the GraphQL API cannot address are refused", "[sql]") {
    scratch s;
    auto r = s.run("CREATE TABLE foo (bar INTEGER PRIMARY KEY) WITHOUT ROWID");
    CHECK_THAT(first_error(r), Catch::Contains("rowid"));
    r = s.run("CREATE TABLE foo ( bar TEXT references goo(rowid) )");
    CHECK_THAT(first_error(r), Catch::Contains("references the rowid"));
    s.run("CREATE TABLE plain (x TEXT)");
    r = s.run("CREATE TABLE child (p INTEGER REFERENCES plain)");
    CHECK_THAT(first_error(r), Catch::Contains("rowid"));
    r = s.run("SELECT name FROM sqlite_master WHERE name IN ('foo', 'child')");
    CHECK(r.rows.empty());
    // A real key column named like the rowid is fine.
    r = s.run("CREATE TABLE p2 (oid INTEGER PRIMARY KEY); CREATE TABLE c2 (x REFERENCES p2(oid))");
    CHECK(first_error(r) == "");
}

TEST_CASE("user SQL cannot escape its database", "[sql][sqlite]") {
    scratch s;
    auto denied = [&](std::string_view sql, std::string_view phrase) {
        auto r = s.run(sql);
        INFO(sql);
        CHECK_THAT(first_error(r), Catch::Contains(std::string(phrase)));
    };
    denied("ATTACH DATABASE '/tmp/x.sqlite' AS x", "ATTACH");
    denied("DETACH DATABASE x", "ATTACH");
    denied("SELECT load_extension('libx')", "extension");
    denied("PRAGMA writable_schema = 1", "writable_schema");
    denied("PRAGMA journal_mode = DELETE", "journal_mode");
    denied("PRAGMA database_list", "database_list");
    denied("BEGIN; SELECT 1; COMMIT;", "transaction");
    denied("SAVEPOINT a", "transaction");
    denied("VACUUM", "");
    denied("CREATE VIRTUAL TABLE x USING dbstat", "not allowed");
    denied("SELECT * FROM dbstat", "dbstat");
    denied("SELECT fts3_tokenizer('simple')", "fts3_tokenizer");
    denied("CREATE TEMP TABLE z (a)", "TEMP");
    denied("PRAGMA hard_heap_limit = 1000", "hard_heap_limit");
    CHECK(s.run("CREATE VIRTUAL TABLE docs USING fts5(body)").errors.empty());
    CHECK(s.run("PRAGMA table_info('docs')").errors.empty());
    CHECK(s.run("PRAGMA user_version = 3").errors.empty());
    CHECK(boost::json::serialize(s.run("PRAGMA user_version").rows) ==
          R"([{"user_version":3}])");
}

TEST_CASE("read-only rights run queries and refuse every write", "[sql][sqlite]") {
    scratch s;
    s.run("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);");
    auto ro = sqlite::sql_rights::read_only;
    CHECK(s.run("SELECT x FROM t", ro).errors.empty());
    for (auto sql : {"INSERT INTO t VALUES (2)", "UPDATE t SET x = 3", "DELETE FROM t",
                     "CREATE TABLE u (y)", "DROP TABLE t", "CREATE TEMP TABLE z (a)",
                     "PRAGMA user_version = 9", "ANALYZE",
                     "WITH n AS (SELECT 1) INSERT INTO t SELECT * FROM n"}) {
        INFO(sql);
        CHECK_THAT(first_error(s.run(sql, ro)), Catch::Contains("read-only"));
    }
    CHECK(boost::json::serialize(s.run("SELECT x FROM t").rows) == R"([{"x":1}])");
    // After another connection changed the schema, SQLite retries the prepare and reports the
    // denial differently; the reason must still be there.
    auto reader = database::open_hosted_connection(s.dir.path() / "main.sqlite", s.opts, false);
    sql::script_settings settings;
    settings.rights = ro;
    CHECK(sql::execute_script(*reader, "SELECT 1", settings).errors.empty());
    s.run("CREATE TABLE changed (z)");
    CHECK_THAT(first_error(sql::execute_script(*reader, "CREATE TABLE u (y)", settings)),
               Catch::Contains("read-only"));
}

TEST_CASE("a runaway query is interrupted at the deadline", "[sql][sqlite]") {
    scratch s;
    auto started = std::chrono::steady_clock::now();
    auto r = s.run("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                   "SELECT count(*) FROM c",
                   sqlite::sql_rights::read_write, std::chrono::milliseconds(200));
    auto took = std::chrono::steady_clock::now() - started;
    CHECK_THAT(first_error(r), Catch::Contains("timed out"));
    CHECK(took < std::chrono::seconds(3));
    // The connection is usable afterwards.
    CHECK(s.run("SELECT 1").errors.empty());
}

TEST_CASE("result caps are errors, not truncations", "[sql]") {
    scratch s;
    sql::script_settings settings;
    settings.rights = sqlite::sql_rights::read_write;
    settings.max_rows = 10;
    auto r = sql::execute_script(
        *s.conn, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 11) "
                 "SELECT x FROM c", settings);
    CHECK_THAT(first_error(r), Catch::Contains("more than 10 rows"));
    CHECK(r.rows.empty());
}

TEST_CASE("a locked schema refuses DDL but allows data changes", "[sql]") {
    scratch s;
    s.run("CREATE TABLE t (x INTEGER)");
    sql::script_settings settings;
    settings.rights = sqlite::sql_rights::read_write;
    settings.schema_locked = true;
    CHECK_THAT(first_error(sql::execute_script(*s.conn, "CREATE TABLE u (y)", settings)),
               Catch::Contains("locked"));
    CHECK(sql::execute_script(*s.conn, "INSERT INTO t VALUES (1)", settings).errors.empty());
}

TEST_CASE("a script that would make the schema larger than max_schema_bytes changes nothing",
          "[sql][limits]") {
    scratch s;
    sql::script_settings settings;
    settings.rights = sqlite::sql_rights::read_write;
    settings.max_schema_bytes = 8 * 1024;  // 400 columns take about 10 KiB
    std::string wide = "CREATE TABLE wide (";
    for (int i = 0; i < 400; ++i) wide += (i ? ", c" : "c") + std::to_string(i) + " TEXT";
    wide += ");";
    auto r = sql::execute_script(*s.conn, "CREATE TABLE small (x TEXT);", settings);
    REQUIRE(first_error(r) == "");
    r = sql::execute_script(*s.conn, "INSERT INTO small VALUES ('a');" + wide, settings);
    CHECK_THAT(first_error(r), Catch::Contains("the database schema would take") &&
                                   Catch::Contains("more than the limit of 8192"));
    r = s.run("SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'wide') AS wide, "
              "(SELECT count(*) FROM small) AS rows");
    CHECK(boost::json::serialize(r.rows) == R"([{"wide":0,"rows":0}])");
    // Scripts that do not touch the schema run whatever its size (it is never measured).
    settings.max_schema_bytes = 1;
    r = sql::execute_script(*s.conn, "INSERT INTO small VALUES ('b')", settings);
    CHECK(first_error(r) == "");
}
