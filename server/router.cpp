// SPDX-License-Identifier: Apache-2.0
#include "router.hpp"

#include <unistd.h>

#include <atomic>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cstdlib>
#include <cctype>
#include <iostream>

#include "airsql/error.hpp"
#include "airsql/json.hpp"
#include "airsql/memory_only.hpp"
#include "airsql/server_settings.hpp"
#include "http_error.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace {
constexpr char fold_ascii(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
}  // namespace

bool iequals_ascii(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return fold_ascii(x) == fold_ascii(y);
           });
}

double accept_quality(std::string_view accept, std::string_view media_type,
                      bool wildcards) noexcept {
    auto trim = [](std::string_view v) {
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
        while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
        return v;
    };
    if (trim(accept).empty()) return wildcards ? 1.0 : 0.0;
    auto slash = media_type.find('/');
    auto type_range = std::string(media_type.substr(0, slash)) + "/*";
    int best_rank = 0;  // 3 exact, 2 type/*, 1 */*
    double best_q = 0;
    while (!accept.empty()) {
        auto comma = accept.find(',');
        auto item = accept.substr(0, comma);
        accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
        auto semi = item.find(';');
        auto range = trim(item.substr(0, semi));
        int rank = iequals_ascii(range, media_type) ? 3
                   : iequals_ascii(range, type_range) ? 2
                   : (wildcards && range == "*/*") ? 1
                                                   : 0;
        if (rank == 0 || rank < best_rank) continue;
        double q = 1.0;
        auto params = semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1);
        while (!params.empty()) {
            auto next = params.find(';');
            auto p = trim(params.substr(0, next));
            params = next == std::string_view::npos ? std::string_view() : params.substr(next + 1);
            if (p.size() > 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
                q = std::strtod(std::string(p.substr(2)).c_str(), nullptr);
                if (!(q >= 0)) q = 0;
                if (q > 1) q = 1;
            }
        }
        if (rank > best_rank || q > best_q) {
            best_q = rank > best_rank ? q : std::max(best_q, q);
            best_rank = rank;
        }
    }
    return best_q;
}

bool contains_ascii_ci(std::string_view haystack, std::string_view needle) noexcept {
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                       [](char x, char y) { return fold_ascii(x) == fold_ascii(y); }) !=
           haystack.end();
}

std::string_view find_header(const header_list& headers, std::string_view name) {
    for (const auto& [k, v] : headers) {
        if (iequals_ascii(k, name)) return v;
    }
    return {};
}

