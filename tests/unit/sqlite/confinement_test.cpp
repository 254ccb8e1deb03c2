// SPDX-License-Identifier: Apache-2.0
#include "sqlite/confinement.hpp"

#include <sqlite3.h>

#include <fmt/format.h>

#include <chrono>
#include <random>
#include <set>
#include <thread>

#include "catch.hpp"
#include "airsql/memory_only.hpp"
#include "hosted_scratch.hpp"
#include "temp_dir.hpp"
#include "sqlite/sql_allowlist.hpp"

using namespace airsql;

namespace {

struct hosted_scratch : test::hosted_scratch {
    hosted_scratch() { conn->exec("CREATE TABLE t (x)"); }
};

std::set<std::string> names_from(sqlite::connection& conn, const std::string& sql) {
    std::set<std::string> out;
    auto st = conn.prepare(sql);
    while (st.step()) out.insert(st.text(0));
    return out;
}

// Prepares `sql` under a confinement and returns the authorizer's denial ("" when allowed).
std::string denial_for(sqlite::connection& conn, const std::string& sql, sqlite::sql_rights rights) {
    sqlite::confinement guard(conn, rights, std::chrono::steady_clock::now() + std::chrono::seconds(5));
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(conn.handle(), sql.c_str(), -1, &st, nullptr);
    sqlite3_finalize(st);
    return guard.denial();
}

template <class Range, class Name>
bool contains(const Range& range, std::string_view name, Name name_of) {
    for (const auto& item : range) {
        if (name_of(item) == name) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("every SQLite function is either allowed or refused, never both", "[sqlite][security]") {
    hosted_scratch s;
    auto names = names_from(*s.conn, "SELECT DISTINCT name FROM pragma_function_list");
    REQUIRE(names.size() > 100);
    for (const auto& name : names) {
        INFO(name);
        bool allowed = sqlite::is_allowed_function(name);
        bool refused = sqlite::find_refused_function(name) != nullptr;
        CHECK(allowed != refused);  // a new SQLite function fails here until it is classified
    }
    for (const auto& r : sqlite::refused_functions()) CHECK_FALSE(sqlite::is_allowed_function(r.name));
}

TEST_CASE("the authorizer applies the function lists", "[sqlite][security]") {
    hosted_scratch s;
    auto st = s.conn->prepare("SELECT DISTINCT name, narg FROM pragma_function_list");
    std::vector<std::pair<std::string, std::int64_t>> functions;
    while (st.step()) functions.emplace_back(st.text(0), st.int64(1));
    for (const auto& [name, narg] : functions) {
        if (!std::isalpha(static_cast<unsigned char>(name[0]))) continue;  // -> and ->>
        std::string args;
        for (std::int64_t i = 0; i < (narg < 0 ? 1 : narg); ++i) {
            args += i ? ", NULL" : "NULL";
        }
        auto sql = fmt::format("SELECT {}({}) FROM t", name, args);
        INFO(sql);
        auto denial = denial_for(*s.conn, sql, sqlite::sql_rights::read_only);
        if (sqlite::is_allowed_function(name)) {
            CHECK(denial == "");
        } else {
            CHECK_THAT(denial, Catch::Contains("not allowed"));
        }
    }
}

TEST_CASE("every SQLite pragma has a rule, and the authorizer applies it", "[sqlite][security]") {
    hosted_scratch s;
    auto names = names_from(*s.conn, "SELECT name FROM pragma_pragma_list");
    REQUIRE(names.size() > 50);
    auto ro = sqlite::sql_rights::read_only;
    auto rw = sqlite::sql_rights::read_write;
    for (const auto& name : names) {
        INFO(name);
        const auto* rule = sqlite::find_pragma_rule(name);
        REQUIRE(rule != nullptr);  // a new SQLite pragma fails here until it has a rule
        auto read = "PRAGMA " + name;
        auto set = "PRAGMA " + name + " = 0";
        switch (rule->use) {
            case sqlite::pragma_use::refused:
                CHECK_THAT(denial_for(*s.conn, read, rw), Catch::Contains("not allowed"));
                CHECK_THAT(denial_for(*s.conn, set, rw), Catch::Contains("not allowed"));
                break;
            case sqlite::pragma_use::introspect:
                CHECK(denial_for(*s.conn, read, ro) == "");
                break;
            case sqlite::pragma_use::read:
                CHECK(denial_for(*s.conn, read, ro) == "");
                CHECK_THAT(denial_for(*s.conn, set, rw), Catch::Contains("only be read"));
                break;
            case sqlite::pragma_use::read_or_set:
                CHECK(denial_for(*s.conn, read, ro) == "");
                CHECK_THAT(denial_for(*s.conn, set, ro), Catch::Contains("read-only"));
                CHECK(denial_for(*s.conn, set, rw) == "");
                break;
        }
    }
    for (const auto& rule : sqlite::pragma_rules()) {
        INFO(rule.name);
        CHECK(names.count(std::string(rule.name)) == 1);  // no stale rules
        CHECK((rule.use == sqlite::pragma_use::refused) == !rule.reason.empty());
    }
}

TEST_CASE("every virtual-table module is either allowed or refused", "[sqlite][security]") {
    hosted_scratch s;
    auto names = names_from(*s.conn, "SELECT name FROM pragma_module_list");
    REQUIRE(names.count("fts5") == 1);
    for (const auto& name : names) {
        INFO(name);
        bool allowed = sqlite::is_allowed_module(name);
        bool refused = sqlite::find_refused_module(name) != nullptr;
        CHECK(allowed != refused);
        auto sql = fmt::format("CREATE VIRTUAL TABLE v_{} USING {}(a)", name, name);
        auto denial = denial_for(*s.conn, sql, sqlite::sql_rights::read_write);
        if (refused) CHECK_THAT(denial, Catch::Contains("not allowed"));
        if (allowed) CHECK(denial == "");
    }
    for (auto name : {"dbstat", "sqlite_stmt", "fts3tokenize"}) {
        INFO(name);
        if (names.count(name)) {
            CHECK_THAT(denial_for(*s.conn, fmt::format("SELECT * FROM {}", name),
                                  sqlite::sql_rights::read_only),
                       Catch::Contains("not allowed"));
        }
    }
}

TEST_CASE("refused functions are refused in views used by generated SQL too", "[sqlite][security]") {
    hosted_scratch s;
    // Views may be created (their functions are checked whenever they are used)...
    s.conn->exec("CREATE VIEW leak AS SELECT fts3_tokenizer('simple') AS p");
    // ...but SQL that airsql generates cannot run them either.
    CHECK_THROWS(s.conn->prepare("SELECT p FROM leak"));
    CHECK_NOTHROW(s.conn->prepare("SELECT json_object('a', 1), x FROM t"));
}

TEST_CASE("bounded LIKE, GLOB, instr, replace and trim match SQLite's built-ins", "[sqlite][security]") {
    hosted_scratch s;
    sqlite::connection plain(s.dir.path() / "plain.sqlite", sqlite::connection::mode::read_write_create);
    const std::vector<std::string> alphabet = {"a", "A", "b", "%", "_", "*", "?", "[", "]",
                                               "^", "-", "!", "é", "É", "\xff", "\xc3", " "};
    std::mt19937 rng(20261206);
    auto random_text = [&](std::size_t max_len) {
        std::string out;
        std::size_t n = std::uniform_int_distribution<std::size_t>(0, max_len)(rng);
        for (std::size_t i = 0; i < n; ++i) {
            out += alphabet[std::uniform_int_distribution<std::size_t>(0, alphabet.size() - 1)(rng)];
        }
        return out;
    };
    const std::string query =
        "SELECT quote(like(CAST(?1 AS TEXT), CAST(?2 AS TEXT))) || quote(like(CAST(?1 AS TEXT), "
        "CAST(?2 AS TEXT), '!')) || quote(glob(CAST(?1 AS TEXT), CAST(?2 AS TEXT))) || "
        "quote(instr(CAST(?2 AS TEXT), CAST(?1 AS TEXT))) || quote(instr(?2, ?1)) || "
        "quote(replace(CAST(?2 AS TEXT), CAST(?1 AS TEXT), 'xy')) || "
        "quote(trim(CAST(?2 AS TEXT), CAST(?1 AS TEXT))) || "
        "quote(ltrim(CAST(?2 AS TEXT), CAST(?1 AS TEXT))) || "
        "quote(rtrim(CAST(?2 AS TEXT), CAST(?1 AS TEXT))) || quote(trim(CAST(?2 AS TEXT)))";
    auto run = [&](sqlite::connection& conn, const std::string& a, const std::string& b) {
        auto st = conn.prepare(query);
        st.bind_blob(1, a.data(), static_cast<int>(a.size()));
        st.bind_blob(2, b.data(), static_cast<int>(b.size()));
        REQUIRE(st.step());
        return st.text(0);
    };
    for (int i = 0; i < 4000; ++i) {
        auto pattern = random_text(6);
        auto text = random_text(12);
        INFO("pattern " << pattern << " text " << text);
        REQUIRE(run(*s.conn, pattern, text) == run(plain, pattern, text));
    }
}

TEST_CASE("a quadratic LIKE stops at the deadline instead of holding the worker",
          "[sqlite][security]") {
    hosted_scratch s;
    sqlite::confinement guard(*s.conn, sqlite::sql_rights::read_only,
                              std::chrono::steady_clock::now() + std::chrono::milliseconds(200));
    auto st = s.conn->prepare(
        "SELECT printf('%.*c', 16000000, 'a') LIKE '%' || printf('%.*c', 3000, 'a') || 'b'");
    CHECK_THROWS_WITH(st.step(), Catch::Contains("time limit"));
}

TEST_CASE("inline work stops at its wall deadline even when it uses no CPU time",
          "[sqlite][inline]") {
    // A read waiting on the disk uses almost no CPU time but holds the I/O thread: here a
    // function that sleeps stands in for pread on pages not in memory.
    test::temp_dir dir;
    sqlite::connection conn(dir.path() / "x.sqlite", sqlite::connection::mode::read_write_create);
    sqlite3_create_function(
        conn.handle(), "sleep_ms", 1, SQLITE_UTF8, nullptr,
        [](sqlite3_context* ctx, int, sqlite3_value** argv) {
            std::this_thread::sleep_for(std::chrono::milliseconds(sqlite3_value_int(argv[0])));
            sqlite3_result_int(ctx, 1);
        },
        nullptr, nullptr);
    const std::string slow =
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3750) "
        "SELECT count(CASE WHEN x % 50 = 0 THEN sleep_ms(20) END) FROM c";  // 1.5 s asleep
    conn.prepare(slow);  // warm: the CPU budget below is for the run alone
    constexpr auto budget = std::chrono::milliseconds(10);
    auto started = std::chrono::steady_clock::now();
    bool stopped = false;
    {
        inline_scope scope(budget);
        sqlite::deadline d(conn, std::chrono::steady_clock::now() + std::chrono::seconds(10));
        try {
            auto st = conn.prepare(slow);
            st.step();
        } catch (const error&) {
            stopped = true;
        }
        CHECK(d.expired());
        auto cpu_ms = std::chrono::duration<double, std::milli>(inline_scope::cpu_used()).count();
        INFO("CPU time used: " << cpu_ms << " ms");
        CHECK(inline_scope::cpu_used() < budget);  // stopped by the wall clock, not the budget
    }
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(stopped);
    CHECK(inline_scope::last_overran());
    // Stopped near the wall deadline, long before the 1.5 s the query wanted.
    CHECK(took >= budget * inline_scope::wall_factor);
    CHECK(took < budget * inline_scope::wall_factor + std::chrono::milliseconds(400));
}
