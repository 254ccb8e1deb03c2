// SPDX-License-Identifier: Apache-2.0
// Charts and dashboards of a database (`/api/dbs/:dbId/charts`, `…/dashboards`).
//
// A chart plots the rows of a table or view, or of a read-only SQL query (beyond Airsequel),
// as a bar, column, line, area, pie or scatter chart. `headers` names the columns to plot: the
// first gives the labels (x axis), the others one series each; empty means every column.
// Charts are checked against the database when saved (unknown table or column:
// `invalid_argument`); a chart whose table or column is dropped later stays, marked `broken`
// with the reason, and its data route answers `failed_precondition` instead of failing.
// A dashboard is a titled, ordered list of the database's charts.
#pragma once

#include <boost/json/array.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/patch.hpp"

namespace airsql {

class engine;
class principal;

/// The chart types, as Airsequel names them ("BarChart", …).
std::vector<std::string> chart_types();

/// A stored chart: `GET /api/dbs/:id/charts` items, `POST …/charts` response.
struct chart {
    std::string ulid;
    std::string chart_type;            ///< JSON "chartType": one of chart_types()
    std::vector<std::string> headers;  ///< columns to plot: labels first, then the series
    bool hide_null_values = false;     ///< JSON "hideNullValues": skip rows with a NULL value
    std::int64_t label_rotation = 0;   ///< JSON "labelRotation": degrees, -90…90
    std::optional<std::string> table;  ///< the table or view plotted, or null with `query`
    std::optional<std::string> query;  ///< a read-only SELECT plotted instead of a table
    std::string title;
    /// Computed on reading: the table, a column or the query no longer works. JSON "broken"
    /// and "brokenReason" (null when not broken).
    bool broken = false;
    std::optional<std::string> broken_reason;
    bool operator==(const chart&) const = default;
};

/// `POST …/charts` body (every field but `table`/`query` has a default), and `PATCH
/// …/charts/:chartId` body (absent fields stay as they are; `table` or `query` set to a value
/// clears the other).
struct chart_input {
    std::optional<std::string> chart_type;
    std::optional<std::vector<std::string>> headers;
    std::optional<bool> hide_null_values;
    std::optional<std::int64_t> label_rotation;
    patch<std::string> table;
    patch<std::string> query;
    std::optional<std::string> title;
    bool operator==(const chart_input&) const = default;
};

/// The rows a chart plots: `GET /api/dbs/:dbId/charts/:chartId/data`.
struct chart_data {
    std::vector<std::string> headers;  ///< the plotted columns, labels first
    /// One array per row, values in `headers` order (BLOBs as {"type":"blob"}).
    boost::json::array rows;
    bool truncated = false;  ///< more rows than `options::max_chart_rows`
};

/// A stored dashboard.
struct dashboard {
    std::string ulid;
    std::string title;
    std::vector<std::string> charts;  ///< chart ulids, in display order
    bool operator==(const dashboard&) const = default;
};

/// `POST …/dashboards` body (title required) and `PATCH …/dashboards/:dashboardId` body
/// (absent fields stay).
struct dashboard_input {
    std::optional<std::string> title;
    std::optional<std::vector<std::string>> charts;
    bool operator==(const dashboard_input&) const = default;
};

/// The charts of a database in creation order, each checked against the current schema.
/// Needs read access.
std::vector<chart> list_charts(engine& eng, const principal& who, std::string_view db_id);

/// Creates a chart. Needs Editor rights (team Editor/Admin or a `write` token). Checked: the
/// type, exactly one of table and query, the table exists, every header is one of its
/// columns (or of the query's result columns), the query is a single read-only statement,
/// title at most 200 bytes, rotation in -90…90, at most `options::max_charts_per_database`.
chart create_chart(engine& eng, const principal& who, std::string_view db_id,
                   const chart_input& input);

/// Changes a chart (Editor rights), checked as create_chart. `not_found` for an unknown id.
void update_chart(engine& eng, const principal& who, std::string_view db_id,
                  std::string_view chart_id, const chart_input& input);

/// Deletes a chart and removes it from every dashboard (Editor rights).
void delete_chart(engine& eng, const principal& who, std::string_view db_id,
                  std::string_view chart_id);

/// Runs a chart: the `headers` columns of its table (in rowid order) or of its query's rows,
/// at most `options::max_chart_rows`, with the caller's read rights, under the SQL endpoint's
/// time and memory limits. `failed_precondition` when the chart is broken.
chart_data read_chart_data(engine& eng, const principal& who, std::string_view db_id,
                           std::string_view chart_id);

/// The dashboards of a database in creation order (read access).
std::vector<dashboard> list_dashboards(engine& eng, const principal& who, std::string_view db_id);

/// Creates a dashboard (Editor rights): title 1–200 bytes; charts must be charts of this
/// database, each at most once, at most `options::max_charts_per_dashboard`; at most
/// `options::max_dashboards_per_database`.
dashboard create_dashboard(engine& eng, const principal& who, std::string_view db_id,
                           const dashboard_input& input);
void update_dashboard(engine& eng, const principal& who, std::string_view db_id,
                      std::string_view dashboard_id, const dashboard_input& input);
void delete_dashboard(engine& eng, const principal& who, std::string_view db_id,
                      std::string_view dashboard_id);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const chart& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const chart_data& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const dashboard& v);
chart_input tag_invoke(boost::json::value_to_tag<chart_input>, const boost::json::value& jv);
dashboard_input tag_invoke(boost::json::value_to_tag<dashboard_input>,
                           const boost::json::value& jv);

}  // namespace airsql
