// SPDX-License-Identifier: Apache-2.0
// The router is a table of (method, path pattern, handler, documentation). The same table
// dispatches requests and renders /api/docs, so the docs cannot drift from the routes.
#pragma once

#include <boost/json/value.hpp>
#include <boost/json/value_to.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/graphql.hpp"
#include "airsql/engine.hpp"
#include "airsql/memory_only.hpp"
#include "airsql/principal.hpp"
#include "http_types.hpp"

namespace airsql::server {

/// Documentation of one route, shown on /api/docs.
struct route_doc {
    std::string group;     ///< section heading, e.g. "Databases"
    std::string summary;   ///< one sentence
    std::string request;   ///< example request body ("" when none)
    std::string response;  ///< example response body
};

/// Everything a handler needs about one request. Not thread-safe; lives for one request.
class route_context {
public:
    route_context(engine& eng, const http_request& req, std::vector<std::string> param_names,
                  std::vector<std::string> param_values,
                  std::vector<std::pair<std::string, std::string>> query,
                  std::filesystem::path temp_dir = {});

    engine& eng;
    const http_request& req;

    /// A path parameter by name (the `:name` of the pattern), percent-decoded.
    const std::string& param(std::string_view name) const;
    /// A query parameter, percent-decoded; nullopt when absent.
    std::optional<std::string> query(std::string_view name) const;
    /// Every query parameter, percent-decoded, in order.
    const std::vector<std::pair<std::string, std::string>>& query_params() const noexcept {
        return query_;
    }

    /// The caller, authenticated on first use. Throws `errc::unauthenticated` for bad tokens.
    const principal& who();

    /// The body parsed as JSON (`errc::invalid_argument` when it is not).
    boost::json::value json_body() const;
    template <class T>
    T body_as() const {
        return boost::json::value_to<T>(json_body());
    }

    /// For GET routes that change state (Airsequel's regenerate and duplicate links): the
    /// caller is authenticated with the cross-site checks of unsafe methods. Call before who().
    void treat_as_state_changing() noexcept { state_changing_ = true; }

    /// A fresh path in the router's temporary folder for a result file (`body_file`).
    std::filesystem::path temp_file(std::string_view suffix) const;

private:
    std::vector<std::string> param_names_;
    std::vector<std::string> param_values_;
    std::vector<std::pair<std::string, std::string>> query_;
    std::optional<principal> who_;
    std::filesystem::path temp_dir_;
    bool state_changing_ = false;
};

using handler = std::function<http_response(route_context&)>;

struct route {
    std::string method;
    std::string pattern;
    route_doc doc;
    handler fn;
    std::vector<std::string> segments;  ///< pattern split at '/'
    /// Often answerable from memory (cached GraphQL responses): worth trying on the I/O thread
    /// under a memory_only_scope before handing it to the worker pool.
    bool try_inline = false;
    /// Uploads: the session streams the body into a temporary file (`http_request::body_file`)
    /// with the larger upload size cap, instead of memory.
    bool body_to_file = false;
    /// For `body_to_file` routes: the route's own cap on the body, refused with 413 from the
    /// Content-Length before anything is stored (0: the server's upload cap alone).
    std::uint64_t max_body_bytes = 0;
};

/// Where a route's request body goes.
enum class route_body { in_memory, to_file };

/// Thread-safe after construction: `handle` may run on many threads at once.
/// Settings of the HTTP layer that routes need.
struct router_options {
    /// Folder with the playground's browser files (GraphiQL, React); empty: playground off.
    std::filesystem::path assets_dir;
    /// Folder for temporary result files (exports, downloads) sent as `body_file`.
    std::filesystem::path temp_dir = std::filesystem::temp_directory_path();
};

class router {
public:
    /// A router with every airsql route registered.
    explicit router(engine& eng, router_options opts = {});

    const router_options& options() const noexcept { return opts_; }

    /// Registers a route; returns it for settings beyond these (e.g. `max_body_bytes`).
    route& add(std::string method, std::string pattern, route_doc doc, handler fn,
               bool try_inline = false, route_body body = route_body::in_memory);

    /// The engine, for transports beyond request → response (WebSocket, Server-Sent Events).
    engine& engine_ref() const noexcept { return eng_; }

    /// The engine's options, for routes whose settings follow them.
    const airsql::options& engine_options() const noexcept { return eng_.config(); }

    /// Whether the route for this method and request target (as sent) takes its body as a
    /// file. Called by the session after the header arrived, before the body is read.
    bool wants_body_file(std::string_view method, std::string_view target) const noexcept;

    /// For a route that takes its body as a file: its own body cap (0 when it has none);
    /// nullopt for every other request.
    std::optional<std::uint64_t> body_file_limit(std::string_view method,
                                                 std::string_view target) const noexcept;

    /// For a route that takes its body as a file, called with the request's header alone
    /// (no body yet): a 401 answer when the caller is anonymous or its credentials are bad
    /// (every upload writes, and nothing is stored for a caller who may not), nullopt when the
    /// body may be read. Never throws; reads the catalog (call it on a worker).
    std::optional<http_response> refuse_upload(const http_request& head) const noexcept;

    /// Answers one request; never throws. Errors become JSON error responses.
    http_response handle(const http_request& req) const noexcept;

    /// What handle_inline answered: the response, and the commits it must wait for (off the
    /// I/O thread unless commits.durable()) before the response may be sent.
    struct inline_answer {
        http_response response;
        pending_commits commits;
    };

    /// Answers the request only if its route is marked try_inline and the library can answer
    /// it on the calling (I/O) thread: from memory alone when `budget` is 0 (cached GraphQL
    /// responses), else also GraphQL queries whose reads end within `budget` of CPU time, and
    /// with `writes` GraphQL mutations whose transaction does (airsql::inline_scope). nullopt
    /// means: call handle() on a worker; nothing was changed. A request that committed is
    /// never handed back (an internal failure after its commit answers 500). Bodies over
    /// inline_body_limit are not tried with reads, nor documents that name `mutation` when
    /// writes are refused.
    std::optional<inline_answer> handle_inline(const http_request& req,
                                               std::chrono::microseconds budget,
                                               bool writes) const noexcept;

    /// The largest body handle_inline tries with reads (parsing a larger one is real work).
    static constexpr std::size_t inline_body_limit = 16 * 1024;

    const std::vector<route>& routes() const noexcept { return routes_; }

private:
    http_response dispatch(const http_request& req, bool inline_only) const;

    engine& eng_;
    router_options opts_;
    std::vector<route> routes_;
};

/// The credentials a request carries: the Authorization header's bearer token, the session
/// cookie, and the headers of the cross-site check (`state_changing` for requests that are,
/// whatever their method). `unauthenticated` for a malformed Authorization header.
credentials credentials_of(const http_request& req, bool state_changing = false);

/// A GraphQL request from GraphQL-over-HTTP GET parameters (`query`, `variables` and
/// `extensions` as JSON objects, `operationName`), `param(name)` giving each: queries only
/// (a GET changes nothing). `invalid_argument` without `query` or with malformed JSON.
graphql_request graphql_get_request(
    const std::function<std::optional<std::string>(std::string_view)>& param);

/// A JSON response from any value convertible with boost::json::value_from.
http_response json_response(const boost::json::value& body, int status = 200);

}  // namespace airsql::server
