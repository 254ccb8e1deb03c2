// SPDX-License-Identifier: Apache-2.0
// GraphQL over HTTP (graphql-over-http spec): POST with JSON, GET for queries, both media
// types; the GraphiQL playground served from the server's own assets (no CDN).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value_to.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "airsql/json.hpp"
#include "airsql/error.hpp"
#include "airsql/graphql.hpp"
#include "http_error.hpp"
#include "airsql/html.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace {

constexpr const char* graphql_response_type = "application/graphql-response+json";

// Whether the client asked for application/graphql-response+json (before application/json).
bool wants_graphql_response(std::string_view accept) {
    auto gr = accept.find(graphql_response_type);
    if (gr == std::string_view::npos) return false;
    auto json = accept.find("application/json");
    return json == std::string_view::npos || gr < json;
}

// Whether a GET without `query` may get a page: browsers name text/html, curl sends */*, and no
// Accept header at all means anything. A client that names only JSON types is an API client:
// it gets a JSON answer, never the playground's HTML.
bool accepts_html(std::string_view accept) {
    return accept.empty() || contains_ascii_ci(accept, "text/html") || accept.find("*/*") != accept.npos;
}

// The full schema unless the request asks for AirGQL's own view (`X-Airsql-Schema: airgql` or
// `?schema=airgql`) or the current one without AirGQL's deprecated aliases (`current`, for
// code generators); `full` is accepted too, and is the default: decision D13.
introspection_view view_of(route_context& c) {
    auto header = c.req.header("X-Airsql-Schema");
    auto query = c.query("schema");
    if (contains_ascii_ci(header, "airgql") || query == std::optional<std::string>("airgql")) {
        return introspection_view::airgql_compatible;
    }
    if (contains_ascii_ci(header, "current") || query == std::optional<std::string>("current")) {
        return introspection_view::current;
    }
    return introspection_view::full;
}

http_response render(graphql_response res, bool graphql_media_type) {
    http_response out;
    out.content_type = graphql_media_type ? graphql_response_type : "application/json";
    out.body = std::move(res.body);
    if (res.mutation_refused) {
        out.status = 405;
        out.headers.emplace_back("Allow", "POST");
    } else if (res.request_error && graphql_media_type) {
        out.status = 400;
    }
    return out;
}

// A POST body: one request object, or an array of them (a batch).
boost::json::value body_of(route_context& c) {
    auto type = c.req.header("Content-Type");
    if (!type.empty() && !contains_ascii_ci(type, "json")) {
        throw error(errc::invalid_argument,
                    "send GraphQL requests as JSON (Content-Type: application/json)");
    }
    return c.json_body();
}

// A batch's answer: a JSON array of the elements' answers, in order.
http_response render_batch(const std::vector<graphql_response>& answers, bool graphql_media_type) {
    http_response out;
    out.content_type = graphql_media_type ? graphql_response_type : "application/json";
    out.body = "[";
    for (std::size_t i = 0; i < answers.size(); ++i) {
        if (i) out.body += ',';
        out.body += answers[i].body;
    }
    out.body += ']';
    return out;
}

// The playground page. `mode`: `signed_in` (the page's own session or a public/read-only
// database: GraphiQL at once, with a sign-out button when a session cookie came along),
// `signed_out` (an anonymous visitor of a database it cannot read: a sign-in form, with a
// password — the session cookie, then the page reloads — or an API token, which goes into
// GraphiQL's header editor). The page itself holds no data, so the signed-out page is the same
// for every id and reveals nothing about which databases exist.
enum class playground_mode { open, signed_in, signed_out };

