// SPDX-License-Identifier: Apache-2.0
// The live-query hub: subscribers of the same query share one execution per write.
#include <boost/json/parse.hpp>

#include <memory>
#include <mutex>
#include <vector>

#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;

namespace {

// Collects a subscription's events.
struct inbox {
    std::mutex m;
    std::vector<subscription_event> events;
    subscription_sink sink() {
        return [this](subscription_event ev) {
            std::lock_guard lock(m);
            events.push_back(std::move(ev));
        };
    }
    std::size_t size() {
        std::lock_guard lock(m);
        return events.size();
    }
    boost::json::value last() {
        std::lock_guard lock(m);
        return boost::json::parse(*events.back().body);
    }
    subscription_event::kind last_kind() {
        std::lock_guard lock(m);
        return events.back().k;
    }
};

graphql_request req(std::string query, boost::json::object variables = {}) {
    graphql_request r;
    r.query = std::move(query);
    r.variables = std::move(variables);
    return r;
}

void sql(test::engine_fixture& fx, const principal& who, const std::string& db, std::string q) {
    sql_request r;
    r.query = std::move(q);
    auto res = run_sql(fx.eng, who, db, r);
    REQUIRE(res.errors.empty());
}

}  // namespace

TEST_CASE("N subscribers of one live query: one execution per write, fanned out",
          "[graphql][subscriptions]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db =
        fx.database(ada, "ada",
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); "
                    "CREATE TABLE other (id INTEGER PRIMARY KEY); INSERT INTO t (v) VALUES ('a')");
    constexpr int n = 50;
    std::vector<std::unique_ptr<inbox>> boxes;
    std::vector<std::shared_ptr<graphql_subscription>> subs;
    for (int i = 0; i < n; ++i) {
        boxes.push_back(std::make_unique<inbox>());
        auto started =
            start_graphql(fx.eng, ada, db, req("subscription { t { v } }"), boxes.back()->sink());
        REQUIRE_FALSE(started.response);
        REQUIRE(started.subscription);
        subs.push_back(started.subscription);
    }
    auto stats = subscription_stats(fx.eng);
    CHECK(stats.subscriptions == n);
    CHECK(stats.live_queries == 1);
    CHECK(stats.executions == 1);  // the first subscriber's run; the others got its result
    for (auto& b : boxes) {
        REQUIRE(b->size() == 1);
        CHECK(b->last() == boost::json::parse(R"({"data":{"t":[{"v":"a"}]}})"));
    }

    sql(fx, ada, db, "INSERT INTO t (v) VALUES ('b')");
    CHECK(subscription_stats(fx.eng).executions == 2);  // one run for all 50
    for (auto& b : boxes) {
        REQUIRE(b->size() == 2);
        CHECK(b->last() == boost::json::parse(R"({"data":{"t":[{"v":"a"},{"v":"b"}]}})"));
    }

    // A table the query does not read: no run at all.
    sql(fx, ada, db, "INSERT INTO other DEFAULT VALUES");
    CHECK(subscription_stats(fx.eng).executions == 2);
    // A write that leaves the result as it was: a run, but nothing sent.
    sql(fx, ada, db, "UPDATE t SET v = v");
    CHECK(subscription_stats(fx.eng).executions == 3);
    for (auto& b : boxes) CHECK(b->size() == 2);

    // Cancelled: nothing more; the live query goes when its last subscriber does.
    subs[0]->cancel();
    sql(fx, ada, db, "DELETE FROM t WHERE v = 'a'");
    CHECK(boxes[0]->size() == 2);
    CHECK(boxes[1]->size() == 3);
    CHECK(subscription_stats(fx.eng).executions == 4);
    subs.clear();
    stats = subscription_stats(fx.eng);
    CHECK(stats.subscriptions == 0);
    CHECK(stats.live_queries == 0);
}

