// SPDX-License-Identifier: Apache-2.0
// Charts and dashboards through the public API: validation against the live schema, broken
// charts after schema changes, chart data, dashboards following deleted charts, rights.
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <functional>
#include <string>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "core/engine_impl.hpp"
#include "engine_fixture.hpp"

using namespace airsql;
namespace bj = boost::json;

namespace {

errc code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.code();
    }
    return errc::internal;  // "did not throw"
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "(did not throw)";
}

chart_input input(std::string_view json) { return bj::value_to<chart_input>(bj::parse(json)); }

struct charts_fixture : test::engine_fixture {
    principal ann = user("ann");
    std::string db =
        database(ann, "ann",
                 "CREATE TABLE sales (id INTEGER PRIMARY KEY, region TEXT, amount REAL);"
                 "INSERT INTO sales (region, amount) VALUES ('north', 10), "
                 "('south', NULL), ('east', 7.5);");
    void run(const std::string& sql) {
        auto r = run_sql(eng, ann, db, {sql});
        REQUIRE(r.errors.empty());
    }
};

}  // namespace

TEST_CASE_METHOD(charts_fixture, "a table chart is stored, listed and plots its rows", "[charts]") {
    auto c = create_chart(eng, ann, db,
                          input(R"({"chartType": "BarChart", "headers": ["region", "amount"],
                                    "labelRotation": 30, "table": "sales", "title": "By region"})"));
    CHECK(c.ulid.size() == 26);
    CHECK(c.table == std::optional<std::string>("sales"));
    auto list = list_charts(eng, ann, db);
    REQUIRE(list.size() == 1);
    CHECK(list[0] == c);
    CHECK(bj::serialize(bj::value_from(list[0]).at("labelRotation")) == "30");

    auto data = read_chart_data(eng, ann, db, c.ulid);
    CHECK(data.headers == std::vector<std::string>{"region", "amount"});
    CHECK(bj::serialize(data.rows) == R"([["north",1E1],["south",null],["east",7.5E0]])");
    CHECK_FALSE(data.truncated);

    update_chart(eng, ann, db, c.ulid, input(R"({"hideNullValues": true})"));
    data = read_chart_data(eng, ann, db, c.ulid);
    CHECK(bj::serialize(data.rows) == R"([["north",1E1],["east",7.5E0]])");
}

TEST_CASE_METHOD(charts_fixture, "empty headers plot every column", "[charts]") {
    auto c = create_chart(eng, ann, db, input(R"({"headers": [], "table": "sales", "title": ""})"));
    CHECK(c.chart_type == "BarChart");
    auto data = read_chart_data(eng, ann, db, c.ulid);
    CHECK(data.headers == std::vector<std::string>{"id", "region", "amount"});
    CHECK(data.rows.size() == 3);
}

TEST_CASE_METHOD(charts_fixture, "a query chart plots a read-only query", "[charts]") {
    auto c = create_chart(eng, ann, db, input(R"({"chartType": "PieChart",
        "query": "SELECT region, sum(amount) AS total FROM sales GROUP BY region ORDER BY region -- by region",
        "headers": ["region", "total"], "title": "Totals"})"));
    auto data = read_chart_data(eng, ann, db, c.ulid);
    CHECK(bj::serialize(data.rows) == R"([["east",7.5E0],["north",1E1],["south",null]])");
    // Writes, several statements and unknown result columns are refused.
    for (auto bad : {R"({"query": "DELETE FROM sales", "headers": []})",
                     R"({"query": "SELECT 1; SELECT 2", "headers": []})",
                     R"({"query": "SELECT region FROM sales", "headers": ["amount"]})",
                     R"({"query": "SELECT * FROM nowhere", "headers": []})"}) {
        CHECK(code_of([&] { create_chart(eng, ann, db, input(bad)); }) == errc::invalid_argument);
    }
    CHECK(list_charts(eng, ann, db).size() == 1);
    auto r = run_sql(eng, ann, db, {"SELECT count(*) AS n FROM sales"});
    CHECK(bj::serialize(r.rows) == R"([{"n":3}])");
}

TEST_CASE_METHOD(charts_fixture, "bad charts are refused with a clear message", "[charts]") {
    CHECK(message_of([&] { create_chart(eng, ann, db, input(R"({"table": "nope"})")); }) ==
          "there is no table or view \"nope\"");
    CHECK(message_of([&] {
              create_chart(eng, ann, db, input(R"({"table": "sales", "headers": ["colour"]})"));
          }) == "there is no column \"colour\" in \"sales\"");
    CHECK(code_of([&] {
              create_chart(eng, ann, db, input(R"({"table": "sales", "chartType": "Sankey"})"));
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              create_chart(eng, ann, db, input(R"({"table": "sales", "labelRotation": 91})"));
          }) == errc::invalid_argument);
    CHECK(code_of([&] { create_chart(eng, ann, db, input(R"({"title": "no source"})")); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] {
              create_chart(eng, ann, db, input(R"({"table": "sales", "query": "SELECT 1"})"));
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              create_chart(eng, ann, db,
                           input(std::string(R"({"table": "sales", "title": ")") +
                                 std::string(201, 'x') + "\"}"));
          }) == errc::invalid_argument);
    CHECK(code_of([&] { input(R"({"table": "sales", "colour": "red"})"); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] { input(R"({"headers": "region"})"); }) == errc::invalid_argument);
    CHECK(list_charts(eng, ann, db).empty());
}