namespace {

std::vector<std::string> split_pattern(std::string_view pattern) {
    std::vector<std::string> out;
    std::size_t pos = 1;
    while (pos <= pattern.size()) {
        auto next = pattern.find('/', pos);
        if (next == std::string_view::npos) next = pattern.size();
        out.emplace_back(pattern.substr(pos, next - pos));
        pos = next + 1;
    }
    return out;
}

std::string cookie_value(std::string_view cookies, std::string_view name) {
    while (!cookies.empty()) {
        auto semi = cookies.find(';');
        auto part = cookies.substr(0, semi);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        auto eq = part.find('=');
        if (eq != std::string_view::npos && part.substr(0, eq) == name) {
            return std::string(part.substr(eq + 1));
        }
        if (semi == std::string_view::npos) break;
        cookies.remove_prefix(semi + 1);
    }
    return {};
}

void add_cors(http_response& res) { res.headers.emplace_back("Access-Control-Allow-Origin", "*"); }

bool is_state_changing(std::string_view method) {
    return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

// ---- route_context ----

route_context::route_context(engine& e, const http_request& r, std::vector<std::string> names,
                             std::vector<std::string> values,
                             std::vector<std::pair<std::string, std::string>> query,
                             std::filesystem::path temp_dir)
    : eng(e),
      req(r),
      param_names_(std::move(names)),
      param_values_(std::move(values)),
      query_(std::move(query)),
      temp_dir_(std::move(temp_dir)) {}

std::filesystem::path route_context::temp_file(std::string_view suffix) const {
    static std::atomic<std::uint64_t> counter{0};
    auto dir = temp_dir_.empty() ? std::filesystem::temp_directory_path() : temp_dir_;
    return dir / fmt::format("result-{}-{}{}", ::getpid(), counter.fetch_add(1) + 1, suffix);
}

const std::string& route_context::param(std::string_view name) const {
    for (std::size_t i = 0; i < param_names_.size(); ++i) {
        if (param_names_[i] == name) return param_values_[i];
    }
    throw error(errc::internal, fmt::format("route has no parameter {}", name));
}

std::optional<std::string> route_context::query(std::string_view name) const {
    for (const auto& [k, v] : query_) {
        if (k == name) return v;
    }
    return std::nullopt;
}

graphql_request graphql_get_request(
    const std::function<std::optional<std::string>(std::string_view)>& param) {
    auto object_param = [&](std::string_view name) -> std::optional<boost::json::object> {
        auto text = param(name);
        if (!text || text->empty() || *text == "null") return std::nullopt;
        boost::system::error_code ec;
        auto v = boost::json::parse(*text, ec);
        if (ec || !v.is_object()) {
            throw error(errc::invalid_argument,
                        fmt::format("the {} parameter must be a JSON object", name));
        }
        return std::move(v.get_object());
    };
    graphql_request r;
    if (auto extensions = object_param("extensions")) read_graphql_extensions(r, *extensions);
    auto query = param("query");
    if (query) {
        r.query = std::move(*query);
    } else if (r.persisted_query_hash.empty()) {
        throw error(errc::invalid_argument, "a GraphQL GET request needs a `query` parameter");
    }
    if (auto vars = object_param("variables")) r.variables = std::move(*vars);
    if (auto name = param("operationName"); name && !name->empty()) r.operation_name = *name;
    r.queries_only = true;
    return r;
}

credentials credentials_of(const http_request& req, bool state_changing) {
    credentials c;
    auto auth = req.header("Authorization");
    if (!auth.empty()) {
        if (!iequals_ascii(auth.substr(0, 7), "Bearer ")) {
            throw error(errc::unauthenticated,
                        "the Authorization header must be \"Bearer <token>\"");
        }
        auto token = auth.substr(7);
        while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
        while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
        c.bearer = std::string(token);
        if (c.bearer.empty()) throw error(errc::unauthenticated, "empty bearer token");
    }
    c.session_cookie = cookie_value(req.header("Cookie"), session_cookie_name);
    c.state_changing = state_changing || is_state_changing(req.method);
    c.origin = std::string(req.header("Origin"));
    c.sec_fetch_site = std::string(req.header("Sec-Fetch-Site"));
    c.host = std::string(req.header("Host"));
    c.client_address = req.client_address;
    return c;
}

const principal& route_context::who() {
    if (!who_) who_ = authenticate(eng, credentials_of(req, state_changing_));
    return *who_;
}

boost::json::value route_context::json_body() const {
    boost::json::parse_options opts;
    opts.max_depth = 64;
    boost::system::error_code ec;
    auto v = boost::json::parse(req.body, ec, {}, opts);
    if (ec) {
        throw error(errc::invalid_argument,
                    req.body.empty()
                        ? std::string("the request needs a JSON body")
                        : fmt::format("request body is not valid JSON: {}", ec.message()));
    }
    return v;
}

// ---- router ----

router::router(engine& eng, router_options opts) : eng_(eng), opts_(std::move(opts)) {
    add_all_routes(*this);
}

namespace {
// The decoded path segments of a request target; "/" has one empty segment, as in the
// patterns' representation.
std::vector<std::string> path_segments(const boost::urls::url_view& url) {
    std::vector<std::string> segments;
    auto decoded = url.segments();
    segments.reserve(decoded.size() + 1);
    for (auto s : decoded) segments.push_back(s);
    if (segments.empty()) segments.emplace_back();
    return segments;
}

// Whether a pattern can match a path of `segments` segments: as many, or with a last `*name`
// at least as many.
bool fits_length(const std::vector<std::string>& pattern, std::size_t segments) {
    bool tail = !pattern.empty() && pattern.back().starts_with('*');
    return tail ? segments >= pattern.size() : segments == pattern.size();
}

// Whether a route's pattern matches a path: literal segments equal, `:name` any non-empty
// segment, and a last `*name` the rest of the path (one segment or more).
bool matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
    if (!fits_length(pattern, path.size())) return false;
    bool tail = !pattern.empty() && pattern.back().starts_with('*');
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const auto& p = pattern[i];
        if (tail && i + 1 == pattern.size()) return true;
        bool ok = (!p.empty() && p.front() == ':') ? !path[i].empty() : p == path[i];
        if (!ok) return false;
    }
    return true;
}
}  // namespace

