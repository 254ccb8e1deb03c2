// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/charts.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr const char* chart_request =
    R"({"chartType": "BarChart", "headers": [], "hideNullValues": false, "labelRotation": 30, "table": "users", "title": "Example Chart"})";

constexpr const char* chart_example =
    R"({"chartType": "BarChart", "headers": [], "hideNullValues": false, "labelRotation": 30, "table": "users", "query": null, "title": "Example Chart", "ulid": "01gdbtepbmpt3jk8y94yc05snr", "broken": false, "brokenReason": null})";

constexpr const char* dashboard_request = R"({"charts": [], "title": "Example Dashboard"})";

constexpr const char* dashboard_example =
    R"({"charts": [], "title": "Example Dashboard", "ulid": "01gd08ghjpx1vzzwdrp3pfcjh1"})";

}  // namespace

void add_chart_routes(router& r) {
    r.add("GET", "/api/dbs/:dbId/charts",
          {"Charts",
           "The database's charts (read access), oldest first. A chart whose table, column or "
           "query no longer works is marked broken, with the reason.",
           "", std::string(R"({"charts": [)") + chart_example + "]}"},
          [](route_context& c) {
              return json_response(bj::object{
                  {"charts", bj::value_from(list_charts(c.eng, c.who(), c.param("dbId")))}});
          });
    r.add("POST", "/api/dbs/:dbId/charts",
          {"Charts",
           "Creates a chart (team Editors and Admins, write tokens). chartType: BarChart, "
           "ColumnChart, LineChart, AreaChart, PieChart or ScatterChart; headers: the columns to "
           "plot, labels first (empty: all); either table (a table or view) or query (one "
           "read-only SELECT).",
           chart_request, chart_example},
          [](route_context& c) {
              return json_response(bj::value_from(create_chart(c.eng, c.who(), c.param("dbId"),
                                                               c.body_as<chart_input>())),
                                   201);
          });
    r.add("PATCH", "/api/dbs/:dbId/charts/:chartId",
          {"Charts", "Changes a chart; absent fields stay (Editor rights).", chart_request, "{}"},
          [](route_context& c) {
              update_chart(c.eng, c.who(), c.param("dbId"), c.param("chartId"),
                           c.body_as<chart_input>());
              return json_response(bj::object{});
          });
    r.add("DELETE", "/api/dbs/:dbId/charts/:chartId",
          {"Charts", "Deletes a chart and takes it off every dashboard (Editor rights).", "", "{}"},
          [](route_context& c) {
              delete_chart(c.eng, c.who(), c.param("dbId"), c.param("chartId"));
              return json_response(bj::object{});
          });
    r.add(
        "GET", "/api/dbs/:dbId/charts/:chartId/data",
        {"Charts",
         "The rows a chart plots (read access): the headers' values per row, in rowid order "
         "for tables, at most 10,000 rows (truncated: true when there were more). A broken "
         "chart answers 409.",
         "",
         R"({"headers": ["name", "age"], "rows": [["Ann", 31], ["Bo", 27]], "truncated": false})"},
        [](route_context& c) {
            return json_response(bj::value_from(
                read_chart_data(c.eng, c.who(), c.param("dbId"), c.param("chartId"))));
        });
    r.add(
        "GET", "/api/dbs/:dbId/dashboards",
        {"Charts", "The database's dashboards (read access), oldest first.", "",
         std::string(R"({"dashboards": [)") + dashboard_example + "]}"},
        [](route_context& c) {
            return json_response(bj::object{
                {"dashboards", bj::value_from(list_dashboards(c.eng, c.who(), c.param("dbId")))}});
        });
    r.add("POST", "/api/dbs/:dbId/dashboards",
          {"Charts",
           "Creates a dashboard: a title and the ids of charts of this database, in display "
           "order (Editor rights).",
           dashboard_request, dashboard_example},
          [](route_context& c) {
              return json_response(bj::value_from(create_dashboard(c.eng, c.who(), c.param("dbId"),
                                                                   c.body_as<dashboard_input>())),
                                   201);
          });
    r.add("PATCH", "/api/dbs/:dbId/dashboards/:dashboardId",
          {"Charts", "Changes a dashboard's title and/or charts (Editor rights).",
           dashboard_request, "{}"},
          [](route_context& c) {
              update_dashboard(c.eng, c.who(), c.param("dbId"), c.param("dashboardId"),
                               c.body_as<dashboard_input>());
              return json_response(bj::object{});
          });
    r.add("DELETE", "/api/dbs/:dbId/dashboards/:dashboardId",
          {"Charts", "Deletes a dashboard; its charts stay (Editor rights).", "", "{}"},
          [](route_context& c) {
              delete_dashboard(c.eng, c.who(), c.param("dbId"), c.param("dashboardId"));
              return json_response(bj::object{});
          });
}

}  // namespace airsql::server
