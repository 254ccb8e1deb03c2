// SPDX-License-Identifier: Apache-2.0
// JSON shapes of databases and the SQL endpoint.
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include "airsql/databases.hpp"
#include "airsql/error.hpp"
#include "airsql/sql.hpp"
#include "airsql/status.hpp"
#include "json/read.hpp"

namespace airsql {

namespace bj = boost::json;

void tag_invoke(bj::value_from_tag, bj::value& jv, const location& v) {
    jv = {{"lat", v.lat}, {"long", v.lng}, {"name", v.name}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const column_info& v) {
    jv = {{"name", v.name},
          {"sqliteDataType", v.declared_type},
          {"isNonNull", v.not_null},
          {"isPrimaryKey", v.primary_key},
          {"isGenerated", v.generated},
          {"defaultValue", bj::value_from(v.default_sql)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const table_info& v) {
    jv = {{"name", v.name}, {"tableType", v.table_type}, {"columns", bj::value_from(v.columns)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const database_info& v) {
    jv = {{"auditing", v.auditing},
          {"createdUtc", v.created_utc},
          {"description", v.description},
          {"environment", bj::value_from(v.environment)},
          {"fileFormat", v.file_format},
          {"fileName", v.file_name},
          {"id", v.id},
          {"lastModifiedUtc", v.last_modified_utc},
          {"location", bj::value_from(v.location)},
          {"name", v.name},
          {"owner", v.owner},
          // Empty for principals that may not read (see list_databases): null, not "".
          {"readonlyId", v.readonly_id.empty() ? bj::value(nullptr) : bj::value(v.readonly_id)},
          {"schemaLocked", v.schema_locked},
          {"schemaVersion", v.schema_version},
          {"size", v.size},
          {"tables", bj::value_from(v.tables)},
          {"userVersion", v.user_version},
          {"viewsTab", v.views_tab},
          {"visibility", to_string(v.visibility)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const database_list& v) {
    jv = {{"databases", bj::value_from(v.databases)},
          {"numberOfDatabases", v.number_of_databases}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const create_database_response& v) {
    jv = {{"id", v.id}, {"ownerName", v.owner_name}, {"ownershipUtc", v.ownership_utc}};
    if (v.expires_utc) {
        auto& o = jv.as_object();
        o["ownerName"] = nullptr;
        o["readonlyId"] = v.readonly_id.value_or("");
        o["expiresUtc"] = *v.expires_utc;
    }
}

create_database_request tag_invoke(bj::value_to_tag<create_database_request>,
                                   const bj::value& jv) {
    const auto& o = json::as_object(jv);
    // "team" may be absent for an anonymous database (the library checks who may omit it).
    return {json::required_string(o, "name"), json::optional_string(o, "team").value_or(""),
            json::optional_string(o, "query"), json::optional_string(o, "fileFormat")};
}

namespace {

visibility parse_visibility(const std::string& s) {
    if (s == "private") return visibility::team_only;
    if (s == "public") return visibility::public_read;
    json::fail("visibility must be \"private\" or \"public\"");
}

patch<location> patch_location(const bj::object& o) {
    const auto* v = o.if_contains("location");
    if (!v) return std::nullopt;
    const auto& u = json::untag(*v, "location");
    if (u.is_null()) return std::optional<location>();
    const auto& lo = json::as_object(u, "location");
    location loc;
    auto lat = json::optional_number(lo, "lat");
    auto lng = json::optional_number(lo, "long");
    if (!lat || !lng) json::fail("location needs numbers \"lat\" and \"long\"");
    if (*lat < -90 || *lat > 90 || *lng < -180 || *lng > 180) {
        json::fail("location: lat must be within ±90 and long within ±180");
    }
    loc.lat = *lat;
    loc.lng = *lng;
    loc.name = json::optional_string(lo, "name").value_or("");
    return std::optional<location>(loc);
}

}  // namespace

database_patch tag_invoke(bj::value_to_tag<database_patch>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    database_patch p;
    if (auto name = json::patch_string(o, "name")) {
        if (!*name) json::fail("field \"name\" cannot be null");
        p.name = **name;
    }
    p.description = json::patch_string(o, "description");
    if (auto owner = json::patch_string(o, "owner")) {
        if (!*owner) json::fail("field \"owner\" cannot be null: a database always has a team");
        p.owner = **owner;
    }
    // "team" is another name for "owner" (transfer to another team).
    if (auto team = json::patch_string(o, "team")) {
        if (!*team) json::fail("field \"team\" cannot be null: a database always has a team");
        if (p.owner && *p.owner != **team)
            json::fail("\"owner\" and \"team\" name different teams");
        p.owner = **team;
    }
    if (auto vis = json::optional_string(o, "visibility")) p.visibility = parse_visibility(*vis);
    p.environment = json::patch_string(o, "environment");
    p.location = patch_location(o);
    p.auditing = json::optional_bool(o, "auditing");
    p.schema_locked = json::optional_bool(o, "schemaLocked");
    p.views_tab = json::optional_bool(o, "viewsTab");
    return p;
}

sql_request tag_invoke(bj::value_to_tag<sql_request>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    return {json::required_string(o, "query")};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const sql_result& v) {
    bj::array errors;
    for (const auto& e : v.errors) errors.push_back(bj::object{{"message", e}});
    jv = {{"affectedTables", bj::value_from(v.affected_tables)},
          {"rows", v.rows},
          {"numChanges", v.num_changes},
          {"runtimeSeconds", v.runtime_seconds},
          {"errors", std::move(errors)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const server_status& v) {
    bj::object o{{"status", v.status}, {"version", v.version}, {"uptimeSeconds", v.uptime_seconds}};
    if (v.number_of_databases) o["numberOfDatabases"] = *v.number_of_databases;
    jv = std::move(o);
}

}  // namespace airsql
