// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>
#include <charconv>
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "airsql/export.hpp"
#include "airsql/streams.hpp"
#include "router.hpp"
#include "routes/routes.hpp"
#include "routes/uploads.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

std::size_t size_parameter(const route_context& c, std::string_view name, std::size_t fallback) {
    auto text = c.query(name);
    if (!text) return fallback;
    std::size_t value = 0;
    auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || end != text->data() + text->size() || text->empty()) {
        throw error(errc::invalid_argument,
                    fmt::format("{} must be a non-negative whole number", name));
    }
    return value;
}

http_response export_response(route_context& c, const principal& who, const std::string& db_id) {
    auto format = parse_export_format(c.query("format").value_or("csv"));
    auto file = c.temp_file(".export");
    try {
        stream_meta meta;
        {
            file_sink sink(file);
            meta = export_table(c.eng, who, db_id, c.param("id"), format, sink);
            sink.flush();
        }
        http_response res;
        res.content_type = meta.media_type;
        res.headers.emplace_back("Content-Disposition", content_disposition(meta.file_name));
        res.body_file = file;
        res.delete_body_file = true;
        return res;
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove(file, ignored);
        throw;
    }
}

}  // namespace

void add_export_routes(router& r) {
    r.add("GET", "/api/dbs/:dbId/tables/:id/export",
          {"Tables",
           "Downloads a table or view: `?format=csv` (default; RFC 4180, header row, CRLF), "
           "`json` (an array of row objects), `ndjson` (one object per line) or `sql` (CREATE "
           "TABLE and INSERT statements). NULL is an empty CSV field, BLOBs are base64. Needs "
           "read access.",
           "", "id,name\r\n1,Ada\r\n"},
          [](route_context& c) {
              const auto& who = c.who();  // bad credentials fail before any file is made
              return export_response(c, who, c.param("dbId"));
          });
    r.add("GET", "/readonly/:readonlyId/tables/:id/export",
          {"Tables",
           "The same export for holders of the read-only id (no credentials needed).", "",
           "id,name\r\n1,Ada\r\n"},
          [](route_context& c) {
              return export_response(c, principal::readonly_link(c.param("readonlyId")),
                                     c.param("readonlyId"));
          });
    r.add("GET", "/api/dbs/:dbId/tables/:id/search/:searchTerm",
          {"Tables",
           "Fuzzy search over the table's text values, case-insensitive: exact cell > prefix > "
           "word start > substring > all words in any column > small typos. `?limit=` (50, at "
           "most 1000) and `?offset=` page through the matches, best first.",
           "",
           R"({"columns": [], "description": null, "maxCellLimitReached": false, "name": "users", "numberOfMatches": 1, "numberOfRows": 3, "rowidColumnName": "rowid", "rows": [{"name": "Ada", "rowid": 1}], "tableType": "Table"})"},
          [](route_context& c) {
              table_search_request request;
              request.term = c.param("searchTerm");
              request.limit = size_parameter(c, "limit", request.limit);
              request.offset = size_parameter(c, "offset", request.offset);
              return json_response(bj::value_from(
                  search_table(c.eng, c.who(), c.param("dbId"), c.param("id"), request)));
          });
    r.add("GET", "/api/dbs/:dbId/schema",
          {"Databases",
           "The schema as SQL text, as `sqlite3 <file> .schema` prints it (text/plain).", "",
           "CREATE TABLE users (name TEXT, email TEXT);\n"},
          [](route_context& c) {
              http_response res;
              res.content_type = "text/plain; charset=utf-8";
              res.body = schema_text(c.eng, c.who(), c.param("dbId"));
              return res;
          });
    r.add("GET", "/api/dbs/:dbId/azimutt-schema",
          {"Databases",
           "The schema in Azimutt's JSON format (tables with columns, keys, uniques, indexes, "
           "checks; foreign keys as relations).",
           "",
           R"({"relations": [], "tables": [{"checks": [], "columns": [{"columns": [], "comment": null, "default": null, "name": "id", "nullable": false, "type": "INTEGER"}], "comment": null, "indexes": [], "primaryKey": {"columns": ["id"], "name": "id"}, "schema": "public", "table": "todos", "uniques": [], "view": false}]})"},
          [](route_context& c) {
              return json_response(
                  bj::value_from(get_azimutt_schema(c.eng, c.who(), c.param("dbId"))));
          });
}

}  // namespace airsql::server
