// SPDX-License-Identifier: Apache-2.0
#include "openapi.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "airsql/version.hpp"
#include "router.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

// A JSON Schema that the example satisfies: the types it shows, or null (examples rarely show
// which fields may be null), objects requiring the keys the example has. Numbers are "number"
// (an example's 3 does not promise integers); a null example allows anything.
bj::array nullable(std::string_view type) { return {bj::value(type), bj::value("null")}; }

bj::value schema_of(const bj::value& example) {
    switch (example.kind()) {
        case bj::kind::object: {
            bj::object properties;
            bj::array required;
            for (const auto& [key, value] : example.get_object()) {
                properties[key] = schema_of(value);
                required.emplace_back(key);
            }
            bj::object s{{"type", nullable("object")}, {"properties", std::move(properties)}};
            if (!required.empty()) s["required"] = std::move(required);
            return s;
        }
        case bj::kind::array: {
            // Items are typed when the example's items all have one kind (a row of mixed
            // values, ["Ann", 31], says nothing about the next row's first value's type).
            const auto& a = example.get_array();
            bj::object s{{"type", nullable("array")}};
            auto same_kind = [&](const bj::value& v) {
                auto number = [](const bj::value& x) { return x.is_number(); };
                return v.kind() == a.front().kind() || (number(v) && number(a.front()));
            };
            if (!a.empty() && std::all_of(a.begin(), a.end(), same_kind)) {
                s["items"] = schema_of(a.front());
            }
            return s;
        }
        case bj::kind::string:
            return bj::object{{"type", nullable("string")}};
        case bj::kind::bool_:
            return bj::object{{"type", nullable("boolean")}};
        case bj::kind::int64:
        case bj::kind::uint64:
        case bj::kind::double_:
            return bj::object{{"type", nullable("number")}};
        case bj::kind::null:
            return bj::object{};
    }
    return bj::object{};
}

// The content of a documented body: JSON with an example and a schema; a bare media type
// ("text/html", "text/csv") as a string; other text as a plain-text example.
bj::object content_of(const std::string& doc) {
    boost::system::error_code ec;
    auto parsed = bj::parse(doc, ec);
    if (!ec) {
        return {{"application/json", {{"schema", schema_of(parsed)}, {"example", parsed}}}};
    }
    auto slash = doc.find('/');
    bool media_type =
        slash != std::string::npos && doc.find(' ') == std::string::npos && doc.size() < 100;
    if (media_type) return {{doc, {{"schema", {{"type", "string"}}}}}};
    return {{"text/plain", {{"schema", {{"type", "string"}}}, {"example", doc}}}};
}

std::string operation_id(const std::string& method, const std::string& pattern) {
    std::string id;
    for (char c : method)
        id.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    bool sep = true;
    for (char c : pattern) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            if (sep) id.push_back('_');
            id.push_back(c);
            sep = false;
        } else {
            sep = true;
        }
    }
    return id;
}

}  // namespace

bj::object openapi_document(const router& r) {
    bj::object paths;
    std::vector<std::string> tag_order;
    std::set<std::string> ids;
    std::map<std::string, std::vector<std::string>> names_by_shape;
    for (const auto& rt : r.routes()) {
        if (std::find(tag_order.begin(), tag_order.end(), rt.doc.group) == tag_order.end()) {
            tag_order.push_back(rt.doc.group);
        }
        // OpenAPI takes paths that differ only in parameter names for the same path (the
        // reference names one table `:id` and `:tableId`): the first route's names win.
        std::string shape;
        for (const auto& seg : rt.segments) {
            shape += "/" + (seg.starts_with(':') || seg.starts_with('*') ? ":" : seg);
        }
        auto [known, fresh] = names_by_shape.try_emplace(shape);
        std::string path;
        bj::array parameters;
        std::size_t param_index = 0;
        for (const auto& seg : rt.segments) {
            if (&seg != &rt.segments.front() || !seg.empty()) path += '/';
            if (!seg.empty() && (seg.front() == ':' || seg.front() == '*')) {
                if (fresh) known->second.push_back(seg.substr(1));
                auto name = known->second.at(param_index++);
                path += "{" + name + "}";
                parameters.push_back({{"name", name},
                                      {"in", "path"},
                                      {"required", true},
                                      {"schema", {{"type", "string"}}}});
            } else {
                path += seg;
            }
        }
        if (path.empty()) path = "/";
        auto id = operation_id(rt.method, rt.pattern);
        while (!ids.insert(id).second) id += "_";
        bj::object success{{"description", "Success"}};
        if (!rt.doc.response.empty()) success["content"] = content_of(rt.doc.response);
        bj::object error_response{
            {"description", "An error: `{\"errors\": [{\"message\", \"code\"}]}`"},
            {"content",
             {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
        bj::object op{
            {"operationId", id},
            {"summary", rt.doc.summary},
            {"tags", bj::array{bj::value(rt.doc.group)}},
            {"responses",
             {{"2XX", std::move(success)}, {"4XX", error_response}, {"5XX", error_response}}}};
        if (!parameters.empty()) op["parameters"] = std::move(parameters);
        if (!rt.doc.request.empty()) {
            op["requestBody"] = {{"required", true}, {"content", content_of(rt.doc.request)}};
        }
        std::string method;
        for (char c : rt.method) {
            method.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
        auto& item = paths[path];
        if (item.is_null()) item = bj::object{};
        item.as_object()[method] = std::move(op);
    }
    bj::array tags;
    for (const auto& t : tag_order) tags.push_back({{"name", t}});
    bj::object error_schema{
        {"type", "object"},
        {"required", {"errors"}},
        {"properties",
         {{"errors",
           {{"type", "array"},
            {"items",
             {{"type", "object"},
              {"required", {"message", "code"}},
              {"properties",
               {{"message", {{"type", "string"}}}, {"code", {{"type", "string"}}}}}}}}}}}};
    return {
        {"openapi", "3.1.0"},
        {"info",
         {{"title", "airsql HTTP API"},
          {"version", std::string(version())},
          {"description",
           "SQLite databases with a generated GraphQL API and an SQL endpoint. Generated from "
           "the server's route table, as /api/docs is. Authenticate with `Authorization: "
           "Bearer <session token or ast_ API token>`; some routes also take a read-only id "
           "in the path instead."}}},
        {"servers", {{{"url", "/"}}}},
        {"tags", std::move(tags)},
        {"components",
         {{"securitySchemes",
           {{"bearer",
             {{"type", "http"},
              {"scheme", "bearer"},
              {"description", "A session token from POST /api/login, or an API token (ast_…)."}}}}},
          {"schemas", {{"Error", std::move(error_schema)}}}}},
        {"security", {bj::object{}, {{"bearer", bj::array{}}}}},
        {"paths", std::move(paths)}};
}

}  // namespace airsql::server