// `text` as a JavaScript string literal inside a <script> element: JSON's escapes, plus `<`,
// `>`, `&` and the line separators U+2028/2029 as \u escapes, so nothing in it can end the
// element or the string (HTML escaping is the wrong escaping there: it leaves `\` alone).
std::string script_string(std::string_view text) {
    auto json = boost::json::serialize(boost::json::string(text));
    std::string out;
    out.reserve(json.size());
    for (std::size_t i = 0; i < json.size(); ++i) {
        char c = json[i];
        if (c == '<') {
            out += "\\u003c";
        } else if (c == '>') {
            out += "\\u003e";
        } else if (c == '&') {
            out += "\\u0026";
        } else if (c == '\xe2' && i + 2 < json.size() && json[i + 1] == '\x80' &&
                   (json[i + 2] == '\xa8' || json[i + 2] == '\xa9')) {
            out += json[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
            i += 2;
        } else {
            out += c;
        }
    }
    return out;
}

http_response playground(const router& r, std::string_view default_query_path,
                         playground_mode mode) {
    if (r.options().assets_dir.empty() ||
        !std::filesystem::exists(r.options().assets_dir / "graphiql.min.js")) {
        return error_response(503, "unavailable",
                              "the GraphiQL assets are not installed (scripts/install-deps installs "
                              "them from npm); POST GraphQL requests to this URL instead");
    }
    http_response res;
    res.content_type = "text/html; charset=utf-8";
    if (mode == playground_mode::signed_out) res.status = 401;
    res.body = fmt::format(R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>airsql · GraphiQL</title>
<link rel="stylesheet" href="/graphiql/graphiql.min.css">
<style>
  body {{ margin: 0; height: 100vh; display: flex; flex-direction: column; font-family: system-ui, sans-serif; }}
  #bar {{ display: none; justify-content: flex-end; gap: 8px; padding: 4px 8px; font-size: 13px; }}
  #graphiql {{ flex: 1; min-height: 0; }}
  #signin {{ display: none; max-width: 22rem; margin: 10vh auto; padding: 1.5rem; }}
  #signin h1 {{ font-size: 1.4rem; }}
  #signin label {{ display: block; margin-top: .8rem; }}
  #signin input {{ width: 100%; box-sizing: border-box; padding: .4rem; font-size: 1rem; }}
  #signin button {{ margin-top: 1rem; padding: .4rem 1rem; font-size: 1rem; }}
  #signin-error {{ color: #b00020; min-height: 1.2em; }}
</style>
</head>
<body>
<div id="bar"><button id="signout" type="button">Sign out</button></div>
<form id="signin" aria-labelledby="signin-title">
  <h1 id="signin-title">Sign in to use this database's GraphQL API</h1>
  <label>Username <input id="username" name="username" autocomplete="username"></label>
  <label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>
  <button id="signin-submit" type="submit">Sign in</button>
  <p>or</p>
  <label>API token <input id="token" name="token" autocomplete="off" placeholder="ast_…"></label>
  <button id="token-submit" type="button">Use the token</button>
  <p id="signin-error" role="alert"></p>
</form>
<div id="graphiql"></div>
<script src="/graphiql/react.production.min.js"></script>
<script src="/graphiql/react-dom.production.min.js"></script>
<script src="/graphiql/graphiql.min.js"></script>
<script src="/graphiql/graphql-ws.min.js"></script>
<script>
  const mode = '{mode}';
  const defaultQueryPath = {path};
  // The current view: the full schema with its Subscription type, without AirGQL's deprecated
  // aliases. Subscriptions go over a WebSocket on the same URL (graphql-ws), authenticated by
  // the token given here or the session cookie.
  function makeFetcher(headers) {{
    const ws = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host +
      location.pathname;
    const wsClient = window.graphqlWs ? graphqlWs.createClient({{
      url: ws, lazy: true, connectionParams: () => (headers ? {{ ...headers }} : {{}}),
    }}) : undefined;
    return GraphiQL.createFetcher({{ url: location.pathname + '?schema=current', wsClient }});
  }}
  function showPlayground(headers) {{
    const fetcher = makeFetcher(headers);
    document.getElementById('signin').style.display = 'none';
    document.getElementById('graphiql').textContent = 'Loading the playground…';
    fetch(defaultQueryPath, {{ credentials: 'same-origin', headers: headers || {{}} }})
      .then((r) => (r.ok ? r.text() : ''))
      .catch(() => '')
      .then((defaultQuery) => {{
        ReactDOM.createRoot(document.getElementById('graphiql')).render(
          React.createElement(GraphiQL, {{
            fetcher, defaultQuery, defaultEditorToolsVisibility: true,
            defaultHeaders: headers ? JSON.stringify(headers, null, 2) : undefined,
            shouldPersistHeaders: false,
          }}),
        );
      }});
  }}
  const fail = (message) => {{ document.getElementById('signin-error').textContent = message; }};
  document.getElementById('signin').addEventListener('submit', async (event) => {{
    event.preventDefault();
    const body = JSON.stringify({{
      username: document.getElementById('username').value,
      password: document.getElementById('password').value,
    }});
    try {{
      const res = await fetch('/api/login', {{ method: 'POST', credentials: 'same-origin',
        headers: {{ 'Content-Type': 'application/json' }}, body }});
      if (res.ok) {{ window.location.reload(); return; }}
      const answer = await res.json().catch(() => ({{}}));
      fail(answer.errors?.[0]?.message || `sign-in failed (HTTP ${{res.status}})`);
    }} catch (e) {{ fail(`sign-in failed: ${{e.message}}`); }}
  }});
  document.getElementById('token-submit').addEventListener('click', () => {{
    const token = document.getElementById('token').value.trim();
    if (!token) {{ fail('enter an API token'); return; }}
    showPlayground({{ Authorization: `Bearer ${{token}}` }});
  }});
  document.getElementById('signout').addEventListener('click', async () => {{
    await fetch('/api/logout', {{ method: 'POST', credentials: 'same-origin' }}).catch(() => {{}});
    window.location.reload();
  }});
  if (mode === 'signed_out') {{
    document.getElementById('signin').style.display = 'block';
    document.getElementById('username').focus();
  }} else {{
    if (mode === 'signed_in') document.getElementById('bar').style.display = 'flex';
    showPlayground();
  }}
</script>
</body>
</html>
)html",
                           fmt::arg("mode", mode == playground_mode::signed_out ? "signed_out"
                                            : mode == playground_mode::signed_in ? "signed_in"
                                                                                 : "open"),
                           fmt::arg("path", script_string(default_query_path)));
    return res;
}

