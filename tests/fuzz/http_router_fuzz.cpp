// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the HTTP surface: bytes → Beast's request parser with the server's limits
// → the router, on a real engine, as one keep-alive connection (up to eight pipelined requests
// per input, so that one input can change state and then read it back).
//
// Inputs may name the world's credentials and ids by placeholder, replaced before parsing:
// TOKEN (session of user "fuzz", Admin of team "fuzz"), ROOTKEY (session of the server admin
// "root"), APIKEY (a write token of team "fuzz" for the fixture database), DBID and ROID (the
// fixture database's id and read-only id), TOKID (the id of APIKEY). The values have fixed
// lengths (43, 43, 47, 26, 16 characters; TOKID is "1"), so a seed's Content-Length can count
// the replaced text.
//
// AIRSQL_FUZZ_TRACE=1 in the environment prints each request's status (for writing seeds).
// AIRSQL_FUZZ_TOLERATE lets known, reported bugs pass (fuzz_fixture.hpp).
//
// Invariants: every status is 100–599 and never 500; every 4xx/5xx body (except for HEAD, and
// the playground's sign-in page: 401 HTML for a GET of …/graphql without a query by a client
// that accepts HTML) is JSON with a non-empty "errors" array of objects with a "message";
// every JSON body parses;
// HEAD bodies are empty; no body reveals the data directory, a password hash or a secret the
// request did not carry.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/value.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "airsql/airsql.hpp"
#include "fuzz_fixture.hpp"
#include "http_server.hpp"
#include "beast_request.hpp"
#include "router.hpp"

namespace {

namespace http = boost::beast::http;
using airsql::fuzz::fail;

// The engine, its users, the fixture database and a router over them.
struct world {
    airsql::fuzz::engine_fixture fx;
    std::unique_ptr<airsql::server::router> router;
    std::string token;
    std::string root_token;
    std::string api_key;
    std::string db_id;
    std::string readonly_id;
    std::string token_id;
    std::string data_dir;
    int writes = 0;

    world() {
        // Playground files, so that the asset routes and the playground page answer 200.
        auto assets = fx.dir.path() / "assets";
        std::filesystem::create_directories(assets);
        for (const char* name : {"graphiql.min.js", "graphiql.min.css", "react.production.min.js",
                                 "react-dom.production.min.js"}) {
            std::ofstream(assets / name) << "/* " << name << " */\n";
        }
        data_dir = std::filesystem::canonical(fx.dir.path() / "data").string();

        root_token = fx.session("root");
        token = fx.session("fuzz");
        auto owner = fx.as(token);
        db_id = fx.fixture_database(owner, "fuzz");
        readonly_id = airsql::get_database(fx.eng, owner, db_id).readonly_id;
        auto t = airsql::create_token(fx.eng, owner,
                                      {.name = "fuzz",
                                       .description = "",
                                       .expiration_utc = std::nullopt,
                                       .permissions = {{db_id, "", airsql::token_access::write}},
                                       .team_name = "fuzz"});
        api_key = t.body;
        token_id = std::to_string(t.id);
        router = std::make_unique<airsql::server::router>(
            fx.eng, airsql::server::router_options{.assets_dir = assets});
    }

