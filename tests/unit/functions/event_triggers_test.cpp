// SPDX-License-Identifier: Apache-2.0
// Event triggers without Deno: the queue inside the database file (written iff the change
// commits, with old and new rows), its limits, its walls against user SQL, and the delivery
// loop's retries and dead letters (without Deno every attempt fails with `unavailable`, which
// is a real failing delivery; the integration tests run real functions).
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "airsql/airsql.hpp"
#include "airsql/functions.hpp"
#include "catalog/catalog.hpp"
#include "catch.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"
#include "engine_fixture.hpp"
#include "temp_dir.hpp"

using namespace airsql;

namespace {

// A function row with a parsing version, straight into the catalog (creating one through the
// API needs Deno for its type check).
std::string add_function(engine& eng, const std::string& db_id) {
    auto& e = eng.internals();
    catalog::function_record fn;
    fn.id = "01" +
            std::string(24, 'a' + static_cast<char>(e.catalog.functions_of_database(db_id).size()));
    fn.db_id = db_id;
    fn.name = "on-change";
    fn.created_utc = fn.updated_utc = core::now_iso_utc();
    catalog::function_version_record v;
    v.id = fn.id.substr(0, 25) + "v";
    v.function_id = fn.id;
    v.db_id = db_id;
    v.runtime = "deno";
    v.content = "export default () => 1";
    v.diagnostics = "[]";
    v.created_utc = fn.created_utc;
    fn.active_version = v.id;
    e.catalog.insert_function(fn, v, 100);
    return fn.id;
}

void attach(engine& eng, const principal& who, const std::string& db_id, const std::string& fn_id,
            const std::string& table, std::vector<std::string> events, int max_attempts = 3,
            std::int64_t backoff_ms = 10) {
    auto& e = eng.internals();
    catalog::function_trigger_record t;
    t.function_id = fn_id;
    t.db_id = db_id;
    t.table = table;
    t.events = std::move(events);
    t.max_attempts = max_attempts;
    t.backoff_ms = backoff_ms;
    t.created_by = who.user_id();
    t.created_utc = core::now_iso_utc();
    e.catalog.set_function_triggers(fn_id, {t});
    e.databases.event_triggers_changed();
}

struct queued {
    std::string function_id, table, event;
    std::optional<std::string> old_row, new_row;
    std::int64_t attempts = 0;
};

std::vector<queued> queue_of(engine& eng, const std::string& db_id) {
    auto db = eng.internals().databases.open(db_id);
    auto r = db->reader();
    std::vector<queued> out;
    auto exists = r->prepare("SELECT 1 FROM sqlite_master WHERE name = '_airsql_event_queue'");
    if (!exists.step()) return out;
    auto st = r->prepare(
        "SELECT function_id, table_name, event, old, new, attempts FROM _airsql_event_queue "
        "ORDER BY id");
    while (st.step()) {
        out.push_back({st.text(0), st.text(1), st.text(2), st.optional_text(3), st.optional_text(4),
                       st.int64(5)});
    }
    return out;
}

sql_result sql(engine& eng, const principal& who, const std::string& db, const std::string& q) {
    return run_sql(eng, who, db, sql_request{q});
}

options paused_options(const test::temp_dir& dir) {
    auto o = test::engine_fixture::make_options(dir);
    o.event_delivery_paused = true;
    return o;
}

}  // namespace