http_response serve_asset(const router& r, const std::string& name) {
    static const std::pair<const char*, const char*> files[] = {
        {"graphiql.min.js", "text/javascript; charset=utf-8"},
        {"graphiql.min.css", "text/css; charset=utf-8"},
        {"react.production.min.js", "text/javascript; charset=utf-8"},
        {"react-dom.production.min.js", "text/javascript; charset=utf-8"},
        {"graphql-ws.min.js", "text/javascript; charset=utf-8"},
    };
    for (const auto& [file, type] : files) {
        if (name != file) continue;
        std::ifstream in(r.options().assets_dir / file, std::ios::binary);
        if (!in) break;
        std::ostringstream body;
        body << in.rdbuf();
        http_response res;
        res.content_type = type;
        res.body = body.str();
        res.headers.emplace_back("Cache-Control", "public, max-age=86400");
        return res;
    }
    return error_response(404, "not_found", "no such playground file");
}

// A GraphQL endpoint: the database comes from `id_param`; `readonly` selects the read-only id.
void add_endpoint(router& r, const std::string& prefix, const std::string& id_param, bool readonly) {
    auto who = [readonly, id_param](route_context& c) -> principal {
        return readonly ? principal::readonly_link(c.param(id_param)) : c.who();
    };
    std::string base = prefix + "/:" + id_param;
    r.add("POST", base + "/graphql",
          {"GraphQL",
           readonly ? "The read-only GraphQL API (no Mutation type), reachable with the read-only id."
                    : "The database's generated GraphQL API. Errors of the document come back in "
                      "`errors`; introspection shows the full schema, AirGQL's exact one when the "
                      "request sends `X-Airsql-Schema: airgql` (or `?schema=airgql`), or the full "
                      "one without AirGQL's deprecated aliases but with Hasura's forms that "
                      "change AirGQL's signatures (insert_<t>_one, update_<t>_many, _inc, "
                      "distinct_on on root lists) with `current` (for code generators).",
           R"({"operationName": null, "query": "{ users { name, email } }", "variables": null})",
           R"({"data": {"users": [{"name": "John", "email": "john@example.com"}]}})"},
          [who, id_param](route_context& c) {
              auto body = body_of(c);
              bool media = wants_graphql_response(c.req.header("Accept"));
              if (body.is_array()) {
                  return render_batch(execute_graphql_batch(c.eng, who(c), c.param(id_param),
                                                            body.get_array(), view_of(c), media),
                                      media);
              }
              auto request = boost::json::value_to<graphql_request>(body);
              request.view = view_of(c);
              request.request_errors_without_data = media;
              return render(execute_graphql(c.eng, who(c), c.param(id_param), request), media);
          },
          true);
    r.add("GET", base + "/graphql",
          {"GraphQL",
           "With ?query=… (or ?extensions= naming a persisted query's hash): a GraphQL query over GET (mutations are refused with 405); with "
           "`Accept: text/event-stream` too, any query or subscription as Server-Sent Events "
           "(graphql-sse; a browser's EventSource). Without: the GraphiQL playground.",
           "", "text/html or JSON"},
          [&r, who, id_param, base, readonly](route_context& c) {
              // A GraphQL request names its query, or the hash of a persisted one.
              bool graphql_get = c.query("query") || c.query("extensions");
              if (!graphql_get && !accepts_html(c.req.header("Accept"))) {
                  // Who may not read the database learns nothing more than from a query.
                  default_query(c.eng, who(c), c.param(id_param));
                  throw error(errc::invalid_argument,
                              "a GraphQL GET request needs a `query` parameter (the playground "
                              "page is for browsers)");
              }
              if (!graphql_get) {
                  // Ids are letters, digits, '-' and '_'; anything else (a decoded '/', '?',
                  // '..') would let the page's own fetch reach another URL.
                  const auto& id = c.param(id_param);
                  bool plain = !id.empty() && std::all_of(id.begin(), id.end(), [](char ch) {
                      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' ||
                             ch == '_';
                  });
                  if (!plain) throw error(errc::not_found, "no such database");
                  auto path = base.substr(0, base.find(':')) + id + "/playground/default-query";
                  principal caller = principal::anonymous();
                  try {
                      caller = who(c);
                  } catch (const error& e) {
                      // An expired or revoked session cookie: sign in again.
                      if (readonly || e.code() != errc::unauthenticated) throw;
                      return playground(r, path, playground_mode::signed_out);
                  }
                  try {
                      // Only for callers who may read the database, as for POST.
                      default_query(c.eng, caller, c.param(id_param));
                  } catch (const error& e) {
                      // A visitor who cannot read it — anonymous, or signed in as someone
                      // without access — may sign in as someone else, or bring a token. (The
                      // page is the same for every id: it tells nothing about which exist.)
                      if (readonly || e.code() != errc::not_found) throw;
                      return playground(r, path, playground_mode::signed_out);
                  }
                  bool session = !readonly && caller.kind() == principal_kind::user;
                  return playground(r, path,
                                    session ? playground_mode::signed_in : playground_mode::open);
              }
              auto request =
                  graphql_get_request([&c](std::string_view name) { return c.query(name); });
              request.view = view_of(c);
              bool media = wants_graphql_response(c.req.header("Accept"));
              request.request_errors_without_data = media;
              return render(execute_graphql(c.eng, who(c), c.param(id_param), request), media);
          });
    r.add("GET", base + "/playground/default-query",
          {"GraphQL", "A starter query for the playground: the first table, every column.", "",
           "text/plain"},
          [who, id_param](route_context& c) {
              http_response res;
              res.content_type = "text/plain; charset=utf-8";
              res.body = default_query(c.eng, who(c), c.param(id_param));
              return res;
          });
}

}  // namespace

void add_graphql_routes(router& r) {
    add_endpoint(r, "/dbs", "dbId", false);
    add_endpoint(r, "/readonly", "readonlyId", true);
    r.add("GET", "/graphiql/:file",
          {"GraphQL", "The playground's browser files (GraphiQL and React, from npm).", "",
           "JavaScript or CSS"},
          [&r](route_context& c) { return serve_asset(r, c.param("file")); });
}

}  // namespace airsql::server
