// SPDX-License-Identifier: Apache-2.0
// JSON shapes of functions, their versions, diagnostics and invocations.
#include <fmt/format.h>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include "airsql/functions.hpp"
#include "json/read.hpp"

namespace airsql {

namespace bj = boost::json;

void tag_invoke(bj::value_from_tag, bj::value& jv, const function_diagnostic& v) {
    jv = {{"message", v.message}, {"code", bj::value_from(v.code)},
          {"line", v.line},       {"column", v.column},
          {"severity", "error"},  {"syntax", v.syntax}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const function_info& v) {
    bj::object o{{"id", v.id},
                 {"name", v.name},
                 {"description", bj::value_from(v.description)},
                 {"runtime", v.runtime},
                 {"content", bj::value_from(v.content)},
                 {"diagnostics", bj::value_from(v.diagnostics)},
                 {"versions", bj::value_from(v.versions)},
                 {"activeVersion", bj::value_from(v.active_version)},
                 {"public", v.is_public},
                 {"createdUtc", v.created_utc},
                 {"updatedUtc", v.updated_utc}};
    if (v.version_id) {
        o["versionId"] = *v.version_id;
        o["versionCreatedUtc"] = bj::value_from(v.version_created_utc);
    }
    jv = std::move(o);
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const function_save_result& v) {
    jv = {{"id", v.id},
          {"functionId", v.function_id},
          {"diagnostics", bj::value_from(v.diagnostics)},
          {"active", v.active}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const function_log_entry& v) {
    jv = {{"message", v.message}, {"stream", v.stream}, {"utc", v.utc}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const function_invocation& v) {
    jv = {{"id", v.id},
          {"createdUtc", v.created_utc},
          {"versionId", v.version_id},
          {"status", v.status},
          {"data", v.data},
          {"logs", bj::value_from(v.logs)},
          {"runtimeMs", v.runtime_ms},
          {"request", v.request},
          {"error", bj::value_from(v.error)}};
}

function_input tag_invoke(bj::value_to_tag<function_input>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    function_input in;
    in.name = json::required_string(o, "name");
    in.content = json::required_string(o, "content");
    in.description = json::optional_string(o, "description");
    if (auto r = json::optional_string(o, "runtime")) in.runtime = *r;
    if (auto p = json::optional_bool(o, "public")) in.is_public = *p;
    return in;
}

function_patch tag_invoke(bj::value_to_tag<function_patch>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    function_patch p;
    p.name = json::optional_string(o, "name");
    p.content = json::optional_string(o, "content");
    p.runtime = json::optional_string(o, "runtime");
    if (o.contains("description")) p.description = json::optional_string(o, "description");
    p.is_public = json::optional_bool(o, "public");
    return p;
}

}  // namespace airsql
