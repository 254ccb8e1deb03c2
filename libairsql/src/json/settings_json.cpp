// SPDX-License-Identifier: Apache-2.0
// JSON shapes of database settings, environment variables and the audit log.
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <fmt/format.h>

#include "airsql/settings.hpp"
#include "json/read.hpp"

namespace airsql {

namespace bj = boost::json;

namespace {

// A boolean, also in the tagged form ({"tag": "BoolValue", "contents": true}); absent or
// null: unchanged.
std::optional<bool> patch_bool(const bj::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    const auto& u = json::untag(*v, key);
    if (u.is_null()) json::fail(fmt::format("field \"{}\" cannot be null", key));
    if (!u.is_bool()) json::fail(fmt::format("field \"{}\" must be true or false", key));
    return u.get_bool();
}

env_var_input read_env_var(const bj::value& jv, std::string_view what) {
    const auto& o = json::as_object(jv, what);
    return {json::required_string(o, "name"), json::required_string(o, "value")};
}

}  // namespace

void tag_invoke(bj::value_from_tag, bj::value& jv, const env_var& v) {
    jv = {{"created_utc", v.created_utc}, {"name", v.name}, {"value", bj::value_from(v.value)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const database_settings& v) {
    jv = {{"auditing", v.auditing},
          {"environment", bj::value_from(v.environment)},
          {"envVars", bj::value_from(v.env_vars)},
          {"schemaLocked", v.schema_locked},
          {"viewsTab", v.views_tab},
          {"visibility", to_string(v.visibility)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const audit_entry& v) {
    jv = {{"id", v.id},
          {"utc", v.utc},
          {"principal", v.principal},
          {"tableName", bj::value_from(v.table_name)},
          {"rowId", bj::value_from(v.row_id)},
          {"operation", v.operation},
          {"oldValues", v.old_values},
          {"newValues", v.new_values}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const audit_page& v) {
    jv = {{"entries", bj::value_from(v.entries)}, {"nextCursor", bj::value_from(v.next_cursor)}};
}

env_var_input tag_invoke(bj::value_to_tag<env_var_input>, const bj::value& jv) {
    return read_env_var(jv, "request body");
}

env_var_patch tag_invoke(bj::value_to_tag<env_var_patch>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    env_var_patch p;
    p.name = json::optional_string(o, "name");
    p.value = json::optional_string(o, "value");
    if (!p.name && !p.value) json::fail("give a new \"name\", a new \"value\", or both");
    return p;
}

settings_patch tag_invoke(bj::value_to_tag<settings_patch>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    settings_patch p;
    p.auditing = patch_bool(o, "auditing");
    p.environment = json::patch_string(o, "environment");
    p.schema_locked = patch_bool(o, "schemaLocked");
    p.views_tab = patch_bool(o, "viewsTab");
    if (auto vis = json::optional_string(o, "visibility")) {
        if (*vis == "private") {
            p.visibility = visibility::team_only;
        } else if (*vis == "public") {
            p.visibility = visibility::public_read;
        } else {
            json::fail("visibility must be \"private\" or \"public\"");
        }
    }
    if (const auto* vars = o.if_contains("envVars"); vars && !vars->is_null()) {
        if (!vars->is_array()) json::fail("field \"envVars\" must be an array of {name, value}");
        std::vector<env_var_input> list;
        for (const auto& item : vars->get_array()) {
            list.push_back(read_env_var(item, "each envVars entry"));
        }
        p.env_vars = std::move(list);
    }
    for (const auto& [key, value] : o) {
        static constexpr std::string_view known[] = {"auditing",  "environment", "schemaLocked",
                                                     "viewsTab",  "visibility",  "envVars"};
        if (std::find(std::begin(known), std::end(known), key) == std::end(known)) {
            json::fail(fmt::format("unknown settings field \"{}\"", std::string_view(key)));
        }
    }
    return p;
}

}  // namespace airsql
