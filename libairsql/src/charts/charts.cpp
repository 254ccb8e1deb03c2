// SPDX-License-Identifier: Apache-2.0
#include "airsql/charts.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <set>

#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "auth/access.hpp"
#include "core/ids.hpp"
#include "json/utf8.hpp"
#include "sql/script_execution.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/script.hpp"
#include "tables/table_reader.hpp"

namespace airsql {

namespace bj = boost::json;

namespace {

constexpr std::string_view chart_kind = "chart";
constexpr std::string_view dashboard_kind = "dashboard";
constexpr std::size_t max_title_bytes = 200;
constexpr std::size_t max_headers = 64;
constexpr std::size_t max_name_bytes = 1024;

const std::vector<std::string>& known_chart_types() {
    static const std::vector<std::string> types = {"BarChart",  "ColumnChart", "LineChart",
                                                   "AreaChart", "PieChart",    "ScatterChart"};
    return types;
}

[[noreturn]] void bad(const std::string& message) { throw error(errc::invalid_argument, message); }

void check_text(const std::string& text, std::string_view field, std::size_t max_bytes) {
    if (text.size() > max_bytes) {
        bad(fmt::format("{} must have at most {} bytes", field, max_bytes));
    }
    if (json::first_invalid_utf8(text) != text.size() || text.find('\0') != std::string::npos) {
        bad(fmt::format("{} must be UTF-8 text without NUL", field));
    }
}

// ---- stored form ----

std::string stored_body(const chart& c) {
    bj::value v = bj::value_from(c);
    auto& o = v.as_object();
    o.erase("ulid");
    o.erase("broken");
    o.erase("brokenReason");
    return bj::serialize(v);
}

std::string text_or_empty(const bj::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::optional<std::string> text_or_null(const bj::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || !v->is_string()) return std::nullopt;
    return std::string(v->get_string());
}

std::vector<std::string> texts(const bj::object& o, std::string_view key) {
    std::vector<std::string> out;
    if (const auto* v = o.if_contains(key); v && v->is_array()) {
        for (const auto& item : v->get_array()) {
            if (item.is_string()) out.emplace_back(item.get_string());
        }
    }
    return out;
}

chart chart_from_record(const catalog::object_record& r) {
    auto v = bj::parse(r.body);
    const auto& o = v.as_object();
    chart c;
    c.ulid = r.ulid;
    c.chart_type = text_or_empty(o, "chartType");
    c.headers = texts(o, "headers");
    if (const auto* h = o.if_contains("hideNullValues"); h && h->is_bool()) {
        c.hide_null_values = h->get_bool();
    }
    if (const auto* l = o.if_contains("labelRotation"); l && l->is_int64()) {
        c.label_rotation = l->get_int64();
    }
    c.table = text_or_null(o, "table");
    c.query = text_or_null(o, "query");
    c.title = text_or_empty(o, "title");
    return c;
}

std::string stored_body(const dashboard& d) {
    bj::value v = bj::value_from(d);
    v.as_object().erase("ulid");
    return bj::serialize(v);
}

dashboard dashboard_from_record(const catalog::object_record& r) {
    auto v = bj::parse(r.body);
    const auto& o = v.as_object();
    return {r.ulid, text_or_empty(o, "title"), texts(o, "charts")};
}

// ---- checks ----

chart apply(chart c, const chart_input& in) {
    if (in.table && *in.table && in.query && *in.query) {
        bad("a chart plots either a table (\"table\") or a query (\"query\"), not both");
    }
    if (in.chart_type) c.chart_type = *in.chart_type;
    if (in.headers) c.headers = *in.headers;
    if (in.hide_null_values) c.hide_null_values = *in.hide_null_values;
    if (in.label_rotation) c.label_rotation = *in.label_rotation;
    if (in.title) c.title = *in.title;
    if (in.table) {
        c.table = *in.table;
        if (c.table) c.query.reset();
    }
    if (in.query) {
        c.query = *in.query;
        if (c.query) c.table.reset();
    }
    return c;
}

void check_fields(const engine::impl& e, const chart& c) {
    const auto& types = known_chart_types();
    if (std::find(types.begin(), types.end(), c.chart_type) == types.end()) {
        std::string list;
        for (const auto& t : types) list += (list.empty() ? "" : ", ") + t;
        bad(fmt::format("chartType must be one of {}", list));
    }
    if (c.label_rotation < -90 || c.label_rotation > 90) {
        bad("labelRotation must be between -90 and 90 degrees");
    }
    check_text(c.title, "title", max_title_bytes);
    if (c.headers.size() > max_headers) {
        bad(fmt::format("headers may name at most {} columns", max_headers));
    }
    std::set<std::string> seen;
    for (const auto& h : c.headers) {
        check_text(h, "each header", max_name_bytes);
        if (!seen.insert(tables::ascii_lower(h)).second) {
            bad(fmt::format("headers names \"{}\" twice", h));
        }
    }
    if (c.table.has_value() == c.query.has_value()) {
        bad("a chart plots either a table (\"table\") or a query (\"query\"): give exactly one");
    }
    if (c.table) check_text(*c.table, "table", max_name_bytes);
    if (c.query) sql::check_script_text(e.opts, *c.query);
}

// The columns a chart's source has, or why it does not work (the table or a column is gone,
// the query no longer prepares).
struct source_check {
    std::vector<std::string> columns;
    std::optional<std::string> problem;
};

source_check check_source(engine::impl& e, sqlite::connection& conn, const chart& c) {
    source_check out;
    if (c.table) {
        auto t = tables::find_table(conn, *c.table);
        if (!t) {
            out.problem = fmt::format("there is no table or view \"{}\"", *c.table);
            return out;
        }
        for (const auto& col : t->columns) out.columns.push_back(col.name);
    } else {
        auto settings = sql::script_settings_for(e.opts, sqlite::sql_rights::read_only);
        sqlite::confinement guard(conn, sqlite::sql_rights::read_only,
                                  sqlite::confinement::clock::now() + settings.timeout);
        if (!sqlite::is_single_read_only_statement(conn, guard, *c.query)) {
            out.problem = "the query must be one statement that only reads (SELECT, WITH, VALUES)";
            return out;
        }
        auto st = conn.prepare(*c.query);
        for (int i = 0; i < st.column_count(); ++i) out.columns.push_back(st.column_name(i));
    }
    for (const auto& h : c.headers) {
        bool found = std::any_of(out.columns.begin(), out.columns.end(), [&](const auto& col) {
            return tables::ascii_lower(col) == tables::ascii_lower(h);
        });
        if (!found) {
            out.problem = fmt::format("there is no column \"{}\" in {}", h,
                                      c.table ? "\"" + *c.table + "\"" : "the query's result");
            return out;
        }
    }
    return out;
}

struct opened {
    auth::resolved_database db;
    std::shared_ptr<database::hosted_database> hosted;
};

opened open_for(engine::impl& e, const principal& who, std::string_view db_id, bool change) {
    auto db = auth::resolve_database(e, who, db_id);
    if (change) {
        auth::require_editor(db);
    } else {
        auth::require_read(db);
    }
    auto hosted = e.databases.open(db.record.id);
    return {std::move(db), std::move(hosted)};
}

// Checks a chart about to be stored: fields, then its source against the live schema.
void check_chart(engine::impl& e, opened& o, const chart& c) {
    check_fields(e, c);
    auto conn = o.hosted->reader();
    auto check = check_source(e, *conn, c);
    if (check.problem) bad(*check.problem);
}

chart stored_chart(engine::impl& e, const opened& o, std::string_view chart_id) {
    auto r = e.catalog.find_object(o.db.record.id, chart_kind, chart_id);
    if (!r) throw error(errc::not_found, fmt::format("there is no chart \"{}\"", chart_id));
    return chart_from_record(*r);
}

void check_dashboard(engine::impl& e, const opened& o, const dashboard& d) {
    if (d.title.empty()) bad("title must not be empty");
    check_text(d.title, "title", max_title_bytes);
    if (d.charts.size() > e.opts.max_charts_per_dashboard) {
        bad(fmt::format("a dashboard may hold at most {} charts", e.opts.max_charts_per_dashboard));
    }
    std::set<std::string> known;
    for (const auto& r : e.catalog.objects(o.db.record.id, chart_kind)) known.insert(r.ulid);
    std::set<std::string> seen;
    for (const auto& id : d.charts) {
        if (!known.count(id)) {
            bad(fmt::format("there is no chart \"{}\" in this database",
                            json::to_valid_utf8(id.substr(0, 64))));
        }
        if (!seen.insert(id).second) bad(fmt::format("charts names \"{}\" twice", id));
    }
}

}  // namespace

std::vector<std::string> chart_types() { return known_chart_types(); }

std::vector<chart> list_charts(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto o = open_for(e, who, db_id, false);
    std::vector<chart> out;
    auto records = e.catalog.objects(o.db.record.id, chart_kind);
    if (records.empty()) return out;
    auto conn = o.hosted->reader();
    sqlite::transaction tx(*conn, sqlite::transaction::kind::deferred);
    for (const auto& r : records) {
        auto c = chart_from_record(r);
        auto check = check_source(e, *conn, c);
        c.broken = check.problem.has_value();
        c.broken_reason = check.problem;
        out.push_back(std::move(c));
    }
    tx.commit();
    return out;
}

chart create_chart(engine& eng, const principal& who, std::string_view db_id,
                   const chart_input& input) {
    auto& e = eng.internals();
    auto o = open_for(e, who, db_id, true);
    chart c;
    c.chart_type = "BarChart";
    c = apply(std::move(c), input);
    check_chart(e, o, c);
    c.ulid = core::make_ulid();
    e.catalog.insert_object(o.db.record.id, chart_kind, {c.ulid, stored_body(c)},
                            e.opts.max_charts_per_database);
    return c;
}

void update_chart(engine& eng, const principal& who, std::string_view db_id,
                  std::string_view chart_id, const chart_input& input) {
    auto& e = eng.internals();
    auto o = open_for(e, who, db_id, true);
    auto c = apply(stored_chart(e, o, chart_id), input);
    check_chart(e, o, c);
    e.catalog.update_object(o.db.record.id, chart_kind, {c.ulid, stored_body(c)}, "chart");
}

void delete_chart(engine& eng, const principal& who, std::string_view db_id,
                  std::string_view chart_id) {
    auto& e = eng.internals();
    auto o = open_for(e, who, db_id, true);
    e.catalog.delete_object(o.db.record.id, chart_kind, chart_id, "chart");
    // Dashboards forget the chart (list_dashboards also hides ids that no longer exist, in
    // case a dashboard was saved while the chart was being deleted).
    for (const auto& r : e.catalog.objects(o.db.record.id, dashboard_kind)) {
        auto d = dashboard_from_record(r);
        auto end = std::remove(d.charts.begin(), d.charts.end(), std::string(chart_id));
        if (end == d.charts.end()) continue;
        d.charts.erase(end, d.charts.end());
        try {
            e.catalog.update_object(o.db.record.id, dashboard_kind, {d.ulid, stored_body(d)},
                                    "dashboard");
        } catch (const error& err) {
            if (err.code() != errc::not_found) throw;  // deleted meanwhile
        }
    }
}

chart_data read_chart_data(engine& eng, const principal& who, std::string_view db_id,
                           std::string_view chart_id) {
    auto& e = eng.internals();
    auto o = open_for(e, who, db_id, false);
    auto c = stored_chart(e, o, chart_id);
    auto conn = o.hosted->reader();
    auto check = check_source(e, *conn, c);
    if (check.problem) {
        throw error(errc::failed_precondition,
                    fmt::format("the chart is broken: {}", *check.problem));
    }
    chart_data out;
    out.headers = c.headers.empty() ? check.columns : c.headers;
    if (out.headers.empty()) return out;
    std::string select;
    for (std::size_t i = 0; i < out.headers.size(); ++i) {
        select +=
            (i ? ", " : "") + sqlite::quote_identifier(out.headers[i]) + fmt::format(" AS c{}", i);
    }
    std::string sql;
    if (c.table) {
        auto t = tables::require_table(*conn, *c.table);
        sql = fmt::format("SELECT {} FROM {}{}", select, sqlite::quote_identifier(t.name),
                          t.is_view || t.without_rowid ? "" : " ORDER BY rowid");
    } else {
        // The query was checked to be one read-only statement on its own; the newline ends a
        // trailing line comment.
        sql = fmt::format("SELECT {} FROM ({}\n)", select, *c.query);
    }
    if (c.hide_null_values) {
        std::string where;
        for (std::size_t i = 0; i < out.headers.size(); ++i) {
            where += fmt::format("{}c{} IS NOT NULL", i ? " AND " : "", i);
        }
        sql = fmt::format("SELECT * FROM ({}) WHERE {}", sql, where);
    }
    sql += fmt::format(" LIMIT {}", e.opts.max_chart_rows + 1);
    auto settings = sql::script_settings_for(e.opts, sqlite::sql_rights::read_only);
    settings.max_rows = e.opts.max_chart_rows + 1;
    auto result = sql::execute_script(*conn, sql, settings);
    if (!result.errors.empty()) {
        throw error(errc::failed_precondition,
                    fmt::format("the chart's data could not be read: {}", result.errors.front()));
    }
    for (auto& row : result.rows) {
        if (out.rows.size() == e.opts.max_chart_rows) {
            out.truncated = true;
            break;
        }
        bj::array values;
        for (std::size_t i = 0; i < out.headers.size(); ++i) {
            values.push_back(row.as_object().at(fmt::format("c{}", i)));
        }
        out.rows.push_back(std::move(values));
    }
    return out;
}

std::vector<dashboard> list_dashboards(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto o = open_for(e, who, db_id, false);
    std::set<std::string> charts;
    for (const auto& r : e.catalog.objects(o.db.record.id, chart_kind)) charts.insert(r.ulid);
    std::vector<dashboard> out;
    for (const auto& r : e.catalog.objects(o.db.record.id, dashboard_kind)) {
        auto d = dashboard_from_record(r);
        std::erase_if(d.charts, [&](const std::string& id) { return !charts.count(id); });
        out.push_back(std::move(d));
    }
    return out;
}

dashboard create_dashboard(engine& eng, const principal& who, std::string_view db_id,
                           const dashboard_input& input) {
    auto& e = eng.internals();
    auto o = open_for(e, who, db_id, true);
    if (!input.title) bad("a dashboard needs a title");
    dashboard d{"", *input.title, input.charts.value_or(std::vector<std::string>{})};
    check_dashboard(e, o, d);
    d.ulid = core::make_ulid();
    e.catalog.insert_object(o.db.record.id, dashboard_kind, {d.ulid, stored_body(d)},
                            e.opts.max_dashboards_per_database);
    return d;
}

void update_dashboard(engine& eng, const principal& who, std::string_view db_id,
                      std::string_view dashboard_id, const dashboard_input& input) {
    auto& e = eng.internals();
    auto o = open_for(e, who, db_id, true);
    auto r = e.catalog.find_object(o.db.record.id, dashboard_kind, dashboard_id);
    if (!r) throw error(errc::not_found, fmt::format("there is no dashboard \"{}\"", dashboard_id));
    auto d = dashboard_from_record(*r);
    if (input.title) d.title = *input.title;
    if (input.charts) d.charts = *input.charts;
    check_dashboard(e, o, d);
    e.catalog.update_object(o.db.record.id, dashboard_kind, {d.ulid, stored_body(d)}, "dashboard");
}

void delete_dashboard(engine& eng, const principal& who, std::string_view db_id,
                      std::string_view dashboard_id) {
    auto& e = eng.internals();
    auto o = open_for(e, who, db_id, true);
    e.catalog.delete_object(o.db.record.id, dashboard_kind, dashboard_id, "dashboard");
}

}  // namespace airsql
