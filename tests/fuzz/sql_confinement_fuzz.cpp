// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the SQL endpoint's confinement: bytes → airsql::run_sql on the fixture
// database, as its owner (read-write) or, when the input starts with the line `--as read`,
// through a read token. Another principal's database sits beside it.
//
// Invariants, checked after every input:
// - only airsql::error with a 4xx-class code (or the deadline / memory-limit codes) escapes;
// - the other principal's database and its rows are unchanged;
// - nothing process- or connection-wide changed: SQLite's heap limits, LIKE's case rules,
//   no TEMP objects on the shared writer, the other principal can still read;
// - a read principal changed nothing in the fixture database.
#include <sqlite3.h>

#include <boost/json/value_from.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "airsql/airsql.hpp"
#include "fuzz_fixture.hpp"

namespace {

using airsql::fuzz::fail;

constexpr std::string_view victim_rows =
    "CREATE TABLE vault (id INTEGER PRIMARY KEY, secret TEXT NOT NULL);"
    "INSERT INTO vault (secret) VALUES ('alpha'), ('beta'), ('gamma');";
constexpr std::string_view victim_check =
    "SELECT count(*) AS n, group_concat(secret, ',') AS s, 'ABC' LIKE 'abc' AS ci, "
    "(SELECT count(*) FROM temp.sqlite_master) AS temps FROM vault";
constexpr std::string_view victim_expected =
    R"([{"n":3,"s":"alpha,beta,gamma","ci":1,"temps":0}])";

struct world {
    airsql::fuzz::engine_fixture fx;
    airsql::principal owner;
    airsql::principal victim;
    airsql::principal reader;
    std::string db_id;
    std::string victim_db;
    std::int64_t hard_heap_limit = 0;
    std::int64_t soft_heap_limit = 0;
    int inputs = 0;

    world() {
        owner = fx.as(fx.session("attacker"));
        victim = fx.as(fx.session("victim"));
        victim_db = airsql::create_database(fx.eng, victim,
                                            {"vault", "victim", std::string(victim_rows), {}})
                        .id;
        reset_attacker_database();
        hard_heap_limit = sqlite3_hard_heap_limit64(-1);
        soft_heap_limit = sqlite3_soft_heap_limit64(-1);
    }

    // A fresh fixture database and a read token for it.
    void reset_attacker_database() {
        if (!db_id.empty()) airsql::delete_database(fx.eng, owner, db_id);
        db_id = fx.fixture_database(owner, "attacker");
        airsql::create_token_request t;
        t.name = "reader" + std::to_string(inputs);
        t.team_name = "attacker";
        t.permissions = {{db_id, "", airsql::token_access::read}};
        auto token = airsql::create_token(fx.eng, owner, t);
        reader = fx.as(token.body);
    }
};

world& the_world() {
    static world w;
    return w;
}

bool tolerated_code(airsql::errc code) {
    switch (code) {
        case airsql::errc::invalid_argument:
        case airsql::errc::permission_denied:
        case airsql::errc::payload_too_large:
        case airsql::errc::deadline_exceeded:
        case airsql::errc::resource_exhausted:
        case airsql::errc::failed_precondition:
            return true;
        default:
            return false;
    }
}

std::string fingerprint(world& w, const airsql::principal& who, const std::string& db) {
    auto r = airsql::run_sql(w.fx.eng, who, db,
                             {"SELECT group_concat(type || name || coalesce(sql, ''), '|') AS s "
                              "FROM sqlite_master"});
    return airsql::to_json(boost::json::value_from(r.rows));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& w = the_world();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    bool as_reader = input.starts_with("--as read\n");
    const auto& who = as_reader ? w.reader : w.owner;
    std::string before = as_reader ? fingerprint(w, w.owner, w.db_id) : "";

    try {
        airsql::run_sql(w.fx.eng, who, w.db_id, {std::string(input)});
    } catch (const airsql::error& e) {
        if (!tolerated_code(e.code())) fail("run_sql threw an unexpected error", e.what());
    } catch (const std::exception& e) {
        fail("run_sql threw a non-airsql exception", e.what());
    }

    if (sqlite3_hard_heap_limit64(-1) != w.hard_heap_limit ||
        sqlite3_soft_heap_limit64(-1) != w.soft_heap_limit) {
        fail("user SQL changed SQLite's process-wide heap limits");
    }
    auto check = airsql::run_sql(w.fx.eng, w.victim, w.victim_db, {std::string(victim_check)});
    auto seen = airsql::to_json(boost::json::value_from(check.rows));
    if (!check.errors.empty() || seen != victim_expected) {
        fail("the other principal's database or connection state changed",
             seen + (check.errors.empty() ? "" : " / " + check.errors.front()));
    }
    auto temps = airsql::run_sql(w.fx.eng, w.owner, w.db_id,
                                 {"SELECT count(*) AS n FROM temp.sqlite_master"});
    if (airsql::to_json(boost::json::value_from(temps.rows)) != R"([{"n":0}])") {
        fail("user SQL left TEMP objects on the shared writer");
    }
    if (as_reader && fingerprint(w, w.owner, w.db_id) != before) {
        fail("a read principal changed the schema");
    }
    if (++w.inputs % 500 == 0) w.reset_attacker_database();
    return 0;
}
