// SPDX-License-Identifier: Apache-2.0
// The web console: one HTML page and its browser files (bundled at build time by esbuild from
// server/console/ and the npm packages in tools/node; no CDN), under a strict
// Content-Security-Policy. The page holds no data: everything comes from the API, with the
// session cookie.
#include <fmt/format.h>

#include <fstream>
#include <random>
#include <sstream>

#include "http_error.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace {

// Scripts only from this server (no inline script, no eval); style sheets from this server or
// with the page's nonce (CodeMirror adds its own <style> element, with the nonce it reads from
// the page); style attributes allowed (the grid and the charts size their elements with them;
// they cannot run script); data over same-origin fetch only; no frames, no plugins.
std::string console_csp(std::string_view nonce) {
    std::string styles = nonce.empty() ? "'self'" : fmt::format("'self' 'nonce-{}'", nonce);
    return fmt::format(
        "default-src 'none'; script-src 'self'; style-src {0}; style-src-elem {0}; "
        "style-src-attr 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        styles);
}

// 128 random bits, hex: a fresh nonce for every page.
std::string make_nonce() {
    static constexpr char hex[] = "0123456789abcdef";
    std::random_device random;
    std::string out;
    for (int i = 0; i < 4; ++i) {
        auto bits = random();
        for (int j = 0; j < 8; ++j, bits >>= 4) out.push_back(hex[bits & 15U]);
    }
    return out;
}

void add_security_headers(http_response& res, std::string_view nonce = {}) {
    res.headers.emplace_back("Content-Security-Policy", console_csp(nonce));
    res.headers.emplace_back("X-Content-Type-Options", "nosniff");
    res.headers.emplace_back("Referrer-Policy", "same-origin");
    res.headers.emplace_back("X-Frame-Options", "DENY");
}

bool assets_present(const router& r) {
    return !r.options().assets_dir.empty() &&
           std::filesystem::exists(r.options().assets_dir / "console.js");
}

constexpr const char* console_page = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="airsql-style-nonce" content="{nonce}">
<title>airsql console</title>
<link rel="stylesheet" href="/console/console.css">
<script type="module" src="/console/console.js"></script>
</head>
<body>
<header id="top">
  <a id="home" href="#/">airsql</a>
  <nav id="crumbs" aria-label="Location"></nav>
  <span id="who"></span>
</header>
<main id="main" tabindex="-1"><p>Loading…</p></main>
<p id="status" role="status" aria-live="polite"></p>
<noscript>The console needs JavaScript; the <a href="/api/docs">API</a> works without it.</noscript>
</body>
</html>
)html";

http_response page(const router& r) {
    if (!assets_present(r)) {
        return error_response(503, "unavailable",
                              "the console's files are not built (scripts/install-deps installs "
                              "the npm packages they are bundled from); the API works without "
                              "them: see /api/docs");
    }
    http_response res;
    res.content_type = "text/html; charset=utf-8";
    auto nonce = make_nonce();
    res.body = fmt::format(console_page, fmt::arg("nonce", nonce));
    res.headers.emplace_back("Cache-Control", "no-store");
    add_security_headers(res, nonce);
    return res;
}

http_response asset(const router& r, const std::string& name) {
    static const std::pair<const char*, const char*> files[] = {
        {"console.js", "text/javascript; charset=utf-8"},
        {"console.css", "text/css; charset=utf-8"},
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
        res.headers.emplace_back("Cache-Control", "no-cache");
        add_security_headers(res);
        return res;
    }
    return error_response(404, "not_found", "no such console file");
}

}  // namespace

void add_console_routes(router& r) {
    r.add("GET", "/console",
          {"Console",
           "The web console (HTML): sign in, databases, tables as a grid, an SQL workbench, "
           "charts and dashboards, functions, teams and their members, tokens, database and "
           "server settings. Its data comes from this API with the session cookie.",
           "", "text/html"},
          [&r](route_context&) { return page(r); });
    r.add("GET", "/console/:file",
          {"Console", "The console's browser files (bundled from npm packages at build time).", "",
           "JavaScript or CSS"},
          [&r](route_context& c) { return asset(r, c.param("file")); });
}

}  // namespace airsql::server