TEST_CASE("live queries differ by variables and by access, and follow relationships",
          "[graphql][subscriptions]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada",
                          "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT); "
                          "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER "
                          "REFERENCES parent(id), v TEXT); "
                          "INSERT INTO parent VALUES (1, 'p')");
    inbox a, b, c;
    auto q = "subscription S($id: Int!) { parent(where: {id: {_eq: $id}}) { name child { v } } }";
    auto sa = start_graphql(fx.eng, ada, db, req(q, {{"id", 1}}), a.sink()).subscription;
    auto sb = start_graphql(fx.eng, ada, db, req(q, {{"id", 2}}), b.sink()).subscription;
    auto info = get_database(fx.eng, ada, db);
    auto link = principal::readonly_link(info.readonly_id);
    auto sc =
        start_graphql(fx.eng, link, info.readonly_id, req(q, {{"id", 1}}), c.sink()).subscription;
    REQUIRE(sa);
    REQUIRE(sb);
    REQUIRE(sc);
    CHECK(subscription_stats(fx.eng).live_queries == 3);
    sql(fx, ada, db,
        "INSERT INTO child (parent_id, v) VALUES (1, 'x')");  // child: through the relationship
    CHECK(a.size() == 2);
    CHECK(a.last() ==
          boost::json::parse(R"({"data":{"parent":[{"name":"p","child":[{"v":"x"}]}]}})"));
    CHECK(b.size() == 1);  // ran, same result (no parent 2): nothing sent
    CHECK(c.size() == 2);
    CHECK(subscription_stats(fx.eng).executions == 6);
}

TEST_CASE("start_graphql answers queries and mutations once and refuses bad subscriptions",
          "[graphql][subscriptions]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    inbox box;
    auto m = start_graphql(fx.eng, ada, db,
                           req("mutation { insert_t(objects: [{v: \"a\"}]) { affected_rows } }"),
                           box.sink());
    REQUIRE(m.response);
    CHECK_FALSE(m.subscription);
    CHECK(boost::json::parse(m.response->body) ==
          boost::json::parse(R"({"data":{"insert_t":{"affected_rows":1}}})"));
    auto two = start_graphql(fx.eng, ada, db, req("subscription { t { v } t_by_pk(id: 1) { v } }"),
                             box.sink());
    REQUIRE(two.response);
    CHECK(two.response->request_error);
    CHECK_THAT(two.response->body, Catch::Contains("must select only one top level field"));
    auto vars = start_graphql(fx.eng, ada, db,
                              req("subscription ($n: Int!) { t(limit: $n) { v } }"), box.sink());
    REQUIRE(vars.response);
    CHECK(vars.response->request_error);
    CHECK(box.size() == 0);
    // Over HTTP (execute_graphql) a subscription is refused: it needs a stream.
    auto once = execute_graphql(fx.eng, ada, db, req("subscription { t { v } }"));
    CHECK(once.request_error);
    CHECK_THAT(once.body, Catch::Contains("streaming transport"));
}

TEST_CASE("deleting the database ends its subscriptions; the engine caps subscriptions",
          "[graphql][subscriptions]") {
    test::temp_dir dir;
    auto opts = test::engine_fixture::make_options(dir);
    opts.max_subscriptions = 3;
    engine eng(opts);
    sign_up(eng, principal::anonymous(), {"ada", "ada@example.com", "password-ada"});
    auto ada = authenticate(
        eng,
        credentials{.bearer =
                        login(eng, principal::anonymous(), {"ada", "password-ada"}).session_token});
    auto db = create_database(
                  eng, ada, {"db", "ada", "CREATE TABLE t (id INTEGER PRIMARY KEY)", std::nullopt})
                  .id;
    inbox a, b, c, d;
    auto sa = start_graphql(eng, ada, db, req("subscription { t { id } }"), a.sink()).subscription;
    auto sb = start_graphql(eng, ada, db,
                            req("subscription { t_aggregate { aggregate { count } } }"), b.sink())
                  .subscription;
    auto sc = start_graphql(eng, ada, db, req("subscription { t { id } }"), c.sink()).subscription;
    CHECK_THROWS_AS(start_graphql(eng, ada, db, req("subscription { t { id } }"), d.sink()), error);
    try {
        start_graphql(eng, ada, db, req("subscription { t { id } }"), d.sink());
    } catch (const error& e) {
        CHECK(e.code() == errc::unavailable);  // HTTP 503: try again later
    }
    delete_database(eng, ada, db);
    REQUIRE(a.size() == 2);
    CHECK(a.last_kind() == subscription_event::kind::error);
    CHECK(b.last_kind() == subscription_event::kind::error);
    CHECK(c.last_kind() == subscription_event::kind::error);
    CHECK(subscription_stats(eng).subscriptions == 0);
    // Room again.
    auto db2 =
        create_database(eng, ada,
                        {"db2", "ada", "CREATE TABLE t (id INTEGER PRIMARY KEY)", std::nullopt})
            .id;
    CHECK(start_graphql(eng, ada, db2, req("subscription { t { id } }"), d.sink()).subscription);
}