TEST_CASE("an event is queued in the database file iff its change commits", "[event_triggers]") {
    test::temp_dir dir;
    engine eng{paused_options(dir)};
    sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
    auto ann = authenticate(
        eng,
        credentials{.bearer =
                        login(eng, principal::anonymous(), {"ann", "password-ann"}).session_token});
    auto db = create_database(eng, ann,
                              {"db", "ann",
                               "CREATE TABLE t (id INTEGER PRIMARY KEY, "
                               "name TEXT, pic BLOB)",
                               std::nullopt})
                  .id;
    auto fn = add_function(eng, db);
    attach(eng, ann, db, fn, "t", {"insert", "update", "delete"});

    auto r = sql(eng, ann, db,
                 "INSERT INTO t VALUES (1, 'a', x'00ff'); UPDATE t SET name = 'b' WHERE id = 1; "
                 "DELETE FROM t WHERE id = 1");
    REQUIRE(r.errors.empty());
    auto q = queue_of(eng, db);
    REQUIRE(q.size() == 3);
    CHECK(q[0].event == "insert");
    CHECK(q[0].table == "t");
    CHECK(q[0].function_id == fn);
    CHECK_FALSE(q[0].old_row);
    CHECK(q[0].new_row ==
          std::optional<std::string>(R"({"id":1,"name":"a","pic":{"base16":"00FF"}})"));
    CHECK(q[1].event == "update");
    CHECK(q[1].old_row ==
          std::optional<std::string>(R"({"id":1,"name":"a","pic":{"base16":"00FF"}})"));
    CHECK(q[1].new_row ==
          std::optional<std::string>(R"({"id":1,"name":"b","pic":{"base16":"00FF"}})"));
    CHECK(q[2].event == "delete");
    CHECK_FALSE(q[2].new_row);

    // A script that fails after its insert rolls back as a whole: no event.
    r = sql(eng, ann, db, "INSERT INTO t VALUES (2, 'c', NULL); SELECT no_such_function()");
    CHECK_FALSE(r.errors.empty());
    CHECK(queue_of(eng, db).size() == 3);
    CHECK(sql(eng, ann, db, "SELECT count(*) AS n FROM t").rows.at(0).at("n") == 0);

    // GraphQL writes and the tables API are caught the same way (the triggers are SQLite's).
    graphql_request g;
    g.query = R"(mutation { insert_t(objects: [{id: 5, name: "g"}]) { affected_rows } })";
    auto gr = execute_graphql(eng, ann, db, g);
    CHECK(gr.body.find("errors") == std::string::npos);
    q = queue_of(eng, db);
    REQUIRE(q.size() == 4);
    CHECK(q[3].new_row == std::optional<std::string>(R"({"id":5,"name":"g","pic":null})"));

    // Columns added later are in later events; a column can still be dropped and renamed.
    REQUIRE(sql(eng, ann, db, "ALTER TABLE t ADD COLUMN extra TEXT").errors.empty());
    REQUIRE(sql(eng, ann, db, "INSERT INTO t (id, extra) VALUES (6, 'x')").errors.empty());
    CHECK(queue_of(eng, db).back().new_row ==
          std::optional<std::string>(R"({"id":6,"name":null,"pic":null,"extra":"x"})"));
    auto dropped = sql(eng, ann, db, "ALTER TABLE t DROP COLUMN pic");
    CHECK(dropped.errors.empty());
    REQUIRE(sql(eng, ann, db, "ALTER TABLE t RENAME COLUMN extra TO more").errors.empty());
    REQUIRE(sql(eng, ann, db, "INSERT INTO t (id, more) VALUES (7, 'y')").errors.empty());
    CHECK(queue_of(eng, db).back().new_row ==
          std::optional<std::string>(R"({"id":7,"name":null,"more":"y"})"));
    // Dropping the table drops airsql's triggers with it; its queued events stay.
    auto before = queue_of(eng, db).size();
    CHECK(sql(eng, ann, db, "DROP TABLE t").errors.empty());
    CHECK(sql(eng, ann, db, "CREATE TABLE u (x)").errors.empty());
    CHECK(sql(eng, ann, db, "INSERT INTO u VALUES (1)").errors.empty());
    CHECK(queue_of(eng, db).size() == before);
    // A table of the trigger's name created later is watched from the same script on.
    CHECK(sql(eng, ann, db, "CREATE TABLE t (z); INSERT INTO t VALUES (1)").errors.empty());
    REQUIRE(queue_of(eng, db).size() == before + 1);
    CHECK(queue_of(eng, db).back().new_row == std::optional<std::string>(R"({"z":1})"));
}

