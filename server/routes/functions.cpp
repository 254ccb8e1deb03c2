// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <cctype>

#include "airsql/error.hpp"
#include "airsql/functions.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr const char* function_example =
    R"({"id": "01grkhvbtwgmchjfbxnqg6gxxg", "name": "Awesome Function", "description": "This is an awesome function", "runtime": "deno", "content": "export default async function (context) { return {data: 1} }", "diagnostics": [], "versions": ["01grkhvhzm0vszqbrcvhb0bwad"], "activeVersion": "01grkhvhzm0vszqbrcvhb0bwad", "public": false, "createdUtc": "2024-05-01T09:00:00.000Z", "updatedUtc": "2024-05-01T09:00:00.000Z", "triggers": [{"table": "orders", "events": ["insert", "update"], "maxAttempts": 5, "backoffMs": 1000}]})";

constexpr const char* function_request_example =
    R"({"content": "export default async function (context) {\n  console.info(\"Hello World!\")\n  return {data: 1}\n}", "description": "This is an awesome function", "name": "Awesome Function", "runtime": "deno"})";

constexpr const char* save_example =
    R"({"id": "01hh1wcq83r49v3t3wss8z9t7k", "functionId": "01grkhvbtwgmchjfbxnqg6gxxg", "diagnostics": [{"message": "Type 'string' is not assignable to type 'number'.", "code": "TS2322", "line": 1, "column": 7, "severity": "error", "syntax": false}], "active": true})";

constexpr const char* invocations_example =
    R"({"invocations": [{"id": 7, "createdUtc": "2023-02-15T10:22:06.487Z", "versionId": "01hh1wcq83r49v3t3wss8z9t7k", "status": 200, "data": "{\"data\":1}", "logs": [{"message": "Hello world ^-^", "stream": "stdout", "utc": "2023-02-15T10:22:06.487Z"}], "runtimeMs": 3.2, "request": {"method": "POST", "query": {}, "headers": {}, "caller": {"kind": "user", "id": 1, "name": "ann"}}, "error": null}, {"id": 6, "createdUtc": "2023-02-15T10:22:05.112Z", "versionId": "01hh1wcq83r49v3t3wss8z9t7k", "status": 500, "data": "{\"errors\":[{\"message\":\"the function failed: Error: busy\",\"code\":\"internal\"}]}", "logs": [], "runtimeMs": 4.1, "request": {"method": "POST", "query": {}, "headers": {"content-type": "application/json", "x-airsql-delivery-id": "5f0c6a2e9b1d4c3a8e7f6d5c"}, "caller": {"kind": "user", "id": 1, "name": "ann"}}, "error": "the function failed: Error: busy", "trigger": {"table": "orders", "event": "insert"}, "event": "insert", "attempt": 1, "state": "retrying", "deliveryId": "5f0c6a2e9b1d4c3a8e7f6d5c"}]})";

http_response call_route(route_context& c) {
    function_call call;
    call.method = c.req.method;
    for (const auto& [k, v] : c.req.headers) {
        std::string name = k;
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
        call.headers.emplace_back(std::move(name), v);
    }
    call.query = c.query_params();
    call.body = c.req.body;
    call.content_type = std::string(c.req.header("Content-Type"));
    auto answer = call_function(c.eng, c.who(), c.param("funcId"), call);
    http_response res;
    res.status = answer.status;
    res.content_type = answer.content_type;
    res.body = std::move(answer.body);
    res.headers = std::move(answer.headers);
    return res;
}

}  // namespace