TEST_CASE("introspection shows the Subscription type in the current view only",
          "[graphql][subscriptions]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada", "CREATE TABLE t (id INTEGER PRIMARY KEY)");
    // The shared conformance suite pins subscriptionType to null in the default (full) view
    // too (i_full_root), so only the current view shows it; subscriptions run in every view.
    auto current = req("{ __schema { subscriptionType { name fields { name } } } }");
    current.view = introspection_view::current;
    CHECK_THAT(execute_graphql(fx.eng, ada, db, current).body,
               Catch::Contains(R"("subscriptionType":{"name":"Subscription")"));
    auto full = execute_graphql(fx.eng, ada, db, req("{ __schema { subscriptionType { name } } }"));
    CHECK(boost::json::parse(full.body) ==
          boost::json::parse(R"({"data":{"__schema":{"subscriptionType":null}}})"));
    auto exact = req("{ __schema { subscriptionType { name } } }");
    exact.view = introspection_view::airgql_compatible;
    CHECK(boost::json::parse(execute_graphql(fx.eng, ada, db, exact).body) ==
          boost::json::parse(R"({"data":{"__schema":{"subscriptionType":null}}})"));
}

TEST_CASE("a _stream subscription sends the rows after its cursor, in batches",
          "[graphql][subscriptions]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada",
                          "CREATE TABLE ev (id INTEGER PRIMARY KEY, kind TEXT); "
                          "INSERT INTO ev (kind) VALUES ('a'), ('b'), ('a'), ('a')");
    inbox box;
    auto q =
        "subscription { ev_stream(batch_size: 2, cursor: [{initial_value: {id: 1}, ordering: "
        "ASC}], "
        "where: {kind: {_eq: \"a\"}}) { id kind } }";
    auto sub = start_graphql(fx.eng, ada, db, req(q), box.sink()).subscription;
    REQUIRE(sub);
    // Rows after id 1 with kind a: 3 and 4 (a full batch), then nothing more until a write.
    REQUIRE(box.size() == 1);
    CHECK(box.last() == boost::json::parse(
                            R"({"data":{"ev_stream":[{"id":3,"kind":"a"},{"id":4,"kind":"a"}]}})"));
    sql(fx, ada, db, "INSERT INTO ev (kind) VALUES ('b')");  // filtered out: no batch
    CHECK(box.size() == 1);
    sql(fx, ada, db, "INSERT INTO ev (kind) VALUES ('a'), ('a'), ('a')");  // 6, 7, 8: two batches
    REQUIRE(box.size() == 3);
    {
        std::lock_guard lock(box.m);
        CHECK(boost::json::parse(*box.events[1].body) ==
              boost::json::parse(
                  R"({"data":{"ev_stream":[{"id":6,"kind":"a"},{"id":7,"kind":"a"}]}})"));
        CHECK(boost::json::parse(*box.events[2].body) ==
              boost::json::parse(R"({"data":{"ev_stream":[{"id":8,"kind":"a"}]}})"));
    }
    // A newcomer with the same initial cursor starts from the beginning, not where the first
    // moved to (then catches up batch by batch).
    inbox late;
    auto sub2 = start_graphql(fx.eng, ada, db, req(q), late.sink()).subscription;
    REQUIRE(late.size() >= 1);
    {
        std::lock_guard lock(late.m);
        CHECK(boost::json::parse(*late.events[0].body) ==
              boost::json::parse(
                  R"({"data":{"ev_stream":[{"id":3,"kind":"a"},{"id":4,"kind":"a"}]}})"));
    }
    // Bad cursors are field errors.
    inbox bad;
    auto two = start_graphql(fx.eng, ada, db,
                             req("subscription { ev_stream(batch_size: 1, cursor: [{initial_value: "
                                 "{id: 1, kind: \"a\"}}]) { id } }"),
                             bad.sink())
                   .subscription;
    REQUIRE(bad.size() == 1);
    CHECK_THAT(*bad.events[0].body, Catch::Contains("exactly one column"));
    // Arguments that can never run end the operation with their errors (graphql-ws: an
    // `error` message), instead of answering the same errors after every write.
    CHECK(bad.events[0].k == subscription_event::kind::error);
    inbox zero;
    auto z = start_graphql(fx.eng, ada, db,
                           req("subscription { ev_stream(batch_size: 0, cursor: [{initial_value: "
                               "{id: 1}}]) { id } }"),
                           zero.sink())
                 .subscription;
    REQUIRE(zero.size() == 1);
    CHECK(zero.last_kind() == subscription_event::kind::error);
    CHECK_THAT(*zero.events[0].body, Catch::Contains("batch_size must be at least 1"));
    auto before = subscription_stats(fx.eng).subscriptions;
    sql(fx, ada, db, "INSERT INTO ev (kind) VALUES ('a')");
    CHECK(zero.size() == 1);
    CHECK(subscription_stats(fx.eng).subscriptions == before);
}