TEST_CASE("user SQL cannot see, touch or imitate the event queue", "[event_triggers]") {
    test::temp_dir dir;
    engine eng{paused_options(dir)};
    sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
    auto ann = authenticate(
        eng,
        credentials{.bearer =
                        login(eng, principal::anonymous(), {"ann", "password-ann"}).session_token});
    auto db = create_database(eng, ann, {"db", "ann", "CREATE TABLE t (x)", std::nullopt}).id;
    attach(eng, ann, db, add_function(eng, db), "t", {"insert"});
    REQUIRE(sql(eng, ann, db, "INSERT INTO t VALUES (1)").errors.empty());
    REQUIRE(queue_of(eng, db).size() == 1);
    for (const char* q :
         {"SELECT * FROM _airsql_event_queue", "DELETE FROM _airsql_event_queue",
          "INSERT INTO _airsql_event_queue (delivery_id) VALUES ('x')",
          "UPDATE _airsql_event_queue SET attempts = 9", "DROP TABLE _airsql_event_queue",
          "ALTER TABLE _airsql_event_queue ADD COLUMN y",
          "CREATE INDEX i ON _airsql_event_queue(id)",
          "CREATE TRIGGER _airsql_evt_9 AFTER INSERT ON t BEGIN SELECT 1; END",
          "CREATE TEMP TRIGGER x AFTER INSERT ON t BEGIN SELECT 1; END"}) {
        INFO(q);
        auto r = sql(eng, ann, db, q);
        CHECK_FALSE(r.errors.empty());
    }
    CHECK(queue_of(eng, db).size() == 1);
    // Hidden from the listings.
    auto info = get_database(eng, ann, db);
    auto text = boost::json::serialize(boost::json::value_from(info));
    CHECK(text.find("_airsql") == std::string::npos);
    CHECK(schema_text(eng, ann, db).find("_airsql") == std::string::npos);
    auto azimutt =
        boost::json::serialize(boost::json::value_from(get_azimutt_schema(eng, ann, db)));
    CHECK(azimutt.find("_airsql") == std::string::npos);
    graphql_request g;
    g.query = "{ __schema { types { name } queryType { fields { name } } } }";
    auto body = execute_graphql(eng, ann, db, g).body;
    CHECK(body.find("airsql") == std::string::npos);
    CHECK(body.find("\"t\"") != std::string::npos);
}

TEST_CASE("a full event queue refuses the write instead of losing its event", "[event_triggers]") {
    test::temp_dir dir;
    auto o = paused_options(dir);
    o.event_max_queue_rows = 3;
    engine eng{o};
    sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
    auto ann = authenticate(
        eng,
        credentials{.bearer =
                        login(eng, principal::anonymous(), {"ann", "password-ann"}).session_token});
    auto db = create_database(eng, ann, {"db", "ann", "CREATE TABLE t (x)", std::nullopt}).id;
    attach(eng, ann, db, add_function(eng, db), "t", {"insert"});
    REQUIRE(sql(eng, ann, db, "INSERT INTO t VALUES (1), (2), (3)").errors.empty());
    auto r = sql(eng, ann, db, "INSERT INTO t VALUES (4)");
    REQUIRE_FALSE(r.errors.empty());
    CHECK(r.errors[0].find("event queue") != std::string::npos);
    CHECK(sql(eng, ann, db, "SELECT count(*) AS n FROM t").rows.at(0).at("n") == 3);
    CHECK(queue_of(eng, db).size() == 3);
}

TEST_CASE("a row larger than the payload limit is queued as its size", "[event_triggers]") {
    test::temp_dir dir;
    auto o = paused_options(dir);
    o.event_max_payload_bytes = 100;
    engine eng{o};
    sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
    auto ann = authenticate(
        eng,
        credentials{.bearer =
                        login(eng, principal::anonymous(), {"ann", "password-ann"}).session_token});
    auto db = create_database(eng, ann, {"db", "ann", "CREATE TABLE t (x)", std::nullopt}).id;
    attach(eng, ann, db, add_function(eng, db), "t", {"insert", "update"});
    REQUIRE(sql(eng, ann, db, "INSERT INTO t VALUES (printf('%.92c', 'a'))").errors.empty());
    REQUIRE(sql(eng, ann, db, "UPDATE t SET x = x || 'b'").errors.empty());
    auto q = queue_of(eng, db);
    REQUIRE(q.size() == 2);
    // {"x":"aaa…"} is 100 bytes: kept whole; one more byte is over the limit.
    CHECK(q[0].new_row == std::optional<std::string>("{\"x\":\"" + std::string(92, 'a') + "\"}"));
    CHECK(q[1].old_row == q[0].new_row);
    CHECK(q[1].new_row == std::optional<std::string>(R"({"truncated":true,"bytes":101})"));
}

