// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/export.hpp"

namespace airsql {

namespace bj = boost::json;

namespace {
bj::value optional_string(const std::optional<std::string>& s) {
    return s ? bj::value(*s) : bj::value(nullptr);
}
}  // namespace

void tag_invoke(bj::value_from_tag, bj::value& jv, const table_summary& v) {
    jv = {{"columns", bj::value_from(v.columns)},
          {"description", optional_string(v.description)},
          {"maxCellLimitReached", v.max_cell_limit_reached},
          {"name", v.name},
          {"numberOfRows", v.number_of_rows},
          {"rowidColumnName", optional_string(v.rowid_column_name)},
          {"tableType", v.table_type}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const table_search_result& v) {
    jv = bj::value_from(v.table);
    auto& obj = jv.as_object();
    obj["numberOfMatches"] = v.number_of_matches;
    obj["rows"] = v.rows;
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const azimutt_column& v) {
    // Airsequel's example: nested "columns" always present (empty: SQLite has no nested
    // columns), absent facts as null.
    jv = {{"columns", bj::array{}},
          {"comment", optional_string(v.comment)},
          {"default", optional_string(v.default_value)},
          {"name", v.name},
          {"nullable", v.nullable},
          {"type", v.type}};
}

namespace {
bj::object constraint_json(const azimutt_constraint& c, bool with_definition) {
    bj::object o{{"columns", bj::value_from(c.columns)}};
    if (with_definition) o["definition"] = c.definition;
    o["name"] = c.name;
    return o;
}
}  // namespace

void tag_invoke(bj::value_from_tag, bj::value& jv, const azimutt_table& v) {
    bj::array checks;
    for (const auto& c : v.checks) {
        checks.push_back(
            bj::object{{"columns", bj::value_from(c.columns)}, {"name", c.name}, {"predicate", c.predicate}});
    }
    bj::array uniques;
    for (const auto& u : v.uniques) uniques.push_back(constraint_json(u, true));
    bj::array indexes;
    for (const auto& i : v.indexes) indexes.push_back(constraint_json(i, true));
    bj::object o{{"checks", std::move(checks)},
                 {"columns", bj::value_from(v.columns)},
                 {"comment", optional_string(v.comment)},
                 {"indexes", std::move(indexes)},
                 {"primaryKey", v.primary_key ? bj::value(constraint_json(*v.primary_key, false))
                                              : bj::value(nullptr)},
                 {"schema", v.schema},
                 {"table", v.table},
                 {"uniques", std::move(uniques)},
                 {"view", v.view}};
    if (v.definition) o["definition"] = *v.definition;
    jv = std::move(o);
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const azimutt_relation& v) {
    auto ref = [](const azimutt_column_ref& r) {
        return bj::object{{"schema", r.schema}, {"table", r.table}, {"column", r.column}};
    };
    jv = {{"name", v.name}, {"src", ref(v.src)}, {"ref", ref(v.ref)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const azimutt_schema& v) {
    jv = {{"relations", bj::value_from(v.relations)}, {"tables", bj::value_from(v.tables)}};
}

}  // namespace airsql