route& router::add(std::string method, std::string pattern, route_doc doc, handler fn,
                   bool try_inline, route_body body) {
    auto segments = split_pattern(pattern);
    routes_.push_back({std::move(method), std::move(pattern), std::move(doc), std::move(fn),
                       std::move(segments), try_inline, body == route_body::to_file});
    return routes_.back();
}

bool router::wants_body_file(std::string_view method, std::string_view target) const noexcept {
    return body_file_limit(method, target).has_value();
}

std::optional<std::uint64_t> router::body_file_limit(std::string_view method,
                                                     std::string_view target) const noexcept {
    try {
        auto parsed = !target.empty() && target.front() == '/'
                          ? boost::urls::parse_origin_form(target)
                          : boost::urls::parse_absolute_uri(target);
        if (!parsed) return false;
        // Most requests (GraphQL, SQL) match no upload route by method and segment count
        // alone: that needs no decoded copy of the path.
        auto count = std::max<std::size_t>(parsed->segments().size(), 1);
        auto candidate = [&](const route& r) {
            return r.body_to_file && r.method == method && fits_length(r.segments, count);
        };
        if (std::none_of(routes_.begin(), routes_.end(), candidate)) return std::nullopt;
        auto segments = path_segments(*parsed);
        for (const auto& r : routes_) {
            if (!candidate(r)) continue;
            if (matches(r.segments, segments)) {
                // The server settings' upload cap (maxUploadBytes) lowers the route's own.
                auto cap = effective_upload_cap(eng_, UINT64_MAX);
                if (cap == UINT64_MAX) return r.max_body_bytes;
                return r.max_body_bytes == 0 ? cap : std::min(r.max_body_bytes, cap);
            }
        }
    } catch (...) {
    }
    return std::nullopt;
}

namespace {
// Thrown when a route that may not run inline was reached inside handle_from_memory.
struct not_inline {};
}  // namespace

std::optional<router::inline_answer> router::handle_inline(const http_request& req,
                                                           std::chrono::microseconds budget,
                                                           bool writes) const noexcept {
    // Without writes, a mutation is refused by the library only once parsed and validated,
    // then parsed again on a worker: the word alone sends it there at once (a query that
    // merely contains it loses nothing but the inline attempt).
    bool work = budget.count() > 0 && req.body.size() <= inline_body_limit &&
                (writes || req.body.find("mutation") == std::string::npos);
    // Without reads, inline answers come from the GraphQL response cache alone.
    if (!work && eng_.config().graphql_response_cache_bytes == 0) return std::nullopt;
    std::optional<memory_only_scope> memory_only;
    std::optional<inline_scope> scope;
    try {
        if (work) {
            scope.emplace(budget,
                          writes ? inline_scope::writes::allowed : inline_scope::writes::refused);
        } else {
            memory_only.emplace();
        }
        auto res = dispatch(req, true);
        add_cors(res);
        if (req.method == "HEAD") res.body.clear();
        return inline_answer{std::move(res),
                             scope ? scope->take_pending_commits() : pending_commits()};
    } catch (...) {
        // would_block, a route that is not marked, or any failure: the worker path answers,
        // unless a write committed already (it must not run twice).
        if (!scope || !scope->committed()) return std::nullopt;
        try {
            auto res = error_response(500, "internal", "internal error");
            add_cors(res);
            return inline_answer{std::move(res), scope->take_pending_commits()};
        } catch (...) {
            http_response bare;  // no memory for a body
            bare.status = 500;
            return inline_answer{std::move(bare), scope->take_pending_commits()};
        }
    }
}

