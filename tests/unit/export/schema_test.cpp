// SPDX-License-Identifier: Apache-2.0
#include <boost/json/parse.hpp>
#include <boost/json/value_from.hpp>
#include <cstdio>

#include "catch.hpp"
#include "export_fixture.hpp"

using namespace airsql;
using test::code_of;

namespace {

// What the real sqlite3 CLI prints for `.schema` ("" when the CLI is not installed).
std::string cli_schema(const std::filesystem::path& file) {
    auto command = "sqlite3 -readonly '" + file.string() + "' .schema 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return {};
    std::string out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    return ::pclose(pipe) == 0 ? out : std::string();
}

bool have_cli() { return std::system("sqlite3 -version >/dev/null 2>&1") == 0; }

}  // namespace

TEST_CASE("schema text equals the sqlite3 CLI's .schema output", "[export]") {
    if (!have_cli()) {
        WARN("sqlite3 CLI not installed: comparison skipped");
        return;
    }
    const char* scripts[] = {
        // tables, an autoindex (UNIQUE), AUTOINCREMENT's sqlite_sequence, an index, a view,
        // a trigger, a weirdly named table, a keyword-named column
        "CREATE TABLE t(id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT UNIQUE, b -- comment\n);"
        "CREATE TABLE \"weird name\"(x, \"select\");"
        "CREATE INDEX i ON t(a, b);"
        "CREATE VIEW v AS SELECT a, b AS bee FROM t;"
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET b = 1 WHERE id = new.id; END;"
        "CREATE TABLE select_(\"select\" TEXT, [order] INT, `group` REAL)",
        // a virtual table with its shadow tables, and a view over it
        "CREATE VIRTUAL TABLE ft USING fts5(title, body);"
        "CREATE TABLE lower_case (x) ; create index lower_ix on lower_case (x);"
        "CREATE VIEW \"v 2\" AS SELECT x AS \"Ti tle\", 1 AS one FROM lower_case",
        // comments, quoted names in the CREATE, a table ending in a comment
        "CREATE TABLE 'single'(a /* inline */, b);"
        "CREATE TABLE [brackets](a);"
        "CREATE TABLE ends_in_comment(a) -- trailing",
        // nothing at all
        "",
    };
    for (const char* script : scripts) {
        test::export_fixture fx(script);
        auto expected = cli_schema(fx.file());
        INFO(script);
        if (*script) REQUIRE(!expected.empty());
        CHECK(schema_text(fx.eng, fx.ann, fx.db) == expected);
    }
}

