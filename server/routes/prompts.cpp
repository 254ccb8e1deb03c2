// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/prompts.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr const char* documented_request =
    R"({"funcId": "01hg5j9esf8xvwvrjej58feybn", "prompt": "Insert a new user", "tableName": null})";

constexpr const char* description_example =
    R"({"description": "Users and the songs they like.", "saved": false, "model": "gpt-4o-mini"})";

}  // namespace

void add_prompt_routes(router& r) {
    r.add("POST", "/api/dbs/:dbId/prompt",
          {"AI prompts",
           "Natural language (prompt) to SQL for the workbench, from the database's schema "
           "(rows only with includeSampleRows: true). The SQL is not run. 503 when no language "
           "model is configured.",
           documented_request,
           R"json({"sql": "INSERT INTO users (name) VALUES ('Ann')", "model": "gpt-4o-mini"})json"},
          [](route_context& c) {
              return json_response(bj::value_from(
                  suggest_sql(c.eng, c.who(), c.param("dbId"), c.body_as<prompt_request>())));
          });
    r.add("POST", "/api/dbs/:dbId/prompt/describe-database",
          {"AI prompts",
           "A Markdown description of the database (read access); with save: true it becomes "
           "the database's description (Editor rights).",
           documented_request, description_example},
          [](route_context& c) {
              return json_response(bj::value_from(
                  describe_database(c.eng, c.who(), c.param("dbId"), c.body_as<prompt_request>())));
          });
    r.add("POST", "/api/dbs/:dbId/prompt/describe-table",
          {"AI prompts",
           "A Markdown description of the table named by tableName; with save: true it becomes "
           "the table's description (Editor rights).",
           R"({"funcId": null, "prompt": "", "tableName": "users"})", description_example},
          [](route_context& c) {
              return json_response(bj::value_from(
                  describe_table(c.eng, c.who(), c.param("dbId"), c.body_as<prompt_request>())));
          });
    r.add("POST", "/api/dbs/:dbId/prompt/describe-function",
          {"AI prompts",
           "A Markdown description of the function named by funcId (team members), from its "
           "code and the schema; with save: true it becomes the function's description (Editor "
           "rights).",
           documented_request, description_example},
          [](route_context& c) {
              return json_response(bj::value_from(
                  describe_function(c.eng, c.who(), c.param("dbId"), c.body_as<prompt_request>())));
          });
    r.add(
        "POST", "/api/prompt/create-database",
        {"AI prompts",
         "Natural language to a schema with sample rows to a new database of your team (or "
         "team), named name (default: the prompt's start). The answer shows the SQL; "
         "dryRun: true creates nothing.",
         R"({"prompt": "A library: books, authors and loans", "name": "Library", "dryRun": false})",
         R"({"sql": "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);", "id": "01hg5j9esf8xvwvrjej58feybn", "name": "Library", "model": "gpt-4o-mini"})"},
        [](route_context& c) {
            return json_response(bj::value_from(
                create_database_from_prompt(c.eng, c.who(), c.body_as<prompt_request>())));
        });
}

}  // namespace airsql::server
