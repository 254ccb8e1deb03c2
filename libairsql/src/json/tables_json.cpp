// SPDX-License-Identifier: Apache-2.0
// JSON shapes of the tables API (keys as in Airsequel's reference).
#include <fmt/format.h>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <cmath>

#include "airsql/tables.hpp"
#include "json/read.hpp"

namespace airsql {

namespace bj = boost::json;

void tag_invoke(bj::value_from_tag, bj::value& jv, const column_validations& v) {
    bj::object o;
    if (v.min) o["min"] = *v.min;
    if (v.max) o["max"] = *v.max;
    jv = std::move(o);
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const table_column& v) {
    jv = {{"gqlDataType", bj::value_from(v.gql_data_type)},
          {"inputElement", v.input_element},
          {"isGenerated", v.is_generated},
          {"isNonNull", v.is_non_null},
          {"isOmittable", v.is_omittable},
          {"isPrimaryKey", v.is_primary_key},
          {"isUnique", v.is_unique},
          {"items", bj::value_from(v.items)},
          {"name", v.name},
          {"sqliteDataType", v.sqlite_data_type},
          {"validations", bj::value_from(v.validations)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const table_details& v) {
    jv = {{"columns", bj::value_from(v.columns)},
          {"description", bj::value_from(v.description)},
          {"maxCellLimitReached", v.max_cell_limit_reached},
          {"name", v.name},
          {"numberOfRows", v.number_of_rows},
          {"rowidColumnName", bj::value_from(v.rowid_column_name)},
          {"tableType", v.table_type}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const drop_report& v) {
    bj::object o;
    if (!v.dropped_indexes.empty()) o["droppedIndexes"] = bj::value_from(v.dropped_indexes);
    jv = std::move(o);
}

namespace {

// A JSON scalar as an SQL literal (the "default" field).
std::string literal_sql(const bj::value& v) {
    switch (v.kind()) {
        case bj::kind::string: {
            std::string out = "'";
            for (char c : v.get_string()) {
                if (c == '\'') out.push_back('\'');
                out.push_back(c);
            }
            return out + "'";
        }
        case bj::kind::int64:
            return std::to_string(v.get_int64());
        case bj::kind::uint64:
            return std::to_string(v.get_uint64());
        case bj::kind::double_: {
            double d = v.get_double();
            if (!std::isfinite(d)) json::fail("field \"default\" must be a finite number");
            return fmt::format("{}", d);
        }
        case bj::kind::bool_:
            return v.get_bool() ? "1" : "0";
        default:
            json::fail("field \"default\" must be a string, number, boolean or null");
    }
}

std::optional<std::vector<std::string>> read_items(const bj::value& v) {
    if (v.is_null()) return std::nullopt;
    if (!v.is_array()) json::fail("field \"items\" must be an array of strings or null");
    std::vector<std::string> out;
    for (const auto& item : v.get_array()) {
        if (item.is_string()) {
            out.emplace_back(item.get_string());
        } else if (item.is_int64() || item.is_uint64() || item.is_double()) {
            out.push_back(literal_sql(item));
        } else {
            json::fail("field \"items\" must hold strings or numbers");
        }
    }
    return out;
}

std::optional<std::string> default_of(const bj::object& o) {
    const auto* literal = o.if_contains("default");
    auto expression = json::optional_string(o, "defaultSql");
    if (literal && !literal->is_null() && expression) {
        json::fail("give either \"default\" (a value) or \"defaultSql\" (an SQL expression)");
    }
    if (expression) return expression;
    if (literal && !literal->is_null()) return literal_sql(json::untag(*literal, "default"));
    return std::nullopt;
}

}  // namespace

column_definition tag_invoke(bj::value_to_tag<column_definition>, const bj::value& jv) {
    const auto& o = json::as_object(jv, "a column definition");
    column_definition d;
    d.name = json::optional_string(o, "name").value_or("");
    if (const auto* t = o.if_contains("sqliteDataType")) {
        if (t->is_null()) {
            d.sqlite_data_type.clear();
        } else if (t->is_string()) {
            d.sqlite_data_type = std::string(t->get_string());
        } else {
            json::fail("field \"sqliteDataType\" must be a string");
        }
    }
    d.is_non_null = json::optional_bool(o, "isNonNull").value_or(false);
    d.is_unique = json::optional_bool(o, "isUnique").value_or(false);
    d.is_primary_key = json::optional_bool(o, "isPrimaryKey").value_or(false);
    d.default_sql = default_of(o);
    if (const auto* items = o.if_contains("items")) d.items = read_items(*items);
    d.check = json::optional_string(o, "check");
    d.description = json::optional_string(o, "description");
    return d;
}

create_table_request tag_invoke(bj::value_to_tag<create_table_request>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    create_table_request r;
    if (const auto* cols = o.if_contains("columns"); cols && !cols->is_null()) {
        if (!cols->is_array())
            json::fail("field \"columns\" must be an array of column definitions");
        for (const auto& c : cols->get_array()) {
            auto d = bj::value_to<column_definition>(c);
            if (d.name.empty()) json::fail("every column definition needs a \"name\"");
            r.columns.push_back(std::move(d));
        }
    }
    r.description = json::optional_string(o, "description");
    return r;
}

table_patch tag_invoke(bj::value_to_tag<table_patch>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    table_patch p;
    if (auto name = json::patch_string(o, "name")) {
        if (!*name) json::fail("field \"name\" cannot be null");
        p.name = **name;
    }
    p.description = json::patch_string(o, "description");
    p.after = json::optional_string(o, "after");
    return p;
}

column_patch tag_invoke(bj::value_to_tag<column_patch>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    column_patch p;
    if (auto name = json::patch_string(o, "name")) {
        if (!*name) json::fail("field \"name\" cannot be null");
        p.name = **name;
    }
    if (const auto* t = o.if_contains("sqliteDataType")) {
        if (t->is_null()) {
            p.sqlite_data_type = "";
        } else if (t->is_string()) {
            p.sqlite_data_type = std::string(t->get_string());
        } else {
            json::fail("field \"sqliteDataType\" must be a string");
        }
    }
    p.is_non_null = json::optional_bool(o, "isNonNull");
    p.is_unique = json::optional_bool(o, "isUnique");
    if (o.if_contains("isPrimaryKey")) {
        json::fail("the primary key cannot be changed here; change the table with SQL");
    }
    if (o.if_contains("default") || o.if_contains("defaultSql")) {
        auto d = default_of(o);
        p.default_sql = d ? std::optional<std::string>(*d) : std::optional<std::string>();
    }
    if (const auto* items = o.if_contains("items")) {
        p.items = read_items(json::untag(*items, "items"));
    }
    p.check = json::patch_string(o, "check");
    p.description = json::patch_string(o, "description");
    p.after = json::optional_string(o, "after");
    return p;
}

}  // namespace airsql
