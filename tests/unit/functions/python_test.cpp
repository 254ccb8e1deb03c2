// SPDX-License-Identifier: Apache-2.0
// Python functions in the library: what is refused without python3/bwrap, the reader of the
// runner's check answer, the uid drop of a child, and (where python3 and bwrap exist, as
// scripts/install-deps installs them) a real sandbox checking and running a module.
#include <unistd.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"
#include "functions/child_process.hpp"
#include "functions/python_host.hpp"

using namespace airsql;
namespace bj = boost::json;

namespace {

bool have_sandbox() {
    return std::filesystem::exists("/usr/bin/python3") && std::filesystem::exists("/usr/bin/bwrap");
}

options sandbox_options(const test::temp_dir& dir) {
    auto o = test::engine_fixture::make_options(dir);
    o.python_executable = "/usr/bin/python3";
    o.bwrap_executable = "/usr/bin/bwrap";
    o.function_runner_dir = std::filesystem::path(AIRSQL_TEST_DATA_DIR) / ".." / ".." /
                            "libairsql" / "share" / "functions";
    o.function_timeout = std::chrono::milliseconds(5000);
    return o;
}

}  // namespace

TEST_CASE("Python functions are unavailable without python3 and bwrap", "[functions][python]") {
    test::engine_fixture f;  // neither configured
    auto ann = f.user("ann");
    auto db = f.database(ann, "ann", "CREATE TABLE t (x)");
    function_input in{"f", std::nullopt, "python", "async def main(c):\n    return 1\n", false, {}};
    try {
        create_function(f.eng, ann, db, in);
        FAIL("created without python3");
    } catch (const error& e) {
        CHECK(e.code() == errc::unavailable);
        CHECK(std::string(e.what()).find("Python") != std::string::npos);
    }
    in.runtime = "python2";
    try {
        create_function(f.eng, ann, db, in);
        FAIL("bad runtime accepted");
    } catch (const error& e) {
        CHECK(e.code() == errc::invalid_argument);
    }
}

TEST_CASE("the runner's check answer becomes diagnostics, bad shapes are skipped",
          "[functions][python]") {
    auto d = functions::python_diagnostics(bj::parse(R"({"diagnostics": [
        {"message": "invalid syntax", "code": "SyntaxError", "line": 2, "column": 15, "syntax": true},
        {"message": "no main", "line": 0, "column": 0, "syntax": false},
        "not an object", {"line": "x"}]})")
                                               .as_object());
    REQUIRE(d.size() == 3);
    CHECK(d[0].code == std::optional<std::string>("SyntaxError"));
    CHECK((d[0].line == 2 && d[0].column == 15 && d[0].syntax));
    CHECK_FALSE(d[1].syntax);
    CHECK(d[2].message.empty());
    CHECK(functions::python_diagnostics(bj::object{}).empty());
    CHECK(functions::python_diagnostics(bj::parse(R"({"diagnostics": 5})").as_object()).empty());
}

TEST_CASE("a child drops to the uid it is given, with NPROC counting that uid",
          "[functions][python]") {
    if (::geteuid() != 0) {
        WARN("needs root: skipped");
        return;
    }
    functions::child_limits limits;
    limits.run_as_uid = 2'147'000'100u;
    limits.max_processes = 16;
    auto r = functions::run_to_end("/usr/bin/id", {}, {}, limits, std::chrono::seconds(5), 4096);
    CHECK(r.output == "uid=2147000100 gid=2147000100 groups=2147000100\n");
}

TEST_CASE("a real sandbox checks and runs a Python module", "[functions][python]") {
    if (!have_sandbox()) {
        WARN("no /usr/bin/python3 or /usr/bin/bwrap: skipped");
        return;
    }
    test::temp_dir dir;
    auto opts = sandbox_options(dir);
    functions::python_sandbox sandbox(opts);
    auto d = sandbox.check("async def main(context):\n    return 1 +\n", "db1");
    REQUIRE(d.size() == 1);
    CHECK((d[0].line == 2 && d[0].column == 15 && d[0].syntax));
    CHECK(sandbox.check("async def main(context):\n    return 1\n", "db1").empty());

    int asked = 0;
    auto out = sandbox.call(
        "import os\nasync def main(context):\n    print('hi', context.method)\n"
        "    r = await context.sql('SELECT 1')\n"
        "    return {'m': context.method, 'r': r, 'env': dict(os.environ)}\n",
        bj::object{{"method", "PUT"}}, std::chrono::milliseconds(5000),
        [&](const bj::object& m) -> bj::value {
            ++asked;
            CHECK(m.at("t").as_string() == "sql");
            CHECK(m.at("query").as_string() == "SELECT 1");
            return bj::object{{"rows", bj::array{1}}};
        },
        "db1");
    CHECK(asked == 1);
    REQUIRE(out.how == functions::call_outcome::kind::ok);
    CHECK(out.result.at("kind").as_string() == "json");
    CHECK(bj::parse(out.result.at("body").as_string()) ==
          bj::parse(R"({"m": "PUT", "r": {"rows": [1]}, "env": {}})"));
    REQUIRE(out.logs.size() == 1);
    CHECK(out.logs[0].at("message").as_string() == "hi PUT");

    // An endless loop is stopped at the limit; the next call gets a working sandbox.
    out = sandbox.call(
        "def main(c):\n    while True: pass\n", {}, std::chrono::milliseconds(500),
        [](const bj::object&) -> bj::value { return nullptr; }, "db1");
    CHECK(out.how == functions::call_outcome::kind::timeout);
    out = sandbox.call(
        "def main(c):\n    return 'ok'\n", {}, std::chrono::milliseconds(5000),
        [](const bj::object&) -> bj::value { return nullptr; }, "db1");
    CHECK(out.how == functions::call_outcome::kind::ok);
}

TEST_CASE("one database holds at most half the Python sandboxes", "[functions][python]") {
    if (!have_sandbox()) {
        WARN("no /usr/bin/python3 or /usr/bin/bwrap: skipped");
        return;
    }
    test::temp_dir dir;
    auto opts = sandbox_options(dir);
    opts.function_python_max_concurrent_calls = 4;
    functions::python_sandbox sandbox(opts);
    REQUIRE(sandbox.per_tenant_limit() == 2);
    auto none = [](const bj::object&) -> bj::value { return nullptr; };
    const std::string slow = "import time\ndef main(c):\n    time.sleep(3)\n    return 'slow'\n";
    // Database "a" fills its share with two slow calls.
    std::vector<std::thread> busy;
    std::atomic<int> slow_done{0};
    for (int i = 0; i < 2; ++i) {
        busy.emplace_back([&] {
            auto out = sandbox.call(slow, {}, std::chrono::milliseconds(8000), none, "a");
            if (out.how == functions::call_outcome::kind::ok) ++slow_done;
        });
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    // A third call of "a" waits for its own share, not for the free sandboxes: it gives up.
    try {
        sandbox.call("def main(c):\n    return 'a'\n", {}, std::chrono::milliseconds(800), none,
                     "a");
        FAIL("a third call of the same database ran beside its two slow ones");
    } catch (const error& e) {
        CHECK(e.code() == errc::deadline_exceeded);
        CHECK(std::string(e.what()).find("this database's Python calls") != std::string::npos);
    }
    // Another database is served at once from the sandboxes left.
    auto out = sandbox.call("def main(c):\n    return 'b'\n", {}, std::chrono::milliseconds(5000),
                            none, "b");
    CHECK(out.how == functions::call_outcome::kind::ok);
    for (auto& t : busy) t.join();
    CHECK(slow_done == 2);
}
