// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include "airsql/csv.hpp"
#include "router.hpp"
#include "routes/routes.hpp"
#include "routes/uploads.hpp"

namespace airsql::server {

void add_csv_routes(router& r) {
    r.add("POST", "/api/dbs/:dbId/tables/:table/import",
          {"Tables",
           "Appends the rows of a CSV file to an existing table, in one transaction. The file is "
           "the request body (`Content-Type: text/csv`) or the part named `file` of a "
           "`multipart/form-data` body; UTF-8 or UTF-16; `.tsv` files and "
           "`text/tab-separated-values` are split at tabs. The header row names the columns "
           "(case-insensitively), empty fields are NULL, values are converted by the columns' "
           "types. A malformed line or a failing constraint rolls back everything and answers "
           "400 naming the line. Needs insert access.",
           "name,email\nJohn,john@example.com\nJane,jane@example.com\n",
           R"({"numberOfRows": 2, "columns": ["name", "email"], "encoding": "UTF-8", "runtimeSeconds": 0.0012})"},
          [](route_context& c) {
              // The streamed body file, or the in-memory body when the session kept it there.
              auto upload = read_upload(c);
              return json_response(boost::json::value_from(
                  import_csv(c.eng, c.who(), c.param("dbId"), c.param("table"), upload.file)));
          },
          false, route_body::to_file);
}

}  // namespace airsql::server
