// SPDX-License-Identifier: Apache-2.0
// Functions without a running Deno: the reader of `deno check` output, and what the API
// refuses before it would start Deno (the integration tests run the real one).
#include <string>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"
#include "functions/child_process.hpp"
#include "functions/deno_check.hpp"

#include <unistd.h>

using namespace airsql;

TEST_CASE("deno check output gives type errors with their code, line and column", "[functions]") {
    auto d = functions::parse_check_output(
        "Check file:///s/mod.ts\n"
        "TS2322 [ERROR]: Type 'string' is not assignable to type 'number'.\n"
        "const x: number = \"s\";\n      ^\n    at file:///s/mod.ts:1:7\n\n"
        "TS2304 [ERROR]: Cannot find name 'y'.\n    at file:///s/mod.ts:4:12\n\n"
        "Found 2 errors.\n\nerror: Type checking failed.\n",
        "/s/mod.ts", "mod.ts");
    REQUIRE(d.size() == 2);
    CHECK(d[0].code == std::optional<std::string>("TS2322"));
    CHECK(d[0].message == "Type 'string' is not assignable to type 'number'.");
    CHECK((d[0].line == 1 && d[0].column == 7));
    CHECK_FALSE(d[0].syntax);
    CHECK((d[1].line == 4 && d[1].column == 12));
}

TEST_CASE("deno check output marks parse errors and hides the scratch path", "[functions]") {
    auto d = functions::parse_check_output(
        "error: SyntaxError: Expression expected\n  |\n2 |   return 1 +;\n  |   ~\n"
        "    at file:///s/mod.ts:2:13\n"
        "error: Module not found \"file:///s/mod.ts\".\n",
        "/s/mod.ts", "mod.ts");
    REQUIRE(d.size() == 2);
    CHECK(d[0].syntax);
    CHECK(d[0].message == "SyntaxError: Expression expected");
    CHECK((d[0].line == 2 && d[0].column == 13));
    CHECK(d[1].message == "Module not found \"mod.ts\".");
    CHECK(d[1].line == 0);
    CHECK(functions::parse_check_output("", "/s/mod.ts", "mod.ts").empty());
}

TEST_CASE("functions are refused without Deno, for the wrong roles, and with bad input",
          "[functions]") {
    test::engine_fixture f;  // no deno_executable
    auto ann = f.user("ann");
    auto db = f.database(ann, "ann", "CREATE TABLE t (x)");
    CHECK(list_functions(f.eng, ann, db).empty());
    function_input in{"f", std::nullopt, "deno", "export default () => 1", false, {}};
    try {
        create_function(f.eng, ann, db, in);
        FAIL("created without Deno");
    } catch (const error& e) {
        CHECK(e.code() == errc::unavailable);
    }
    auto bob = f.user("bob");
    try {
        create_function(f.eng, bob, db, in);
        FAIL("a stranger created a function");
    } catch (const error& e) {
        CHECK(e.code() == errc::not_found);
    }
    in.runtime = "cobol";
    try {
        create_function(f.eng, ann, db, in);
        FAIL("bad runtime accepted");
    } catch (const error& e) {
        CHECK(e.code() == errc::invalid_argument);
    }
    try {
        call_function(f.eng, ann, "01aaaaaaaaaaaaaaaaaaaaaaaa", {});
        FAIL("unknown function called");
    } catch (const error& e) {
        CHECK(e.code() == errc::not_found);
    }
}

TEST_CASE("writing to a runtime that died is an error, not SIGPIPE", "[functions]") {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    ::close(fds[0]);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    CHECK_FALSE(functions::write_all(fds[1], "hello\n", deadline));
    ::close(fds[1]);
}