    // The input with every placeholder replaced. No placeholder is a prefix of another, so the
    // order of the table does not matter.
    std::string expand(std::string_view in) const {
        const std::array<std::pair<std::string_view, const std::string*>, 6> names{{
            {"TOKEN", &token},
            {"ROOTKEY", &root_token},
            {"APIKEY", &api_key},
            {"DBID", &db_id},
            {"ROID", &readonly_id},
            {"TOKID", &token_id},
        }};
        std::string out;
        out.reserve(in.size() + 64);
        for (std::size_t i = 0; i < in.size();) {
            bool replaced = false;
            for (const auto& [name, value] : names) {
                if (in.substr(i, name.size()) == name) {
                    out += *value;
                    i += name.size();
                    replaced = true;
                    break;
                }
            }
            if (!replaced) out.push_back(in[i++]);
        }
        return out;
    }
};

std::unique_ptr<world> the_world;
const bool trace = std::getenv("AIRSQL_FUZZ_TRACE") != nullptr;

// Limits of the server's session (server_options defaults).
const airsql::server::server_options server_defaults;

bool contains(std::string_view haystack, std::string_view needle) {
    return !needle.empty() && haystack.find(needle) != std::string_view::npos;
}

std::string describe(const airsql::server::http_request& req,
                     const airsql::server::http_response& res) {
    return req.method + " " + req.target + "\n" + req.body.substr(0, 500) + "\n--> " +
           std::to_string(res.status) + " " + res.content_type + "\n" + res.body;
}

void check_response(const world& w, std::string_view input, const airsql::server::http_request& req,
                    const airsql::server::http_response& res) {
    if (res.status < 100 || res.status > 599) fail("status outside 100-599", describe(req, res));
    if (res.status == 500) fail("500 Internal Server Error", describe(req, res));
    if (req.method == "HEAD") {
        if (!res.body.empty() && !airsql::fuzz::tolerated("head-body")) {
            fail("HEAD response with a body", describe(req, res));
        }
        return;
    }
    const bool json_type = res.content_type.find("json") != std::string::npos;
    std::string_view path(req.target);
    path = path.substr(0, path.find('?'));
    const bool sign_in_page = res.status == 401 && req.method == "GET" &&
                              res.content_type.starts_with("text/html") &&
                              path.ends_with("/graphql") &&
                              req.target.find("query=") == std::string::npos;
    if ((res.status >= 400 && !sign_in_page) || json_type) {
        boost::system::error_code ec;
        auto body = airsql::fuzz::parse_response(res.body, ec);
        if (ec) fail("response body is not JSON", describe(req, res));
        if (res.status >= 400) {
            const auto* errors =
                body.is_object() ? body.get_object().if_contains("errors") : nullptr;
            if (!errors || !errors->is_array() || errors->get_array().empty()) {
                fail("error response without an \"errors\" array", describe(req, res));
            }
            for (const auto& e : errors->get_array()) {
                const auto* m = e.is_object() ? e.get_object().if_contains("message") : nullptr;
                if (!m || !m->is_string()) {
                    fail("error entry without a message", describe(req, res));
                }
            }
        }
    }
    // Error messages must never contain file system paths or secrets (airsql/error.hpp).
    // (libFuzzer learns strings from these very comparisons: echoes of the input are fine.)
    if (contains(res.body, w.data_dir) && !contains(input, w.data_dir)) {
        fail("response reveals the data directory", describe(req, res));
    }
    if (contains(res.body, "$argon2") && !contains(input, "$argon2")) {
        fail("response reveals a password hash", describe(req, res));
    }
    for (const auto* secret : {&w.root_token, &w.token, &w.api_key}) {
        if (contains(res.body, *secret) && !contains(input, *secret)) {
            fail("response reveals a secret the request did not carry", describe(req, res));
        }
    }
}

bool changes_state(std::string_view method) {
    return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

// Whether a successful request may have broken the world's credentials or ids (a logout, a
// deleted or moved database, a changed membership or token): then the next input needs a
// fresh world, or every later input would run against a different one.
bool may_break_world(const airsql::server::http_request& req) {
    return req.method == "DELETE" || req.method == "PATCH" ||
           req.target.find("logout") != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    the_world = std::make_unique<world>();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto& w = *the_world;
    const std::string input = w.expand(std::string_view(reinterpret_cast<const char*>(data), size));
    std::string_view rest = input;
    bool rebuild = false;

    for (int n = 0; n < 8 && !rest.empty(); ++n) {
        // A fresh parser per request, with the session's limits.
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(server_defaults.header_limit));
        parser.body_limit(server_defaults.json_body_limit);
        parser.eager(true);
        boost::beast::error_code ec;
        while (!parser.is_done()) {
            auto used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
            rest.remove_prefix(used);
            if (ec == http::error::need_more && used > 0 && !rest.empty()) {
                ec = {};
                continue;
            }
            if (!ec && used == 0) ec = http::error::need_more;
            if (ec) break;
        }
        // A malformed or oversized request gets the session's canned JSON error (not under
        // test here) and the connection closes; an incomplete one waits for more bytes.
        if (!parser.is_done()) break;

        auto beast_request = parser.release();
        const bool keep_alive = beast_request.keep_alive();
        auto request = airsql::server::to_request(std::move(beast_request));
        // The server reads the Accept header before the router (an event stream or not).
        for (const char* type : {"text/event-stream", "application/json"}) {
            double q = airsql::server::accept_quality(request.header("Accept"), type, true);
            if (!(q >= 0 && q <= 1)) fail("accept_quality outside [0, 1]");
        }

        // As the session does: on the I/O thread if possible (cached answers, queries and
        // mutations within the default inline budget; commits waited for), else on a worker.
        auto inline_answer =
            w.router->handle_inline(request, std::chrono::microseconds(1000), true);
        if (inline_answer) inline_answer->commits.wait();
        auto response =
            inline_answer ? std::move(inline_answer->response) : w.router->handle(request);
        if (trace) {
            std::fprintf(stderr, "%s %s -> %d %.200s\n", request.method.c_str(),
                         request.target.c_str(), response.status, response.body.c_str());
        }
        check_response(w, input, request, response);

        if (changes_state(request.method) && response.status < 300) {
            ++w.writes;
            if (may_break_world(request)) rebuild = true;
        }
        if (!keep_alive) break;
    }

    // Successful writes also grow the catalog and the database: start over now and then.
    if (rebuild || w.writes >= 256) {
        the_world.reset();
        the_world = std::make_unique<world>();
    }
    return 0;
}
