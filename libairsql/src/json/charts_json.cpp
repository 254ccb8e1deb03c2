// SPDX-License-Identifier: Apache-2.0
// JSON shapes of charts and dashboards.
#include <fmt/format.h>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>

#include "airsql/charts.hpp"
#include "json/read.hpp"

namespace airsql {

namespace bj = boost::json;

namespace {

std::vector<std::string> string_list(const bj::object& o, std::string_view key) {
    const auto& v = o.at(key);
    if (!v.is_array()) json::fail(fmt::format("field \"{}\" must be an array of strings", key));
    std::vector<std::string> out;
    for (const auto& item : v.get_array()) {
        if (!item.is_string()) {
            json::fail(fmt::format("field \"{}\" must be an array of strings", key));
        }
        out.emplace_back(item.get_string());
    }
    return out;
}

void refuse_unknown(const bj::object& o, std::initializer_list<std::string_view> known,
                    std::string_view what) {
    for (const auto& [key, value] : o) {
        if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end()) {
            json::fail(fmt::format("unknown {} field \"{}\"", what, std::string_view(key)));
        }
    }
}

}  // namespace

void tag_invoke(bj::value_from_tag, bj::value& jv, const chart& v) {
    jv = {{"chartType", v.chart_type},
          {"headers", bj::value_from(v.headers)},
          {"hideNullValues", v.hide_null_values},
          {"labelRotation", v.label_rotation},
          {"table", bj::value_from(v.table)},
          {"query", bj::value_from(v.query)},
          {"title", v.title},
          {"ulid", v.ulid},
          {"broken", v.broken},
          {"brokenReason", bj::value_from(v.broken_reason)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const chart_data& v) {
    jv = {{"headers", bj::value_from(v.headers)}, {"rows", v.rows}, {"truncated", v.truncated}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const dashboard& v) {
    jv = {{"charts", bj::value_from(v.charts)}, {"title", v.title}, {"ulid", v.ulid}};
}

chart_input tag_invoke(bj::value_to_tag<chart_input>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    // A chart read from GET may be sent back whole: its ulid and computed fields are ignored.
    refuse_unknown(o,
                   {"chartType", "headers", "hideNullValues", "labelRotation", "table", "query",
                    "title", "ulid", "broken", "brokenReason"},
                   "chart");
    chart_input in;
    in.chart_type = json::optional_string(o, "chartType");
    if (o.contains("headers") && !o.at("headers").is_null()) in.headers = string_list(o, "headers");
    in.hide_null_values = json::optional_bool(o, "hideNullValues");
    in.label_rotation = json::optional_int(o, "labelRotation");
    in.table = json::patch_string(o, "table");
    in.query = json::patch_string(o, "query");
    in.title = json::optional_string(o, "title");
    return in;
}

dashboard_input tag_invoke(bj::value_to_tag<dashboard_input>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    refuse_unknown(o, {"title", "charts", "ulid"}, "dashboard");
    dashboard_input in;
    in.title = json::optional_string(o, "title");
    if (o.contains("charts") && !o.at("charts").is_null()) in.charts = string_list(o, "charts");
    return in;
}

}  // namespace airsql
