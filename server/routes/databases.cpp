// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/databases.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr const char* database_example =
    R"({"auditing": false, "createdUtc": "2023-02-15T10:22:06.487Z", "description": "This is a description of the database.", "environment": "Staging", "fileFormat": "sqlite", "fileName": "example-database.sqlite", "id": "01gd0anjtp0mex97a23s8s63j9", "lastModifiedUtc": "2023-03-11T14:56:17.198Z", "location": null, "name": "Example Database", "owner": "johns-team", "readonlyId": "mfbqyg17y98vqa2k", "schemaLocked": false, "schemaVersion": 1, "size": 8192, "tables": [{"name": "users", "tableType": "Table", "columns": [{"name": "name", "sqliteDataType": "TEXT", "isNonNull": false, "isPrimaryKey": false, "isGenerated": false, "defaultValue": null}]}], "userVersion": 0, "viewsTab": false, "visibility": "private"})";

}  // namespace

void add_database_routes(router& r) {
    r.add("GET", "/api/dbs",
          {"Databases", "The databases of the caller's teams (or of an API token).", "",
           std::string(R"({"databases": [)") + database_example + R"(], "numberOfDatabases": 1})"},
          [](route_context& c) {
              return json_response(bj::value_from(list_databases(c.eng, c.who())));
          });
    r.add("POST", "/api/dbs",
          {"Databases",
           "Creates a database owned by a team (Editor or Admin there); `query` is an SQL script "
           "run in it as one transaction.",
           R"j({"fileFormat": "sqlite", "name": "Example Database", "query": "CREATE TABLE users (name TEXT, email TEXT)", "team": "example-team"})j",
           R"({"id": "01gd0anjtp0mex97a23s8s63j9", "ownerName": "example-team", "ownershipUtc": "2023-03-11T14:56:17.198Z"})"},
          [](route_context& c) {
              return json_response(
                  bj::value_from(
                      create_database(c.eng, c.who(), c.body_as<create_database_request>())),
                  201);
          });
    r.add("GET", "/api/dbs/:dbId",
          {"Databases", "One database with its tables and live SQLite facts.", "",
           database_example},
          [](route_context& c) {
              return json_response(bj::value_from(get_database(c.eng, c.who(), c.param("dbId"))));
          });
    r.add("PATCH", "/api/dbs/:dbId",
          {"Databases",
           "Changes name, description, environment, location, viewsTab (Editor) or visibility, "
           "owner, auditing, schemaLocked (Admin). Fields accept plain values or the tagged "
           "form.",
           R"({"description": "New Database Description", "name": "New Database Name", "owner": {"contents": "johns-team", "tag": "TextValue"}})",
           "{}"},
          [](route_context& c) {
              update_database(c.eng, c.who(), c.param("dbId"), c.body_as<database_patch>());
              return json_response(bj::object{});
          });
    r.add("DELETE", "/api/dbs/:dbId",
          {"Databases", "Deletes the database and its files (team admins).", "", "{}"},
          [](route_context& c) {
              delete_database(c.eng, c.who(), c.param("dbId"));
              return json_response(bj::object{});
          });
}

}  // namespace airsql::server
