// SPDX-License-Identifier: Apache-2.0
// Apps: static bundles (a zip or one HTML file) uploaded to a database and served under it.
//
// Every app response is sandboxed by its Content-Security-Policy (`sandbox allow-scripts
// allow-forms`, no allow-same-origin): the app runs in an opaque origin, cannot read this
// origin's cookies or storage, and its requests carry `Origin: null`, with which the session
// cookie is refused. It reaches its database through the short-lived, database-scoped session
// that `open_app` puts in the page. See docs/security.md.
#include <fmt/format.h>

#include <boost/json/value_from.hpp>

#include "airsql/apps.hpp"
#include "router.hpp"
#include "routes/routes.hpp"
#include "routes/uploads.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr std::uint64_t multipart_allowance = 64 * 1024;

constexpr const char* app_example =
    R"({"id": "01hqz5k8v2m3n4p5q6r7s8t9v0", "name": "sales-board", "title": "Sales board", "fileCount": 3, "sizeBytes": 48213, "uploadBytes": 15022, "createdUtc": "2024-03-01T10:00:00.000Z", "updatedUtc": "2024-03-01T10:00:00.000Z"})";

// The policy of every app response. `sandbox` without allow-same-origin gives the app an opaque
// origin; scripts, styles, images, fonts and connections only from this server ('self' is the
// URL's origin even in a sandbox); no eval; no plugins, frames or popups; the app may be framed
// by this server's own pages only.
std::string app_csp(std::string_view script_nonce) {
    std::string scripts = script_nonce.empty() ? std::string("'self'")
                                               : fmt::format("'self' 'nonce-{}'", script_nonce);
    return fmt::format(
        "sandbox allow-scripts allow-forms; default-src 'none'; script-src {}; "
        "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "media-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; "
        "manifest-src 'self'; form-action 'self'; frame-src 'none'; object-src 'none'; "
        "base-uri 'self'; frame-ancestors 'self'",
        scripts);
}

void add_app_headers(http_response& res, std::string_view script_nonce) {
    res.headers.emplace_back("Content-Security-Policy", app_csp(script_nonce));
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Referrer-Policy", "no-referrer");
    res.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

app_upload upload_of(route_context& c) {
    auto u = read_upload(c);
    app_upload out;
    out.bundle = u.file;
    auto field = [&](const char* name) -> std::optional<std::string> {
        if (auto it = u.fields.find(name); it != u.fields.end()) return it->second;
        return c.query(name);
    };
    out.name = field("name");
    out.title = field("title");
    return out;
}

// The app's page: index.html with its context, for whoever may read the database.
http_response open_page(route_context& c) {
    auto launch = open_app(c.eng, c.who(), c.param("dbId"), c.param("appId"));
    http_response res;
    res.content_type = "text/html; charset=utf-8";
    res.body = std::move(launch.html);
    add_app_headers(res, launch.script_nonce);
    res.headers.emplace_back("Cache-Control", "no-store");
    return res;
}

}  // namespace

void add_app_routes(router& r) {
    auto upload_cap = r.engine_options().max_app_bundle_bytes + multipart_allowance;
    r.add("GET", "/api/dbs/:dbId/apps",
          {"Apps", "The database's apps (read access), oldest first.", "",
           std::string(R"({"apps": [)") + app_example + "]}"},
          [](route_context& c) {
              return json_response(
                  bj::object{{"apps", bj::value_from(list_apps(c.eng, c.who(), c.param("dbId")))}});
          });
    r.add(
         "POST", "/api/dbs/:dbId/apps",
         {"Apps",
          "Uploads an app (team Editors and Admins, write tokens): a zip with an index.html "
          "(at the top or in its only folder), or one HTML file. multipart/form-data with a "
          "part named `file` and optional fields `name` and `title`, or the raw body with "
          "`?name=`, `?title=`, `?filename=`. Zip bombs, unsafe names (.., absolute paths, "
          "backslashes, drive letters), symlinks and duplicate names are refused (400, 413). "
          "Opened at /dbs/:dbId/apps/:appId.",
          "", app_example},
         [](route_context& c) {
             const auto& who = c.who();  // bad credentials answer before the body is read
             return json_response(
                 bj::value_from(create_app(c.eng, who, c.param("dbId"), upload_of(c))), 201);
         },
         false, route_body::to_file)
        .max_body_bytes = upload_cap;
    r.add(
         "PUT", "/api/dbs/:dbId/apps/:appId",
         {"Apps",
          "Replaces an app's files with a new bundle (as for POST; name and title change when "
          "given). Visitors get the old or the new files, never a mix (Editor rights).",
          "", app_example},
         [](route_context& c) {
             const auto& who = c.who();
             return json_response(bj::value_from(
                 replace_app(c.eng, who, c.param("dbId"), c.param("appId"), upload_of(c))));
         },
         false, route_body::to_file)
        .max_body_bytes = upload_cap;
    r.add("PATCH", "/api/dbs/:dbId/apps/:appId",
          {"Apps", "Renames or retitles an app; absent fields stay (Editor rights).",
           R"({"name": "sales-board", "title": "Sales board"})", app_example},
          [](route_context& c) {
              return json_response(bj::value_from(update_app(
                  c.eng, c.who(), c.param("dbId"), c.param("appId"), c.body_as<app_changes>())));
          });
    r.add("DELETE", "/api/dbs/:dbId/apps/:appId",
          {"Apps", "Deletes an app and its files (Editor rights).", "", "{}"},
          [](route_context& c) {
              delete_app(c.eng, c.who(), c.param("dbId"), c.param("appId"));
              return json_response(bj::object{});
          });
    r.add("GET", "/dbs/:dbId/apps/:appId",
          {"Apps",
           "Opens an app (whoever may read the database): its index.html, sandboxed by the "
           "Content-Security-Policy, with `<meta name=\"airsql-app\">` holding the GraphQL URL "
           "and, for signed-in visitors, a session valid for this database only, for minutes, "
           "with at most the visitor's rights (send it as `Authorization: Bearer`).",
           "", ""},
          [](route_context& c) { return open_page(c); });
    r.add("GET", "/dbs/:dbId/apps/:appId/*path",
          {"Apps",
           "A file of an app, with its Content-Type and ETag, sandboxed like the app. Pages "
           "load them through the asset path the app's page starts with (`~…/`); other paths "
           "need read access to the database. An empty path (`…/:appId/`) is the app's page.",
           "", ""},
          [](route_context& c) {
              const auto& path = c.param("path");
              if (path.empty()) return open_page(c);  // `…/:appId/`: the app itself
              // An asset key stands for the rights: the sandboxed page sends no cookie.
              principal anonymous;
              const principal& who = path.starts_with('~') ? anonymous : c.who();
              auto file = read_app_file(c.eng, who, c.param("dbId"), c.param("appId"), path);
              http_response res;
              add_app_headers(res, {});
              res.headers.emplace_back("ETag", file.etag);
              res.headers.emplace_back("Cache-Control", "private, no-cache");
              if (c.req.header("If-None-Match") == file.etag) {
                  res.status = 304;
                  res.content_type.clear();
                  return res;
              }
              res.content_type = file.media_type;
              res.body_file = file.path;
              return res;
          });
}

}  // namespace airsql::server
