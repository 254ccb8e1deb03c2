// SPDX-License-Identifier: Apache-2.0
// JSON shapes of functions, their versions, diagnostics and invocations.
#include <fmt/format.h>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include "airsql/error.hpp"
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
                 {"updatedUtc", v.updated_utc},
                 {"triggers", bj::value_from(v.triggers)}};
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
    if (v.trigger) {
        auto& o = jv.as_object();
        o["trigger"] = *v.trigger;
        o["event"] = bj::value_from(v.event);
        o["attempt"] = bj::value_from(v.attempt);
        o["state"] = bj::value_from(v.state);
        o["deliveryId"] = bj::value_from(v.delivery_id);
    }
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const function_trigger& v) {
    jv = {{"table", v.table},
          {"events", bj::value_from(v.events)},
          {"maxAttempts", v.max_attempts},
          {"backoffMs", v.backoff_ms}};
}

function_trigger tag_invoke(bj::value_to_tag<function_trigger>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    function_trigger t;
    t.table = json::required_string(o, "table");
    const auto* events = o.if_contains("events");
    if (!events || !events->is_array()) {
        throw error(errc::invalid_argument,
                    "a trigger needs \"events\": a list of \"insert\", \"update\", \"delete\"");
    }
    for (const auto& ev : events->as_array()) {
        if (!ev.is_string()) throw error(errc::invalid_argument, "trigger events are strings");
        t.events.emplace_back(ev.as_string());
    }
    if (const auto* m = o.if_contains("maxAttempts")) {
        if (!m->is_int64() || m->as_int64() < 1 || m->as_int64() > 20) {
            throw error(errc::invalid_argument, "maxAttempts is an integer from 1 to 20");
        }
        t.max_attempts = static_cast<int>(m->as_int64());
    }
    if (const auto* b = o.if_contains("backoffMs")) {
        if (!b->is_int64() || b->as_int64() < 10 || b->as_int64() > 3'600'000) {
            throw error(errc::invalid_argument, "backoffMs is an integer from 10 to 3600000");
        }
        t.backoff_ms = b->as_int64();
    }
    return t;
}

namespace {

std::vector<function_trigger> triggers_from(const bj::value& v) {
    if (!v.is_array()) {
        throw error(errc::invalid_argument,
                    "triggers is a list of {\"table\", \"events\"} objects");
    }
    if (v.as_array().size() > 20) {
        throw error(errc::invalid_argument, "a function has at most 20 triggers");
    }
    std::vector<function_trigger> out;
    for (const auto& t : v.as_array()) out.push_back(bj::value_to<function_trigger>(t));
    return out;
}

}  // namespace

function_input tag_invoke(bj::value_to_tag<function_input>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    function_input in;
    in.name = json::required_string(o, "name");
    in.content = json::required_string(o, "content");
    in.description = json::optional_string(o, "description");
    if (auto r = json::optional_string(o, "runtime")) in.runtime = *r;
    if (auto p = json::optional_bool(o, "public")) in.is_public = *p;
    if (const auto* t = o.if_contains("triggers"); t && !t->is_null())
        in.triggers = triggers_from(*t);
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
    if (const auto* t = o.if_contains("triggers"); t && !t->is_null())
        p.triggers = triggers_from(*t);
    return p;
}

}  // namespace airsql
