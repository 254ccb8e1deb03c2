// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/tables.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr const char* column_example =
    R"({"gqlDataType": "String", "inputElement": "InputText", "isGenerated": false, "isNonNull": false, "isOmittable": true, "isPrimaryKey": false, "isUnique": false, "items": null, "name": "email", "sqliteDataType": "TEXT", "validations": null})";

std::string table_example() {
    return std::string(R"({"columns": [)") + column_example +
           R"(], "description": null, "maxCellLimitReached": false, "name": "users", "numberOfRows": 0, "rowidColumnName": "rowid", "tableType": "Table"})";
}

// An empty body counts as {} (the reference's PUT example sends {}).
template <class T>
T body_or_empty(route_context& c) {
    if (c.req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return bj::value_to<T>(bj::value(bj::object{}));
    }
    return c.body_as<T>();
}

}  // namespace

void add_table_routes(router& r) {
    r.add("GET", "/api/dbs/:dbId/tables/:id",
          {"Tables", "One table or view with its columns (read access).", "", table_example()},
          [](route_context& c) {
              return json_response(
                  bj::value_from(get_table(c.eng, c.who(), c.param("dbId"), c.param("id"))));
          });
    r.add(
        "PUT", "/api/dbs/:dbId/tables/:id",
        {"Tables",
         "Creates a table (Editor, Admin or write token). Without `columns` it gets one "
         "column `id INTEGER PRIMARY KEY`.",
         R"({"columns": [{"name": "email", "sqliteDataType": "TEXT_EMAIL", "isNonNull": true, "isUnique": true}, {"name": "status", "items": ["new", "done"], "default": "new"}], "description": "People"})",
         table_example()},
        [](route_context& c) {
            auto request = body_or_empty<create_table_request>(c);
            return json_response(bj::value_from(
                create_table(c.eng, c.who(), c.param("dbId"), c.param("id"), request)));
        });
    r.add(
        "PATCH", "/api/dbs/:dbId/tables/:id",
        {"Tables",
         "Renames a table, sets its description, or moves it after another table (`after`: "
         "\"\" moves it first).",
         R"({"after": "existing_table", "description": "New Table Description", "name": "New Table Name"})",
         "{}"},
        [](route_context& c) {
            update_table(c.eng, c.who(), c.param("dbId"), c.param("id"), c.body_as<table_patch>());
            return json_response(bj::object{});
        });
    r.add("DELETE", "/api/dbs/:dbId/tables/:tableId",
          {"Tables",
           "Drops a table or view; refused (409) while a view or another table's trigger uses "
           "it.",
           "", "{}"},
          [](route_context& c) {
              return json_response(bj::value_from(
                  delete_table(c.eng, c.who(), c.param("dbId"), c.param("tableId"))));
          });
    r.add(
        "PUT", "/api/dbs/:dbId/tables/:id/columns/:columnId",
        {"Tables", "Adds a column (rebuilding the table when ALTER TABLE cannot add it).",
         R"({"sqliteDataType": "INT_STARS", "isNonNull": true, "default": 3})", column_example},
        [](route_context& c) {
            auto definition = body_or_empty<column_definition>(c);
            return json_response(bj::value_from(add_column(
                c.eng, c.who(), c.param("dbId"), c.param("id"), c.param("columnId"), definition)));
        });
    r.add("PATCH", "/api/dbs/:dbId/tables/:id/columns/:columnId",
          {"Tables",
           "Changes a column: name, sqliteDataType, isNonNull, isUnique, default/defaultSql, "
           "items, check, description, after. Changes ALTER TABLE cannot make rebuild the table "
           "in one transaction (409 and nothing changed when the rows do not fit).",
           R"({"isNonNull": true, "items": ["new", "done", "archived"]})", "{}"},
          [](route_context& c) {
              update_column(c.eng, c.who(), c.param("dbId"), c.param("id"), c.param("columnId"),
                            c.body_as<column_patch>());
              return json_response(bj::object{});
          });
    r.add("DELETE", "/api/dbs/:dbId/tables/:id/columns/:columnId",
          {"Tables",
           "Drops a column (indexes on it go too, listed in `droppedIndexes`); refused (409) "
           "while a view, trigger, foreign key or table constraint uses it.",
           "", "{}"},
          [](route_context& c) {
              return json_response(bj::value_from(delete_column(
                  c.eng, c.who(), c.param("dbId"), c.param("id"), c.param("columnId"))));
          });
}

}  // namespace airsql::server