std::optional<http_response> router::refuse_upload(const http_request& head) const noexcept {
    http_response res;
    try {
        route_context ctx(eng_, head, {}, {}, {}, opts_.temp_dir);
        if (ctx.who().kind() != principal_kind::anonymous) return std::nullopt;
        res = error_response(error(errc::unauthenticated, "sign in to upload files"));
    } catch (const error& e) {
        res = error_response(e);
    } catch (...) {
        res = error_response(500, "internal", "internal error");
    }
    add_cors(res);
    return res;
}

http_response json_response(const boost::json::value& body, int status) {
    http_response res;
    res.status = status;
    res.body = airsql::to_json(body);
    return res;
}

http_response router::handle(const http_request& req) const noexcept {
    http_response res;
    try {
        res = dispatch(req, false);
    } catch (const error& e) {
        res = error_response(e);
    } catch (const std::bad_alloc&) {
        res = error_response(507, "resource_exhausted", "out of memory");
    } catch (const std::exception& e) {
        std::cerr << "internal error: " << e.what() << '\n';
        res = error_response(500, "internal", "internal error");
    }
    add_cors(res);
    if (req.method == "HEAD") res.body.clear();  // also for errors: HEAD answers have no body
    return res;
}

http_response router::dispatch(const http_request& req, bool inline_only) const {
    // origin-form ("/path?query"), or absolute-form ("http://host/path"), which servers must
    // accept too (RFC 9112 section 3.2.2).
    auto parsed = !req.target.empty() && req.target.front() == '/'
                      ? boost::urls::parse_origin_form(req.target)
                      : boost::urls::parse_absolute_uri(req.target);
    if (!parsed) throw error(errc::invalid_argument, "the request target is not a valid path");
    auto segments = path_segments(*parsed);
    std::string_view method = req.method == "HEAD" ? std::string_view("GET") : req.method;
    std::vector<std::string> allowed;
    for (const auto& r : routes_) {
        if (!matches(r.segments, segments)) continue;
        if (r.method != method) {
            allowed.push_back(r.method);
            continue;
        }
        if (inline_only && !r.try_inline) throw not_inline{};
        // The parameters' names and values, built only for the route that runs.
        std::vector<std::string> names;
        std::vector<std::string> values;
        for (std::size_t i = 0; i < r.segments.size(); ++i) {
            const auto& p = r.segments[i];
            if (p.empty() || (p.front() != ':' && p.front() != '*')) continue;
            names.push_back(p.substr(1));
            if (p.front() == '*') {
                std::string rest;
                for (std::size_t j = i; j < segments.size(); ++j) {
                    rest += (j == i ? "" : "/") + segments[j];
                }
                values.push_back(std::move(rest));
            } else {
                values.push_back(std::move(segments[i]));
            }
        }
        std::vector<std::pair<std::string, std::string>> query;
        for (auto p : parsed->params()) query.emplace_back(p.key, p.value);
        route_context ctx(eng_, req, std::move(names), std::move(values), std::move(query),
                          opts_.temp_dir);
        return r.fn(ctx);
    }
    if (inline_only) throw not_inline{};
    if (allowed.empty()) {
        return error_response(
            404, "not_found",
            fmt::format("no route for {} {}", req.method, std::string(parsed->encoded_path())));
    }
    if (req.method == "OPTIONS") {
        http_response res;
        res.status = 204;
        res.content_type.clear();
        allowed.push_back("OPTIONS");
        res.headers.emplace_back("Access-Control-Allow-Methods",
                                 fmt::format("{}", fmt::join(allowed, ", ")));
        // Every request header the API reads.
        res.headers.emplace_back("Access-Control-Allow-Headers",
                                 "Content-Type, Authorization, Accept, X-Airsql-Schema");
        res.headers.emplace_back("Access-Control-Max-Age", "86400");
        return res;
    }
    auto res = error_response(
        405, "method_not_allowed",
        fmt::format("{} is not allowed here; use {}", req.method, fmt::join(allowed, ", ")));
    res.headers.emplace_back("Allow", fmt::format("{}", fmt::join(allowed, ", ")));
    return res;
}

}  // namespace airsql::server
