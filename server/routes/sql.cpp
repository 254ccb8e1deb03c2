// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/sql.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

void add_sql_routes(router& r) {
    r.add("POST", "/dbs/:dbId/sql",
          {"SQL",
           "Runs an SQL script, all statements in one transaction. SQL errors come back in "
           "`errors` with HTTP 200; read access runs read-only statements.",
           R"({"query": "SELECT * FROM users"})",
           R"({"affectedTables": [], "rows": [{"id": 1, "name": "John"}, {"id": 2, "name": "Jane"}], "numChanges": 0, "runtimeSeconds": 0.0004, "errors": []})"},
          [](route_context& c) {
              auto request = c.body_as<sql_request>();
              return json_response(
                  boost::json::value_from(run_sql(c.eng, c.who(), c.param("dbId"), request)));
          },
          true);
}

}  // namespace airsql::server
