// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>

#include <algorithm>
#include <cctype>
#include <string>

#include "airsql/csv.hpp"
#include "airsql/error.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace {

// The media type without parameters, lowercased ("text/csv; charset=utf-8" → "text/csv").
std::string media_type_of(std::string_view content_type) {
    auto semi = content_type.find(';');
    auto type = content_type.substr(0, semi);
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
    std::string out(type);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

}  // namespace

/// The uploaded file of an upload route's request as a `byte_source`: the streamed body file
/// when the session wrote one, else the in-memory body (small bodies, and servers that do not
/// stream bodies). The body is the file itself, whatever its Content-Type (`text/csv`,
/// `text/plain`, `application/octet-stream`, none). A `multipart/form-data` body (a browser
/// form upload) is refused with 400 for now; its reader belongs here, returning the byte
/// range of the part named `file` within the body file (`byte_source::offset`/`length`), so
/// every upload route takes multipart bodies at once.
byte_source upload_source(const http_request& req) {
    auto type = media_type_of(req.header("Content-Type"));
    if (type == "multipart/form-data") {
        throw error(errc::invalid_argument,
                    "multipart/form-data uploads are not accepted here yet: send the file itself "
                    "as the request body (Content-Type: text/csv)");
    }
    if (!req.body_file.empty()) return byte_source::from_file(req.body_file, {}, type);
    return byte_source::from_memory(req.body, {}, type);
}

void add_csv_routes(router& r) {
    r.add("POST", "/api/dbs/:dbId/tables/:table/import",
          {"Tables",
           "Appends the rows of a CSV file (the request body, `Content-Type: text/csv`; UTF-8 "
           "or UTF-16) to an existing table, in one transaction: the header row names the "
           "columns (case-insensitively), empty fields are NULL, values are converted by the "
           "columns' types. A malformed line or a failing constraint rolls back everything "
           "and answers 400 naming the line. Needs insert access.",
           "name,email\nJohn,john@example.com\nJane,jane@example.com\n",
           R"({"numberOfRows": 2, "columns": ["name", "email"], "encoding": "UTF-8", "runtimeSeconds": 0.0012})"},
          [](route_context& c) {
              auto source = upload_source(c.req);
              return json_response(boost::json::value_from(
                  import_csv(c.eng, c.who(), c.param("dbId"), c.param("table"), source)));
          },
          false, route_body::to_file);
}

}  // namespace airsql::server
