// SPDX-License-Identifier: Apache-2.0
// File columns: one file per BLOB cell, uploaded as multipart/form-data (a part named `file`)
// and downloaded with its name and media type.
#include <filesystem>

#include "airsql/files.hpp"
#include "router.hpp"
#include "routes/routes.hpp"
#include "routes/uploads.hpp"

namespace airsql::server {

namespace {

constexpr std::uint64_t multipart_allowance = 256 * 1024;

constexpr const char* cell_path =
    "/tables/:tableId/columns/:columnName/files/:primaryKey/:equalsValue";

file_cell cell_of(const route_context& c) {
    return {c.param("tableId"), c.param("columnName"), c.param("primaryKey"),
            c.param("equalsValue")};
}

// The cell's bytes go to a temporary file the session sends from disk (and deletes).
http_response download(route_context& c, const principal& who, std::string_view id) {
    auto path = c.temp_file(".file");
    file_meta meta;
    try {
        file_sink sink(path);
        meta = get_file(c.eng, who, id, cell_of(c), sink);
        sink.flush();
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
    // The browser must not second-guess the type, and must never run what it got as a page
    // of this origin (user content: an uploaded HTML file is still only a download).
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
    res.headers.emplace_back("Cache-Control", "private, no-cache");
    return res;
}

}  // namespace

void add_file_routes(router& r) {
    r.add("PUT", std::string("/api/dbs/:dbId") + cell_path,
          {"Files",
           "Stores an uploaded file in the file cell (a column whose type starts with BLOB) of "
           "the row where `primaryKey` (rowid, the primary key or a UNIQUE column) equals "
           "`equalsValue`. multipart/form-data with one part named `file`, whose filename and "
           "Content-Type are kept; or the raw body, typed by its Content-Type and named by "
           "`?filename=`. The row must exist. Editors, Admins, write and writeonly tokens.",
           "", "{}"},
          [](route_context& c) {
              const auto& who = c.who();  // bad credentials answer before the form is read
              auto u = read_upload(c);
              put_file(c.eng, who, c.param("dbId"), cell_of(c), u.file);
              return json_response(boost::json::object{});
          },
          false, route_body::to_file)
        // Refused from the Content-Length before the body is stored: the file cap plus room
        // for the multipart framing (the library checks the file's own size).
        .max_body_bytes = r.engine_options().max_file_upload_bytes + multipart_allowance;
    r.add("GET", std::string("/api/dbs/:dbId") + cell_path,
          {"Files",
           "The file in the cell, with its uploaded name and media type (else the type detected "
           "from its content). 404 when the cell is NULL.",
           "", ""},
          [](route_context& c) { return download(c, c.who(), c.param("dbId")); });
    r.add("GET", std::string("/readonly/:readonlyId") + cell_path,
          {"Files",
           "The file in the cell, with the read-only id (the URL GraphQL gives for file cells).",
           "", ""},
          [](route_context& c) {
              return download(c, principal::readonly_link(c.param("readonlyId")),
                              c.param("readonlyId"));
          });
}

}  // namespace airsql::server