void add_function_routes(router& r) {
    r.add("GET", "/api/dbs/:dbId/functions",
          {"Functions", "The database's functions with their active code (team members).", "",
           std::string(R"({"functions": [)") + function_example + "]}"},
          [](route_context& c) {
              return json_response(bj::object{
                  {"functions", bj::value_from(list_functions(c.eng, c.who(), c.param("dbId")))}});
          });
    r.add("POST", "/api/dbs/:dbId/functions",
          {"Functions",
           "Creates a function (team Editors and Admins): its first version is type-checked with "
           "deno check (runtime \"deno\") or compiled by python3 in a sandbox (runtime "
           "\"python\": async def main(context)), with diagnostics; a module that does not "
           "parse is stored but not active. \"public\": true lets anyone call it. \"triggers\" "
           "attaches it to insert/update/delete of tables of the database (event triggers: each "
           "committed row change is delivered at least once as a POST with {trigger, old, new, "
           "deliveryId, attempt}).",
           function_request_example, function_example},
          [](route_context& c) {
              return json_response(bj::value_from(
                  create_function(c.eng, c.who(), c.param("dbId"), c.body_as<function_input>())));
          });
    r.add("GET", "/api/dbs/:dbId/functions/:funcId",
          {"Functions", "One function with its active code and version ids (team members).", "",
           function_example},
          [](route_context& c) {
              return json_response(
                  bj::value_from(get_function(c.eng, c.who(), c.param("dbId"), c.param("funcId"))));
          });
    r.add(
        "PATCH", "/api/dbs/:dbId/functions/:funcId",
        {"Functions",
         "Changes a function (team Editors and Admins); content saves a new version, active if "
         "it parses; triggers replaces its event triggers ([] detaches them). Answers the version "
         "id and its diagnostics.",
         function_request_example, save_example},
        [](route_context& c) {
            return json_response(bj::value_from(update_function(
                c.eng, c.who(), c.param("dbId"), c.param("funcId"), c.body_as<function_patch>())));
        });
    r.add("DELETE", "/api/dbs/:dbId/functions/:funcId",
          {"Functions",
           "Deletes a function, its versions and invocations (team Editors and Admins).", "", "{}"},
          [](route_context& c) {
              delete_function(c.eng, c.who(), c.param("dbId"), c.param("funcId"));
              return json_response(bj::object{});
          });
    r.add("GET", "/api/dbs/:dbId/functions/:funcId/versions/:versionId",
          {"Functions", "One version of a function with its code and diagnostics (team members).",
           "", function_example},
          [](route_context& c) {
              return json_response(bj::value_from(get_function_version(
                  c.eng, c.who(), c.param("dbId"), c.param("funcId"), c.param("versionId"))));
          });
    r.add("POST", "/api/dbs/:dbId/functions/:funcId/republish",
          {"Functions", "Makes an older version active again (team Editors and Admins).",
           R"({"runtime": "deno", "version": "01hh1wcq83r49v3t3wss8z9t7k"})", save_example},
          [](route_context& c) {
              auto body = c.json_body();
              if (!body.is_object() || !body.as_object().contains("version") ||
                  !body.as_object().at("version").is_string()) {
                  throw error(errc::invalid_argument, "field \"version\" must be a version id");
              }
              std::string version(body.as_object().at("version").as_string());
              return json_response(bj::value_from(
                  republish_function(c.eng, c.who(), c.param("dbId"), c.param("funcId"), version)));
          });
    r.add("GET", "/api/dbs/:dbId/functions/:funcId/invocations",
          {"Functions",
           "The last calls (newest first, at most 500) with their logs, status and run time "
           "(team Editors and Admins). Event-trigger deliveries also have trigger, event, "
           "attempt, state (delivered, retrying, dead) and deliveryId.",
           "", invocations_example},
          [](route_context& c) {
              return json_response(bj::object{
                  {"invocations", bj::value_from(list_function_invocations(
                                      c.eng, c.who(), c.param("dbId"), c.param("funcId")))}});
          });
    for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
        r.add(method, "/fns/:funcId",
              {"Functions",
               "Calls a function: its default export gets {functionId, databaseId, method, "
               "headers, data, query, env, sql(), graphql()}; a returned value is the JSON body, "
               "a returned Response keeps status, headers and body. Public functions need no "
               "credentials; the helpers run with the caller's rights.",
               std::string(method) == "GET" || std::string(method) == "DELETE" ? "" : "{}", "{}"},
              call_route);
    }
}

}  // namespace airsql::server