TEST_CASE("a stream skips rows whose cursor column is NULL instead of stalling on them",
          "[graphql][subscriptions]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada",
                          "CREATE TABLE ev (id INTEGER PRIMARY KEY, k INTEGER); "
                          "INSERT INTO ev (k) VALUES (1), (NULL), (2)");
    for (const char* ordering : {"ASC", "DESC"}) {
        INFO(ordering);
        inbox box;
        auto sub = start_graphql(fx.eng, ada, db,
                                 req(std::string("subscription { ev_stream(batch_size: 1, cursor: "
                                                 "{initial_value: {k: null}, ordering: ") +
                                     ordering + "}) { id k } }"),
                                 box.sink())
                       .subscription;
        REQUIRE(sub);
        // One row per batch, each batch at once after the last: the NULL row never comes and
        // the cursor never lands on NULL.
        REQUIRE(box.size() == 2);
        std::lock_guard lock(box.m);
        bool asc = std::string_view(ordering) == "ASC";
        CHECK(boost::json::parse(*box.events[0].body) ==
              boost::json::parse(asc ? R"({"data":{"ev_stream":[{"id":1,"k":1}]}})"
                                     : R"({"data":{"ev_stream":[{"id":3,"k":2}]}})"));
        CHECK(boost::json::parse(*box.events[1].body) ==
              boost::json::parse(asc ? R"({"data":{"ev_stream":[{"id":3,"k":2}]}})"
                                     : R"({"data":{"ev_stream":[{"id":1,"k":1}]}})"));
    }
    inbox box;
    auto sub = start_graphql(fx.eng, ada, db,
                             req("subscription { ev_stream(batch_size: 1, cursor: {initial_value: "
                                 "{k: null}, ordering: ASC}) { id k } }"),
                             box.sink())
                   .subscription;
    sql(fx, ada, db, "INSERT INTO ev (k) VALUES (NULL), (100)");
    REQUIRE(box.size() == 3);
    CHECK(box.last() == boost::json::parse(R"({"data":{"ev_stream":[{"id":5,"k":100}]}})"));
}