TEST_CASE_METHOD(charts_fixture, "a dropped column or table leaves the chart broken, not failing",
                 "[charts]") {
    auto c =
        create_chart(eng, ann, db, input(R"({"table": "sales", "headers": ["region", "amount"]})"));
    run("ALTER TABLE sales DROP COLUMN amount");
    auto list = list_charts(eng, ann, db);
    REQUIRE(list.size() == 1);
    CHECK(list[0].broken);
    CHECK(list[0].broken_reason ==
          std::optional<std::string>("there is no column \"amount\" in \"sales\""));
    CHECK(code_of([&] { read_chart_data(eng, ann, db, c.ulid); }) == errc::failed_precondition);
    run("DROP TABLE sales");
    CHECK(list_charts(eng, ann, db)[0].broken_reason ==
          std::optional<std::string>("there is no table or view \"sales\""));
    // Repaired by pointing it elsewhere.
    run("CREATE TABLE sales2 (region TEXT, amount REAL)");
    update_chart(eng, ann, db, c.ulid, input(R"({"table": "sales2"})"));
    CHECK_FALSE(list_charts(eng, ann, db)[0].broken);
}

TEST_CASE_METHOD(charts_fixture, "chart data stops at max_chart_rows", "[charts]") {
    eng.internals().opts.max_chart_rows = 2;
    auto c = create_chart(eng, ann, db, input(R"({"table": "sales", "headers": ["id"]})"));
    auto data = read_chart_data(eng, ann, db, c.ulid);
    CHECK(bj::serialize(data.rows) == "[[1],[2]]");
    CHECK(data.truncated);
}

TEST_CASE_METHOD(charts_fixture, "dashboards hold charts of their database", "[charts]") {
    auto a = create_chart(eng, ann, db, input(R"({"table": "sales", "title": "A"})"));
    auto b = create_chart(eng, ann, db, input(R"({"table": "sales", "title": "B"})"));
    auto d = create_dashboard(eng, ann, db, {"Overview", std::vector{b.ulid, a.ulid}});
    CHECK(list_dashboards(eng, ann, db) == std::vector<dashboard>{d});
    CHECK(d.charts == std::vector{b.ulid, a.ulid});

    // Unknown ids, ids of another database's charts, duplicates and empty titles are refused.
    auto other_db = database(ann, "ann", "CREATE TABLE t (x INTEGER)");
    auto foreign = create_chart(eng, ann, other_db, input(R"({"table": "t"})"));
    CHECK(code_of([&] {
              create_dashboard(eng, ann, db, {"X", std::vector{foreign.ulid}});
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              create_dashboard(eng, ann, db, {"X", std::vector{a.ulid, a.ulid}});
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              create_dashboard(eng, ann, db, {"", std::nullopt});
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              create_dashboard(eng, ann, db, {std::nullopt, std::nullopt});
          }) == errc::invalid_argument);

    update_dashboard(eng, ann, db, d.ulid, {"Renamed", std::nullopt});
    delete_chart(eng, ann, db, b.ulid);
    auto list = list_dashboards(eng, ann, db);
    REQUIRE(list.size() == 1);
    CHECK(list[0].title == "Renamed");
    CHECK(list[0].charts == std::vector{a.ulid});
    delete_dashboard(eng, ann, db, d.ulid);
    CHECK(list_dashboards(eng, ann, db).empty());
    CHECK(code_of([&] { delete_dashboard(eng, ann, db, d.ulid); }) == errc::not_found);
    CHECK(code_of([&] { delete_chart(eng, ann, db, b.ulid); }) == errc::not_found);
}

TEST_CASE_METHOD(charts_fixture, "counts are capped per database", "[charts]") {
    eng.internals().opts.max_charts_per_database = 2;
    eng.internals().opts.max_charts_per_dashboard = 1;
    auto a = create_chart(eng, ann, db, input(R"({"table": "sales"})"));
    auto b = create_chart(eng, ann, db, input(R"({"table": "sales"})"));
    CHECK(code_of([&] { create_chart(eng, ann, db, input(R"({"table": "sales"})")); }) ==
          errc::failed_precondition);
    CHECK(code_of([&] {
              create_dashboard(eng, ann, db, {"D", std::vector{a.ulid, b.ulid}});
          }) == errc::invalid_argument);
}

TEST_CASE_METHOD(charts_fixture, "readers see charts, only editors change them", "[charts]") {
    auto bob = user("bob");
    auto c = create_chart(eng, ann, db, input(R"({"table": "sales"})"));
    // Bob is not a member: the database does not exist for him.
    CHECK(code_of([&] { list_charts(eng, bob, db); }) == errc::not_found);
    set_member_roles(eng, ann, "ann", "bob", {{team_role::viewer}});
    CHECK(list_charts(eng, bob, db).size() == 1);
    CHECK(read_chart_data(eng, bob, db, c.ulid).rows.size() == 3);
    CHECK(code_of([&] { create_chart(eng, bob, db, input(R"({"table": "sales"})")); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { delete_chart(eng, bob, db, c.ulid); }) == errc::permission_denied);
    set_member_roles(eng, ann, "ann", "bob", {{team_role::editor}});
    delete_chart(eng, bob, db, c.ulid);
    CHECK(list_charts(eng, ann, db).empty());
}
