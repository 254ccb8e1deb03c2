// SPDX-License-Identifier: Apache-2.0
// Whole databases as files: upload, replace, download, duplicate, vacuum, new ids.
#include <boost/json/value_from.hpp>

#include "airsql/database_files.hpp"
#include "router.hpp"
#include "routes/routes.hpp"
#include "routes/uploads.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr const char* created_example =
    R"({"id": "01gd0anjtp0mex97a23s8s63j9", "ownerName": "some-user", "ownershipUtc": "2023-03-11T14:56:17.198Z"})";

// A form field, else the query parameter of the same name.
std::optional<std::string> field(const route_context& c, const upload& u, const std::string& name) {
    if (auto it = u.fields.find(name); it != u.fields.end()) return it->second;
    return c.query(name);
}

http_response download(route_context& c, const principal& who, std::string_view id) {
    auto path = c.temp_file(".sqlite");
    stream_meta meta;
    try {
        meta = download_database(c.eng, who, id, path);
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(path, ignored);
        throw;
    }
    http_response res;
    res.content_type = meta.media_type;
    res.body_file = path;
    res.delete_body_file = true;
    res.headers.emplace_back("Content-Disposition", content_disposition(meta.file_name));
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    return res;
}

}  // namespace

void add_database_file_routes(router& r) {
    r.add("POST", "/dbs",
          {"Databases",
           "Creates a database from an uploaded file (multipart/form-data, one part named "
           "`file`): a SQLite database, a CSV file or an SQL script. Optional form fields or "
           "query parameters: `name`, `team` (default: your own team), `fileFormat`.",
           "", created_example},
          [](route_context& c) {
              auto u = read_upload(c);
              upload_database_request request;
              request.team = field(c, u, "team").value_or("");
              request.name = field(c, u, "name");
              request.file_format = field(c, u, "fileFormat");
              return json_response(bj::value_from(upload_database(c.eng, c.who(), request, u.file)),
                                   201);
          },
          false, route_body::to_file);
    r.add("PUT", "/dbs/:dbId",
          {"Databases",
           "Replaces the database's contents with an uploaded file (as for POST /dbs), "
           "atomically.",
           "", created_example},
          [](route_context& c) {
              auto u = read_upload(c);
              return json_response(
                  bj::value_from(replace_database(c.eng, c.who(), c.param("dbId"), u.file)));
          },
          false, route_body::to_file);
    r.add("GET", "/dbs/:dbId/download",
          {"Databases", "The database file (a consistent snapshot; writers go on meanwhile).", "",
           ""},
          [](route_context& c) { return download(c, c.who(), c.param("dbId")); });
    r.add("GET", "/readonly/:readonlyId/download",
          {"Databases", "The database file, with the read-only id.", "", ""},
          [](route_context& c) {
              return download(c, principal::readonly_link(c.param("readonlyId")),
                              c.param("readonlyId"));
          });
    r.add("GET", "/dbs/:dbId/duplicate",
          {"Databases",
           "A copy of the database owned by your own team, or by `?team=`.", "", created_example},
          [](route_context& c) {
              c.treat_as_state_changing();
              const auto& who = c.who();
              return json_response(
                  bj::value_from(duplicate_database(c.eng, who, c.param("dbId"), who,
                                                    c.query("team").value_or(""))),
                  201);
          });
    r.add("GET", "/readonly/:readonlyId/duplicate",
          {"Databases",
           "A copy of the database behind a read-only id, owned by your own team or `?team=`.",
           "", created_example},
          [](route_context& c) {
              c.treat_as_state_changing();
              auto source = principal::readonly_link(c.param("readonlyId"));
              return json_response(
                  bj::value_from(duplicate_database(c.eng, source, c.param("readonlyId"), c.who(),
                                                    c.query("team").value_or(""))),
                  201);
          });
    r.add("POST", "/api/dbs/:dbId/vacuum",
          {"Databases", "Rebuilds the database file compactly (VACUUM).", "", "{}"},
          [](route_context& c) {
              vacuum_database(c.eng, c.who(), c.param("dbId"));
              return json_response(bj::object{});
          });
    for (const char* method : {"GET", "POST"}) {
        r.add(method, "/dbs/:dbId/regenerate-db-id",
              {"Databases", "Gives the database a new id; the old one stops working at once.",
               "", R"({"id": "01gd0anjtp0mex97a23s8s63j9"})"},
              [](route_context& c) {
                  c.treat_as_state_changing();
                  return json_response(
                      bj::object{{"id", regenerate_database_id(c.eng, c.who(), c.param("dbId"))}});
              });
        r.add(method, "/dbs/:dbId/regenerate-readonly-id",
              {"Databases",
               "Gives the database a new read-only id; the old one stops working at once.", "",
               R"({"readonlyId": "mfbqyg17y98vqa2k"})"},
              [](route_context& c) {
                  c.treat_as_state_changing();
                  return json_response(bj::object{
                      {"readonlyId", regenerate_readonly_id(c.eng, c.who(), c.param("dbId"))}});
              });
    }
}

}  // namespace airsql::server