TEST_CASE("a new read-only id runs live queries again: their file URLs carry the new id",
          "[graphql][subscriptions]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada",
                          "CREATE TABLE docs (id INTEGER PRIMARY KEY, content BLOB); "
                          "INSERT INTO docs (content) VALUES (x'00ff')");
    auto old_id = get_database(fx.eng, ada, db).readonly_id;
    inbox box;
    auto sub = start_graphql(fx.eng, ada, db, req("subscription { docs { id content } }"),
                             box.sink())
                   .subscription;
    REQUIRE(box.size() == 1);
    CHECK(box.events[0].body->find(old_id) != std::string::npos);
    auto new_id = regenerate_readonly_id(fx.eng, ada, db);
    REQUIRE(box.size() == 2);
    CHECK(box.last_kind() == subscription_event::kind::next);
    CHECK(box.events[1].body->find(new_id) != std::string::npos);
    CHECK(box.events[1].body->find(old_id) == std::string::npos);
    // It still follows writes.
    sql(fx, ada, db, "INSERT INTO docs (content) VALUES (x'01')");
    REQUIRE(box.size() == 3);
    CHECK(box.events[2].body->find(new_id) != std::string::npos);
}

TEST_CASE("a subscriber whose session ended or token went gets permission_denied, not data",
          "[graphql][subscriptions][security]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto db = fx.database(ada, "ada",
                          "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); "
                          "INSERT INTO t (v) VALUES ('a')");
    // A second session of Ada's, and a read token of her team.
    auto second = authenticate(
        fx.eng, credentials{.bearer = login(fx.eng, principal::anonymous(), {"ada", "password-ada"})
                                          .session_token});
    create_token_request tr;
    tr.name = "reader";
    tr.team_name = "ada";
    tr.permissions.push_back({db, "", token_access::read});
    auto created = create_token(fx.eng, ada, tr);
    auto token = authenticate(fx.eng, credentials{.bearer = created.body});
    inbox kept, ended, revoked;
    auto s1 = start_graphql(fx.eng, ada, db, req("subscription { t { v } }"), kept.sink());
    auto s2 = start_graphql(fx.eng, second, db, req("subscription { t { v } }"), ended.sink());
    auto s3 = start_graphql(fx.eng, token, db, req("subscription { t { v } }"), revoked.sink());
    REQUIRE(ended.size() == 1);
    REQUIRE(revoked.size() == 1);

    logout(fx.eng, second);
    delete_token(fx.eng, ada, created.id);
    sql(fx, ada, db, "INSERT INTO t (v) VALUES ('secret')");

    REQUIRE(kept.size() == 2);
    CHECK(kept.last().at("data").at("t").as_array().size() == 2);
    for (auto* box : {&ended, &revoked}) {
        REQUIRE(box->size() == 2);
        CHECK(box->last_kind() == subscription_event::kind::error);
        CHECK(box->events.back().code == errc::permission_denied);
        CHECK(box->events.back().body->find("secret") == std::string::npos);
    }
    auto stats = subscription_stats(fx.eng);
    CHECK(stats.subscriptions == 1);
    sql(fx, ada, db, "INSERT INTO t (v) VALUES ('more')");
    CHECK(ended.size() == 2);
    CHECK(revoked.size() == 2);
    CHECK(kept.size() == 3);
}

