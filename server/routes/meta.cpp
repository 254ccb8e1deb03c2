// SPDX-License-Identifier: Apache-2.0
#include <fmt/format.h>
#include <boost/json/value_from.hpp>

#include <map>

#include "airsql/status.hpp"
#include "airsql/version.hpp"
#include "airsql/html.hpp"
#include "openapi.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace {

std::string render_docs(const router& r) {
    std::map<std::string, std::vector<const route*>> groups;
    std::vector<std::string> order;
    for (const auto& rt : r.routes()) {
        if (!groups.count(rt.doc.group)) order.push_back(rt.doc.group);
        groups[rt.doc.group].push_back(&rt);
    }
    std::string html = fmt::format(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>airsql {0} API</title><style>"
        "body{{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}"
        "code,pre{{background:#f4f4f4;border-radius:4px}}pre{{padding:.6rem;overflow:auto}}"
        ".m{{font-weight:bold;display:inline-block;min-width:4.5rem}}h3{{margin-bottom:.2rem}}"
        "</style></head><body><h1>airsql {0} — HTTP API</h1>"
        "<p>JSON in and out. Authenticate with <code>Authorization: Bearer &lt;session token or "
        "ast_ token&gt;</code>. Errors: <code>{{\"errors\":[{{\"message\",\"code\"}}]}}</code> "
        "with the matching HTTP status.</p><nav><ul>",
        escape_html(version()));
    for (const auto& g : order) {
        html += fmt::format("<li><a href=\"#{0}\">{0}</a></li>", escape_html(g));
    }
    html += "</ul></nav>";
    for (const auto& g : order) {
        html += fmt::format("<h2 id=\"{0}\">{0}</h2>", escape_html(g));
        for (const auto* rt : groups[g]) {
            html += fmt::format("<h3><span class=\"m\">{}</span><code>{}</code></h3><p>{}</p>",
                                escape_html(rt->method), escape_html(rt->pattern),
                                escape_html(rt->doc.summary));
            if (!rt->doc.request.empty()) {
                html +=
                    fmt::format("<p>Request body</p><pre>{}</pre>", escape_html(rt->doc.request));
            }
            if (!rt->doc.response.empty()) {
                html += fmt::format("<p>Response</p><pre>{}</pre>", escape_html(rt->doc.response));
            }
        }
    }
    html += "</body></html>";
    return html;
}

http_response html(std::string body) {
    http_response res;
    res.content_type = "text/html; charset=utf-8";
    res.body = std::move(body);
    return res;
}

}  // namespace

void add_meta_routes(router& r) {
    r.add(
        "GET", "/api/status",
        {"Server",
         "Health and facts: version, uptime (and, for server admins, the number of databases).", "",
         R"({"status": "ok", "version": "0.1.0", "uptimeSeconds": 12.5, "numberOfDatabases": 3})"},
        [](route_context& c) {
            return json_response(boost::json::value_from(get_status(c.eng, c.who())));
        });
    r.add("GET", "/api/docs",
          {"Server", "This page: every route, generated from the router's table.", "", "text/html"},
          [&r](route_context&) { return html(render_docs(r)); });
    r.add(
        "GET", "/api/openapi.json",
        {"Server",
         "The OpenAPI 3.1 description of every route, generated from the router's table as "
         "/api/docs is: path parameters, example bodies and JSON Schemas inferred from them.",
         "",
         R"({"openapi": "3.1.0", "info": {"title": "airsql HTTP API", "version": "0.1.0"}, "paths": {}})"},
        [&r](route_context&) { return json_response(openapi_document(r)); });
    r.add("GET", "/",
          {"Server", "Landing page with a link to the API documentation.", "", "text/html"},
          [](route_context&) {
              return html(fmt::format(
                  "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>airsql"
                  "</title></head><body><h1>airsql {}</h1><p>SQLite databases with an instant "
                  "GraphQL API and an SQL endpoint. Open the <a href=\"/console\">console</a>, or "
                  "see the <a href=\"/api/docs\">API documentation</a>.</p></body></html>",
                  escape_html(version())));
          });
}

}  // namespace airsql::server