TEST_CASE("schema text needs read access", "[export]") {
    test::export_fixture fx("CREATE TABLE t(x)");
    CHECK(schema_text(fx.eng, fx.ann, fx.db) == "CREATE TABLE t(x);\n");
    CHECK(code_of([&] { schema_text(fx.eng, fx.token(token_access::insertonly), fx.db); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { schema_text(fx.eng, principal::anonymous(), fx.db); }) == errc::not_found);
}

TEST_CASE("the Azimutt schema has tables, keys, uniques, indexes, checks and relations",
          "[export]") {
    test::export_fixture fx(
        "CREATE TABLE todos (id TEXT NOT NULL PRIMARY KEY CHECK (id IS NOT 0), "
        "title TEXT DEFAULT 'untitled', done INTEGER NOT NULL DEFAULT 0, "
        "UNIQUE (title), CONSTRAINT done_bool CHECK (done IN (0, 1)));"
        "CREATE TABLE people (id TEXT NOT NULL PRIMARY KEY, name TEXT);"
        "CREATE TABLE assignments (todo_id TEXT REFERENCES todos(id), person TEXT "
        "REFERENCES people, PRIMARY KEY (todo_id, person));"
        "CREATE TABLE counters (n INTEGER PRIMARY KEY);"
        "CREATE INDEX people_name ON people (name);"
        "CREATE UNIQUE INDEX people_name_u ON people (name, id);"
        "CREATE VIEW open_todos AS SELECT id, title FROM todos WHERE done = 0");
    auto s = get_azimutt_schema(fx.eng, fx.ann, fx.db);
    REQUIRE(s.tables.size() == 5);
    const auto& todos = s.tables[0];
    CHECK(todos.table == "todos");
    CHECK(todos.schema == "public");
    CHECK(!todos.view);
    REQUIRE(todos.columns.size() == 3);
    CHECK(todos.columns[0].name == "id");
    CHECK(todos.columns[0].type == "TEXT");
    CHECK(!todos.columns[0].nullable);
    CHECK(todos.columns[1].nullable);
    CHECK(todos.columns[1].default_value == std::optional<std::string>("'untitled'"));
    REQUIRE(todos.primary_key);
    CHECK(todos.primary_key->columns == std::vector<std::string>{"id"});
    CHECK(todos.primary_key->name == "id");
    REQUIRE(todos.uniques.size() == 1);
    CHECK(todos.uniques[0].columns == std::vector<std::string>{"title"});
    CHECK(todos.uniques[0].name == "title_unique");
    CHECK(todos.uniques[0].definition == "(title)");
    REQUIRE(todos.checks.size() == 2);
    CHECK(todos.checks[0].name == "id_check");
    CHECK(todos.checks[0].predicate == "id IS NOT 0");
    CHECK(todos.checks[0].columns == std::vector<std::string>{"id"});
    CHECK(todos.checks[1].name == "done_bool");
    CHECK(todos.checks[1].predicate == "done IN (0, 1)");

    const auto& people = s.tables[1];
    CHECK(!s.tables[3].columns[0].nullable);  // a rowid alias cannot be NULL
    REQUIRE(people.indexes.size() == 1);
    CHECK(people.indexes[0].name == "people_name");
    CHECK(people.indexes[0].columns == std::vector<std::string>{"name"});
    CHECK(people.indexes[0].definition == "CREATE INDEX people_name ON people (name)");
    REQUIRE(people.uniques.size() == 1);
    CHECK(people.uniques[0].columns == std::vector<std::string>{"name", "id"});

    const auto& assignments = s.tables[2];
    REQUIRE(assignments.primary_key);
    CHECK(assignments.primary_key->columns == std::vector<std::string>{"todo_id", "person"});
    CHECK(assignments.primary_key->name == "todo_id_person");

    CHECK(s.tables[4].view);
    CHECK(s.tables[4].definition ==
          std::optional<std::string>("CREATE VIEW open_todos AS SELECT id, title FROM todos "
                                     "WHERE done = 0"));

    REQUIRE(s.relations.size() == 2);
    CHECK(s.relations[0].src.table == "assignments");
    CHECK(s.relations[0].src.column == "todo_id");
    CHECK(s.relations[0].ref.table == "todos");
    CHECK(s.relations[0].ref.column == "id");
    CHECK(s.relations[1].src.column == "person");
    CHECK(s.relations[1].ref.table == "people");
    CHECK(s.relations[1].ref.column == "id");  // REFERENCES people: its primary key

    // The JSON shape of Airsequel's example.
    auto json = boost::json::value_from(s);
    auto& t0 = json.at("tables").at(0).as_object();
    for (auto key : {"checks", "columns", "comment", "primaryKey", "schema", "table", "uniques",
                     "view", "indexes"}) {
        CHECK(t0.contains(key));
    }
    auto& c0 = t0.at("columns").at(0).as_object();
    CHECK(c0 == boost::json::parse(R"({"columns": [], "comment": null, "default": null,
                                       "name": "id", "nullable": false, "type": "TEXT"})")
                    .as_object());
    CHECK(t0.at("primaryKey") == boost::json::parse(R"({"columns": ["id"], "name": "id"})"));
    CHECK(t0.at("uniques").at(0) ==
          boost::json::parse(R"j({"columns": ["title"], "definition": "(title)", "name": "title_unique"})j"));
    CHECK(t0.at("checks").at(0) ==
          boost::json::parse(R"({"columns": ["id"], "name": "id_check", "predicate": "id IS NOT 0"})"));
    CHECK(json.at("relations").at(0) ==
          boost::json::parse(R"({"name": "assignments_todo_id_fkey",
              "src": {"schema": "public", "table": "assignments", "column": "todo_id"},
              "ref": {"schema": "public", "table": "todos", "column": "id"}})"));
}