TEST_CASE("a subscriber removed from the team, or whose role changed, stops getting data",
          "[graphql][subscriptions][security]") {
    test::engine_fixture fx;
    auto ada = fx.user("ada");
    auto bob = fx.user("bob");
    auto cy = fx.user("cy");
    create_team(fx.eng, ada, {"lab"});
    set_member_roles(fx.eng, ada, "lab", "bob", {{team_role::editor}});
    set_member_roles(fx.eng, ada, "lab", "cy", {{team_role::editor}});
    auto db = fx.database(ada, "lab", "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
    inbox b, c;
    auto sb = start_graphql(fx.eng, bob, db, req("subscription { t { v } }"), b.sink());
    auto sc = start_graphql(fx.eng, cy, db, req("subscription { t { v } }"), c.sink());
    remove_team_member(fx.eng, ada, "lab", "bob");
    set_member_roles(fx.eng, ada, "lab", "cy", {{team_role::viewer}});
    sql(fx, ada, db, "INSERT INTO t (v) VALUES ('after')");
    REQUIRE(b.size() == 2);
    CHECK(b.last_kind() == subscription_event::kind::error);
    REQUIRE(c.size() == 2);
    CHECK(c.last_kind() == subscription_event::kind::error);  // a new role: subscribe again
    auto again = start_graphql(fx.eng, cy, db, req("subscription { t { v } }"), c.sink());
    REQUIRE(c.size() == 3);
    CHECK(c.last().at("data").at("t").as_array().size() == 1);
}

TEST_CASE("subscriptions are capped per principal and by the memory their results keep",
          "[graphql][subscriptions][limits]") {
    test::engine_fixture fx([](options& o) {
        o.max_subscriptions_per_principal = 2;
        o.max_live_result_bytes = 400;
    });
    auto ada = fx.user("ada");
    auto bob = fx.user("bob");
    auto db = fx.database(ada, "ada",
                          "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); "
                          "INSERT INTO t (v) VALUES ('a')");
    inbox a1, a2, a3;
    auto s1 = start_graphql(fx.eng, ada, db, req("subscription { t { id } }"), a1.sink());
    auto s2 = start_graphql(fx.eng, ada, db, req("subscription { t { v } }"), a2.sink());
    try {
        start_graphql(fx.eng, ada, db, req("subscription { t { id v } }"), a3.sink());
        FAIL("a third subscription of one principal was accepted");
    } catch (const error& e) {
        CHECK(e.code() == errc::rate_limited);  // HTTP 429
        CHECK(std::string(e.what()).find("maximum of 2") != std::string::npos);
    }
    s1.subscription->cancel();
    auto s3 = start_graphql(fx.eng, ada, db, req("subscription { t { id v } }"), a3.sink());
    CHECK(s3.subscription);

    // A result that would take the kept results past 400 bytes ends its live query.
    sql(fx, ada, db, "INSERT INTO t (v) SELECT printf('%0300d', 1)");
    INFO(*a2.events.back().body << " / " << *a3.events.back().body);
    // The first of the two to run keeps its result; the second's does not fit.
    CHECK(int(a2.last_kind() == subscription_event::kind::error) +
              int(a3.last_kind() == subscription_event::kind::error) == 1);
    auto& failed = a2.last_kind() == subscription_event::kind::error ? a2 : a3;
    CHECK(failed.events.back().code == errc::resource_exhausted);
    CHECK(failed.events.back().body->find("at most 400 bytes") != std::string::npos);
}

TEST_CASE("selects_subscription tells a subscription from other operations before running",
          "[graphql][subscriptions]") {
    auto request = [](std::string query, std::optional<std::string> name = std::nullopt) {
        graphql_request r;
        r.query = std::move(query);
        r.operation_name = std::move(name);
        return r;
    };
    CHECK(selects_subscription(request("subscription { notes { body } }"), 1000));
    CHECK_FALSE(selects_subscription(request("{ notes { body } }"), 1000));
    CHECK_FALSE(selects_subscription(request("query subscription { notes { body } }"), 1000));
    auto two = "subscription A { notes { body } } query B { notes { body } }";
    CHECK(selects_subscription(request(two, "A"), 1000));
    CHECK_FALSE(selects_subscription(request(two, "B"), 1000));
    CHECK_FALSE(selects_subscription(request(two), 1000));       // no operation selected
    CHECK_FALSE(selects_subscription(request(two, "C"), 1000));  // no such operation
    CHECK_FALSE(selects_subscription(request("subscription {"), 1000));  // syntax error
    CHECK_FALSE(selects_subscription(request("subscription { notes { body } }"), 10));  // too large
}