TEST_CASE("wide tables and odd column names are queued whole", "[event_triggers]") {
    test::temp_dir dir;
    engine eng{paused_options(dir)};
    sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
    auto ann = authenticate(
        eng,
        credentials{.bearer =
                        login(eng, principal::anonymous(), {"ann", "password-ann"}).session_token});
    // 300 columns: more than one json_object() call could take (127 arguments).
    std::string create = "CREATE TABLE w (\"we\"\"ird 'name\" TEXT";
    std::string values = "'x\"y'";
    for (int i = 1; i < 300; ++i) {
        create += ", c" + std::to_string(i) + " INTEGER";
        values += ", " + std::to_string(i);
    }
    auto db = create_database(eng, ann, {"db", "ann", create + ")", std::nullopt}).id;
    attach(eng, ann, db, add_function(eng, db), "w", {"insert"});
    auto r = sql(eng, ann, db, "INSERT INTO w VALUES (" + values + ")");
    REQUIRE(r.errors.empty());
    auto q = queue_of(eng, db);
    REQUIRE(q.size() == 1);
    auto row = boost::json::parse(*q[0].new_row).as_object();
    CHECK(row.size() == 300);
    CHECK(row.at("we\"ird 'name") == "x\"y");
    CHECK(row.at("c299") == 299);
}

TEST_CASE("retries back off exponentially up to an hour", "[event_triggers]") {
    CHECK(event_retry_delay_ms(1000, 1) == 1000);
    CHECK(event_retry_delay_ms(1000, 2) == 2000);
    CHECK(event_retry_delay_ms(1000, 5) == 16000);
    CHECK(event_retry_delay_ms(1000, 40) == 3'600'000);
    CHECK(event_retry_delay_ms(10, 3) == 40);
}

TEST_CASE("queued events survive a restart; failing deliveries retry, then dead-letter",
          "[event_triggers]") {
    test::temp_dir dir;
    std::string db, fn;
    {
        // Paused: the events wait in the file when this engine goes away.
        engine eng{paused_options(dir)};
        sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
        auto ann = authenticate(
            eng, credentials{.bearer = login(eng, principal::anonymous(), {"ann", "password-ann"})
                                           .session_token});
        db = create_database(eng, ann, {"db", "ann", "CREATE TABLE t (x)", std::nullopt}).id;
        fn = add_function(eng, db);
        attach(eng, ann, db, fn, "t", {"insert"}, 3, 10);
        REQUIRE(sql(eng, ann, db, "INSERT INTO t VALUES (1), (2)").errors.empty());
        REQUIRE(queue_of(eng, db).size() == 2);
    }
    // Delivering now: without Deno every attempt fails (unavailable), so each event is tried
    // three times, 10 then 20 ms apart, and dead-lettered.
    auto o = test::engine_fixture::make_options(dir);
    engine eng{o};
    auto& e = eng.internals();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!queue_of(eng, db).empty() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(queue_of(eng, db).empty());
    auto records = e.catalog.function_invocations(fn, 100);
    REQUIRE(records.size() == 6);
    std::map<std::string, std::vector<std::string>> states;  // delivery id → states
    for (auto it = records.rbegin(); it != records.rend(); ++it) {
        REQUIRE(it->delivery);
        auto d = boost::json::parse(*it->delivery).as_object();
        CHECK(it->status == 503);
        states[std::string(d.at("deliveryId").as_string())].push_back(
            std::string(d.at("state").as_string()) + std::to_string(d.at("attempt").as_int64()));
    }
    REQUIRE(states.size() == 2);
    for (const auto& [id, s] : states) {
        CHECK(s == std::vector<std::string>{"retrying1", "retrying2", "dead3"});
    }
}
