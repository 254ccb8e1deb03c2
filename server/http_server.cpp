// SPDX-License-Identifier: Apache-2.0
// The only translation unit with Beast sessions: keep it rarely edited (it is the slowest to
// compile). Request handling itself is the router's, a plain function request → response.
#include "http_server.hpp"

#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include "airsql/http_fields.hpp"
#include "airsql/memory_only.hpp"
#include "airsql/principal.hpp"
#include "airsql/subscriptions.hpp"
#include "airsql/thread_name.hpp"
#include "beast_request.hpp"
#include "commit_waiter.hpp"
#include "connection_registry.hpp"
#include "fair_scheduler.hpp"
#include "graphql_stream.hpp"
#include "http_error.hpp"
#include "inline_reads.hpp"
#include "router.hpp"

namespace airsql::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// Open connections when --max-connections is 0: what RLIMIT_NOFILE allows after a reserve for
// SQLite's files (a database, its WAL and shared memory per connection), pipes and the like.
std::size_t default_max_connections() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 10000;
    auto nofile = static_cast<std::size_t>(limit.rlim_cur);
    auto reserve = std::max(nofile / 4, std::min<std::size_t>(256, nofile / 2));
    return std::clamp<std::size_t>(nofile - reserve, 8, 10000);
}

fair_scheduler_options scheduler_options(const server_options& opts) {
    fair_scheduler_options out;
    out.workers = opts.worker_threads
                      ? opts.worker_threads
                      : std::max(4u, 2 * std::max(1u, std::thread::hardware_concurrency()));
    out.spare_workers = opts.spare_worker_threads ? opts.spare_worker_threads
                                                  : std::max<std::size_t>(2, out.workers / 2);
    out.per_key_limit = opts.max_requests_per_principal ? opts.max_requests_per_principal
                                                        : std::max<std::size_t>(2, out.workers - 1);
    out.worker_nice = opts.worker_nice;
    return out;
}

}  // namespace

using steady_time = std::chrono::steady_clock::time_point;

// One accepted connection. Owned by its session coroutine (and, briefly, by a shed request);
// everything but `stream`'s socket is only touched on the connection's strand.
struct connection : std::enable_shared_from_this<connection> {
    connection(tcp::socket socket, std::size_t context)
        : stream(std::move(socket)), watchdog(stream.get_executor()), context(context) {}

    beast::tcp_stream stream;  ///< Beast's own timeouts off: `deadline` bounds its operations
    asio::steady_timer watchdog;
    steady_time deadline = steady_time::max();     ///< see expire_after
    steady_time watch_until = steady_time::max();  ///< when the watchdog wakes (max: not waiting)
    std::string address;                           ///< the client's IP address
    connection_registry::id id = 0;
    std::size_t context;     ///< the index of its io_context (its I/O thread)
    bool idle = true;        ///< waiting for the first byte of a request
    bool shed = false;       ///< asked to close while idle (connection cap)
    bool timed_out = false;  ///< the watchdog closed the socket: `deadline` passed
};

void watch(connection& c);

// Bounds what the connection waits for next (a request, the rest of one, the client taking an
// answer) by `timeout` from now, until the next call: then the watchdog closes the socket
// (operations end with operation_aborted; `timed_out` says why).
//
// Beast's tcp_stream timeouts arm and cancel a timer for every read and write, three times a
// request with the wait for the next one: schedule_timer, cancel_timer and timerfd_settime
// took about 2% of the server's CPU under workload m. Here a request only moves `deadline`;
// the watchdog is re-armed when a deadline comes before its wake-up, and otherwise, when it
// wakes early, sleeps again until the deadline that moved on.
void expire_after(connection& c, std::chrono::steady_clock::duration timeout) {
    c.deadline = std::chrono::steady_clock::now() + timeout;
    if (c.deadline < c.watch_until) watch(c);
}

// Nothing the connection does is bounded any more (a handler runs; a stream took it over).
void expire_never(connection& c) { c.deadline = steady_time::max(); }

void watch(connection& c) {
    c.watch_until = c.deadline;
    c.watchdog.expires_at(c.watch_until);  // ends an earlier wait: it finds watch_until moved
    c.watchdog.async_wait(
        [weak = c.weak_from_this(), until = c.watch_until](const beast::error_code& ec) {
            auto c = weak.lock();
            if (!c || c->watch_until != until) return;  // gone, or re-armed earlier
            c->watch_until = steady_time::max();
            if (ec || c->deadline == steady_time::max()) return;
            if (std::chrono::steady_clock::now() < c->deadline) {
                watch(*c);
                return;
            }
            c->timed_out = true;
            beast::error_code ignored;
            c->stream.socket().close(ignored);
        });
}

// Threads waiting for inline writes' syncs, each database's on one of them: databases sync
// side by side (the kernel runs fdatasync of different files in parallel), and one tenant's
// many databases do not queue the others' answers behind a single thread.
constexpr unsigned commit_waiter_threads = 4;
// Inline writes of one principal at once, running on an I/O thread or waiting for their
// sync (write_slots); past it, its mutations go to the worker pool, fair between principals.
// Workload m (16 connections, 1
// insert per 10 requests) has about 2 in flight; a flood of one-row inserts from 4 principals
// x 4 connections slowed another principal's reads 2.5x and its writes 3x at the median when
// every write could run inline.
constexpr unsigned inline_writes_per_principal = 4;

struct http_server::impl {
    impl(router& r, server_options o)
        : routes(r),
          opts(std::move(o)),
          connections(opts.max_connections ? opts.max_connections : default_max_connections(),
                      opts.max_connections_per_address),
          requests(opts.max_requests_per_address),
          contexts(make_contexts(io_thread_count())),
          io(*contexts.front()),
          inline_policies(contexts.size(), inline_reads_policy(opts.inline_budget)),
          accept_strand(asio::make_strand(io)),
          acceptor(accept_strand),
          room_timer(accept_strand),
          signals(io, SIGTERM, SIGINT),
          workers(scheduler_options(opts)),
          committer(commit_waiter_threads),
          env{r.engine_ref(),
              [this](std::string key, std::function<void()> job) {
                  workers.submit(std::move(key), std::move(job), [](bool) {});
              },
              opts.streams, streams, requests} {}

    static std::vector<std::unique_ptr<asio::io_context>> make_contexts(unsigned n) {
        std::vector<std::unique_ptr<asio::io_context>> out;
        for (unsigned i = 0; i < n; ++i) out.push_back(std::make_unique<asio::io_context>(1));
        return out;
    }

    /// The index of the context of the next connection, in turn.
    std::size_t next_context_index() { return next_context++ % contexts.size(); }

    unsigned io_thread_count() const {
        return opts.io_threads ? opts.io_threads
                               : 2 * std::max(1u, std::thread::hardware_concurrency());
    }

    router& routes;
    server_options opts;
    connection_registry connections;
    request_limiter requests;
    /// One io_context per I/O thread, each run by its thread alone: a connection lives on one
    /// of them, so its handlers never hop threads and the contexts share no scheduler lock.
    std::vector<std::unique_ptr<asio::io_context>> contexts;
    asio::io_context& io;  ///< the first: the acceptor, the signals and the drain run here
    std::atomic<std::size_t> next_context{0};
    /// Per io_context, touched only by its thread.
    std::vector<inline_reads_policy> inline_policies;
    request_limiter write_slots{inline_writes_per_principal};
    asio::strand<asio::io_context::executor_type> accept_strand;
    tcp::acceptor acceptor;
    asio::steady_timer room_timer;  ///< the accept loop's wait for room below the cap
    asio::signal_set signals;
    fair_scheduler workers;   ///< destroyed (stopped) before the io_context its jobs post to
    commit_waiter committer;  ///< inline writes wait here for the disk; posts to the contexts
    open_streams streams;     ///< GraphQL WebSockets and event streams, closed on stop
    stream_env env;
    std::atomic<bool> stopping{false};
    std::atomic<int> in_flight{0};
    std::chrono::steady_clock::time_point accept_error_logged{};  ///< accept_strand only
    std::size_t accept_errors_unlogged = 0;                       ///< accept_strand only

    asio::awaitable<void> accept_loop();
    asio::awaitable<bool> backoff_after(const beast::error_code& ec);
    void start_session(tcp::socket socket, std::size_t context);
    asio::awaitable<void> session(std::shared_ptr<connection> conn);
    asio::awaitable<bool> wait_for_request(const std::shared_ptr<connection>& conn,
                                           beast::flat_buffer& buffer,
                                           std::chrono::seconds timeout);
    template <class Result, class Work>
    asio::awaitable<Result> on_workers(std::string key, bool cheap, Work work);
    asio::awaitable<http_response> run_on_workers(std::string key, const http_request& request,
                                                  std::chrono::steady_clock::duration& took);
    asio::awaitable<bool> until_durable(pending_commits commits);
    asio::awaitable<std::optional<http_response>> refuse_upload_early(std::string key,
                                                                      const http_request& head);
    asio::awaitable<void> drain();
    void begin_stop();
};

namespace {

template <class Body>
void set_header(http::response<Body>& out, const http_response& res, bool keep_alive);

http::response<http::string_body> to_beast(http_response&& res, unsigned version, bool keep_alive) {
    http::response<http::string_body> out{static_cast<http::status>(res.status), version};
    set_header(out, res, keep_alive);
    out.body() = std::move(res.body);
    out.prepare_payload();
    // Beast writes "Content-Length: 0" here too, but RFC 9110 (8.6) forbids the field in 1xx
    // and 204 responses.
    if (res.status == 204 || (res.status >= 100 && res.status < 200)) {
        out.erase(http::field::content_length);
    }
    return out;
}

// The status line and header fields of `res` as they go on the wire (RFC 9112: start line,
// "name: value" lines, an empty line), for write_in_memory.
std::string wire_header(const http::response<http::string_body>& res) {
    std::string out = fmt::format("HTTP/{}.{} {} ", res.version() / 10, res.version() % 10,
                                  res.result_int());
    out += res.reason();
    out += "\r\n";
    for (const auto& field : res.base()) {
        out += field.name_string();
        out += ": ";
        out += field.value();
        out += "\r\n";
    }
    out += "\r\n";
    return out;
}

// Writes a response whose body is in memory as two buffers, its header and its body, in one
// gathered write, within `timeout`. Beast's serializer writes the same bytes but walks its
// nested buffer sequences for every response: about a fifth of the server's CPU for a cached
// GraphQL answer (docs/decisions.md). Beast still builds the message and its fields.
asio::awaitable<beast::error_code> write_in_memory(connection& conn,
                                                   const http::response<http::string_body>& res,
                                                   std::chrono::seconds timeout) {
    auto header = wire_header(res);
    std::array<asio::const_buffer, 2> pieces{asio::buffer(header), asio::buffer(res.body())};
    expire_after(conn, timeout);
    auto [ec, n] =
        co_await asio::async_write(conn.stream, pieces, asio::as_tuple(asio::use_awaitable));
    co_return ec;
}

// Whether every header field of `res` may go on the wire as it is (airsql/http_fields.hpp).
// Beast writes names and values as given, CR and LF included.
bool fields_allowed(const http_response& res) {
    return is_http_field_value(res.content_type) &&
           std::all_of(res.headers.begin(), res.headers.end(), [](const auto& field) {
               return is_http_field_name(field.first) && is_http_field_value(field.second);
           });
}

// The header fields of a response, without its body.
template <class Body>
void set_header(http::response<Body>& out, const http_response& res, bool keep_alive) {
    out.set(http::field::server, "airsql");
    if (!res.content_type.empty()) out.set(http::field::content_type, res.content_type);
    for (const auto& [name, value] : res.headers) out.insert(name, value);
    out.keep_alive(keep_alive);
}

// Writes a message piece by piece, each piece within `timeout`: a large download may take
// long in total, but a client that stops reading is dropped.
template <class Message>
asio::awaitable<beast::error_code> write_in_pieces(connection& conn, Message& message,
                                                   std::chrono::seconds timeout) {
    http::serializer<false, typename Message::body_type, typename Message::fields_type> sr{message};
    while (!sr.is_done()) {
        expire_after(conn, timeout);
        auto [ec, n] =
            co_await http::async_write_some(conn.stream, sr, asio::as_tuple(asio::use_awaitable));
        if (ec) co_return ec;
    }
    co_return beast::error_code{};
}

// Writes a JSON error for a request that could not even be read, then the caller closes.
asio::awaitable<void> write_error(beast::tcp_stream& stream, int status, std::string_view code,
                                  std::string_view message) {
    auto res = to_beast(error_response(status, code, message), 11, false);
    co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
}

std::string path_of(std::string_view target) {
    auto q = target.find('?');
    return std::string(target.substr(0, q));
}

// Whose turn a request waits for on the worker pool, computed without blocking (nothing is
// verified here): the bearer token, else the session cookie, else the client address.
std::string principal_key(const http_request& request, const std::string& address) {
    // The credential itself, as authentication reads it: spacing, the scheme's case or other
    // cookies beside the session's must not give one principal more queues (and so more than
    // its share of the workers).
    try {
        auto creds = credentials_of(request);
        if (!creds.bearer.empty()) return "bearer " + creds.bearer;
        if (!creds.session_cookie.empty()) return "cookie " + creds.session_cookie;
    } catch (const error&) {
        // A malformed Authorization header: refused when handled; queued by address.
    }
    return fmt::format("address {}", address);
}

// Requests whose cost does not depend on anyone's data (password hashing has a fixed cost):
// they may also run on the scheduler's cheap threads, so signing in never waits behind slow
// queries.
bool is_cheap(const http_request& request) {
    auto path = path_of(request.target);
    if (request.method == "POST") {
        return path == "/api/login" || path == "/api/logout" || path == "/api/users";
    }
    return request.method == "GET" && path == "/api/status";
}

// A fresh name for an upload's body file in `dir`.
std::filesystem::path upload_path(const std::string& dir) {
    static std::atomic<std::uint64_t> counter{0};
    return std::filesystem::path(dir) /
           fmt::format("upload-{}-{}.body", ::getpid(), counter.fetch_add(1) + 1);
}

// The answer to a request whose write was committed but whose disk sync failed
// (take_durability_failure): never success, since a crash of the machine may lose the write.
http_response not_durable_response() {
    return error_response(500, "internal",
                          "the change was written but the disk did not confirm it (the sync "
                          "failed): it may be lost if the machine stops; check the server's "
                          "disk");
}

http_response too_many_requests(std::size_t limit) {
    auto res = error_response(
        http_status(errc::rate_limited), to_string(errc::rate_limited),
        fmt::format("too many concurrent requests from this address (at most {})", limit));
    res.headers.emplace_back("Retry-After", "1");
    return res;
}

}  // namespace

// Waits for the first bytes of a request and reads what has arrived into `buffer`. Meanwhile
// the connection is idle: at the connection cap it may be shed. False when the connection
// should close (timeout, shed, closed by the client).
//
// A read rather than a readiness wait: asio reads at once when bytes are there and otherwise
// waits on the registration the socket already has, where a readiness wait re-arms the
// registration (epoll_ctl) and the check before it asks the kernel (ioctl) on every request.
asio::awaitable<bool> http_server::impl::wait_for_request(const std::shared_ptr<connection>& c,
                                                          beast::flat_buffer& buffer,
                                                          std::chrono::seconds timeout) {
    auto& conn = *c;
    conn.idle = true;
    connections.set_idle(conn.id, true);
    bool ready = false;
    if (!conn.shed) {
        // The watchdog ends the wait by closing the socket, a shed by cancelling the read.
        expire_after(conn, timeout);
        auto [ec, n] = co_await conn.stream.socket().async_read_some(
            buffer.prepare(beast::read_size(buffer, 65536)), asio::as_tuple(asio::use_awaitable));
        buffer.commit(n);
        ready = !ec && n > 0 && !conn.shed && !conn.timed_out;
    }
    conn.idle = false;
    connections.set_idle(conn.id, false);
    co_return ready;
}

// Runs `work` on the fair worker pool, in the queue of `key`, and resumes with its result; a
// job the pool drops because it is stopping answers 503.
template <class Result, class Work>
asio::awaitable<Result> http_server::impl::on_workers(std::string key, bool cheap, Work work) {
    Result result;
    co_await asio::async_initiate<const asio::use_awaitable_t<>, void()>(
        [&](auto handler) {
            auto resume = std::make_shared<decltype(handler)>(std::move(handler));
            workers.submit(
                std::move(key), [&result, &work] { result = work(); },
                [this, resume, &result](bool ran) {
                    if (!ran) {
                        result = error_response(503, to_string(errc::unavailable),
                                                "the server is shutting down");
                    }
                    auto ex = asio::get_associated_executor(*resume, io.get_executor());
                    asio::post(ex, [resume] { std::move (*resume)(); });
                },
                cheap);
        },
        asio::use_awaitable);
    co_return result;
}

// Runs the router on the workers, in the queue of the request's principal; `took` is how long
// the router took there.
asio::awaitable<http_response> http_server::impl::run_on_workers(
    std::string key, const http_request& request, std::chrono::steady_clock::duration& took) {
    return on_workers<http_response>(std::move(key), is_cheap(request), [this, &request, &took] {
        auto started = std::chrono::steady_clock::now();
        take_durability_failure();  // nothing of an earlier request's
        auto response = routes.handle(request);
        if (take_durability_failure()) response = not_durable_response();
        took = std::chrono::steady_clock::now() - started;
        return response;
    });
}

// Resumes once an inline write's commits are on disk (waiting on the commit waiter's thread
// unless they are already) and live queries heard of them.
asio::awaitable<bool> http_server::impl::until_durable(pending_commits commits) {
    if (commits.durable()) co_return commits.wait();  // tells live queries; no sync left
    co_return co_await asio::async_initiate<const asio::use_awaitable_t<>, void(bool)>(
        [&](auto handler) {
            auto resume = std::make_shared<decltype(handler)>(std::move(handler));
            committer.submit(std::move(commits), [this, resume](bool durable) {
                auto ex = asio::get_associated_executor(*resume, io.get_executor());
                asio::post(ex, [resume, durable] { std::move (*resume)(durable); });
            });
        },
        asio::use_awaitable);
}

// Authenticates the sender of an upload from its header alone, on the workers (it reads the
// catalog): the answer when the body must not be stored, nullopt when it may be.
asio::awaitable<std::optional<http_response>> http_server::impl::refuse_upload_early(
    std::string key, const http_request& head) {
    return on_workers<std::optional<http_response>>(
        std::move(key), true, [this, &head] { return routes.refuse_upload(head); });
}

asio::awaitable<void> http_server::impl::session(std::shared_ptr<connection> conn) {
    auto& stream = conn->stream;
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
        // The header's Content-Length is checked against this; which limit applies is known
        // only once the route is (uploads take files, everything else a JSON-sized body).
        parser.body_limit(std::max<std::uint64_t>(opts.json_body_limit, opts.upload_body_limit));

        // Wait for the next request (unless pipelined bytes are here already), then read its
        // header.
        if (buffer.size() == 0 &&
            !co_await wait_for_request(conn, buffer,
                                       first ? opts.first_byte_timeout : opts.idle_timeout)) {
            break;
        }
        first = false;
        expire_after(*conn, opts.read_timeout);
        auto [ec, n] = co_await http::async_read_header(stream, buffer, parser,
                                                        asio::as_tuple(asio::use_awaitable));
        if (ec == http::error::body_limit) {
            co_await write_error(
                stream, 413, "payload_too_large",
                fmt::format("request body is larger than {} bytes", opts.json_body_limit));
            break;
        }
        if (ec == http::error::header_limit) {
            co_await write_error(stream, 431, "header_too_large", "request headers are too large");
            break;
        }
        if (ec == http::error::end_of_stream || conn->timed_out ||
            ec == asio::error::operation_aborted) {
            break;
        }
        if (ec) {
            if (n > 0 || buffer.size() > 0) {
                co_await write_error(stream, 400, "bad_request",
                                     fmt::format("malformed HTTP request: {}", ec.message()));
            }
            break;
        }
        auto started = std::chrono::steady_clock::now();

        // Read the body: into memory, or for upload routes into a file, piece by piece so a
        // long upload may take its time while a stalled one is dropped.
        auto file_limit =
            routes.body_file_limit(parser.get().method_string(), parser.get().target());
        bool to_file = file_limit.has_value();
        std::uint64_t body_limit =
            !to_file           ? opts.json_body_limit
            : *file_limit != 0 ? std::min<std::uint64_t>(*file_limit, opts.upload_body_limit)
                               : opts.upload_body_limit;
        if (auto length = parser.content_length(); length && *length > body_limit) {
            co_await write_error(stream, 413, "payload_too_large",
                                 fmt::format("request body is larger than {} bytes", body_limit));
            break;
        }
        if (to_file) {
            // Who sends it is known before a byte of the body is stored: an anonymous caller
            // or bad credentials would otherwise write a whole upload to disk before the
            // handler refused it (with many connections, until the disk is full).
            http_request head;
            head.method = std::string(parser.get().method_string());
            head.target = std::string(parser.get().target());
            for (const auto& field : parser.get()) {
                head.headers.emplace_back(std::string(field.name_string()),
                                          std::string(field.value()));
            }
            expire_never(*conn);  // the check runs on the workers
            if (auto refusal =
                    co_await refuse_upload_early(principal_key(head, conn->address), head)) {
                auto res = to_beast(std::move(*refusal), parser.get().version(), false);
                expire_after(*conn, opts.write_timeout);
                co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
                break;
            }
        }
        // Honour "Expect: 100-continue" before reading a body.
        if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
            http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
            expire_after(*conn, opts.write_timeout);
            auto [wec, wn] =
                co_await http::async_write(stream, cont, asio::as_tuple(asio::use_awaitable));
            if (wec) break;
        }

        parser.body_limit(body_limit);
        http_request request;
        unsigned version = 11;
        bool keep_alive = false;
        if (to_file && opts.min_free_disk_bytes > 0) {
            struct statvfs fs {};
            auto needed = parser.content_length().value_or(0) + opts.min_free_disk_bytes;
            if (::statvfs(opts.upload_dir.c_str(), &fs) == 0 &&
                static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize < needed) {
                co_await write_error(stream, 507, "resource_exhausted",
                                     "not enough disk space on the server for this upload");
                break;
            }
        }
        if (to_file) {
            auto path = upload_path(opts.upload_dir);
            http::request_parser<http::file_body> file_parser{std::move(parser)};
            file_parser.body_limit(body_limit);
            file_parser.get().body().open(path.c_str(), beast::file_mode::write, ec);
            if (ec) {
                std::cerr << fmt::format("cannot create {}: {}\n", path.string(), ec.message());
                co_await write_error(stream, 503, "unavailable",
                                     "the server cannot store uploads right now");
                break;
            }
            while (!ec && !file_parser.is_done()) {
                expire_after(*conn, opts.read_timeout);
                std::tie(ec, n) = co_await http::async_read_some(
                    stream, buffer, file_parser, asio::as_tuple(asio::use_awaitable));
            }
            file_parser.get().body().file().close(ec);
            if (!file_parser.is_done()) {
                std::error_code ignored;
                std::filesystem::remove(path, ignored);
                if (ec == http::error::body_limit) {
                    co_await write_error(
                        stream, 413, "payload_too_large",
                        fmt::format("request body is larger than {} bytes", body_limit));
                } else if (!conn->timed_out && ec != http::error::end_of_stream) {
                    co_await write_error(stream, 400, "bad_request",
                                         fmt::format("malformed HTTP request: {}", ec.message()));
                }
                break;
            }
            auto req = file_parser.release();
            version = req.version();
            keep_alive = req.keep_alive();
            request.method = std::string(req.method_string());
            request.target = std::string(req.target());
            for (const auto& field : req) {
                request.headers.emplace_back(std::string(field.name_string()),
                                             std::string(field.value()));
            }
            request.body_file = path;
        } else {
            expire_after(*conn, opts.read_timeout);
            std::tie(ec, n) = co_await http::async_read(stream, buffer, parser,
                                                        asio::as_tuple(asio::use_awaitable));
            if (ec == http::error::body_limit) {
                co_await write_error(
                    stream, 413, "payload_too_large",
                    fmt::format("request body is larger than {} bytes", opts.json_body_limit));
                break;
            }
            if (ec) {
                if (!conn->timed_out && ec != http::error::end_of_stream) {
                    co_await write_error(stream, 400, "bad_request",
                                         fmt::format("malformed HTTP request: {}", ec.message()));
                }
                break;
            }
            auto req = parser.release();
            version = req.version();
            keep_alive = req.keep_alive();
            if (beast::websocket::is_upgrade(req)) {
                // GraphQL over WebSocket (graphql-ws) on the GraphQL URLs; nothing else upgrades.
                auto target = graphql_target_of(req.target());
                if (!target || stopping) {
                    co_await write_error(
                        stream, target ? 503 : 404, target ? "unavailable" : "not_found",
                        target ? "the server is stopping" : "no WebSocket endpoint here");
                    break;
                }
                auto key =
                    principal_key(to_request(http::request<http::string_body>(req)), conn->address);
                if (opts.access_log)
                    std::cerr << fmt::format("GET {} websocket\n", path_of(req.target()));
                expire_never(*conn);  // the WebSocket keeps its own time
                co_await serve_graphql_ws(stream, std::move(req), std::move(*target), env,
                                          std::move(key), conn->address);
                break;
            }
            request = to_request(std::move(req));
            if (wants_event_stream(request, env.eng.config().graphql_max_document_bytes)) {
                if (auto target = graphql_target_of(request.target); target && !stopping) {
                    // GraphQL over Server-Sent Events: the stream owns the connection.
                    if (opts.access_log)
                        std::cerr << fmt::format("{} {} event-stream\n", request.method,
                                                 path_of(request.target));
                    auto key = principal_key(request, conn->address);
                    expire_never(*conn);  // the event stream keeps its own time
                    co_await serve_graphql_sse(stream, std::move(request), std::move(*target), env,
                                               std::move(key));
                    break;
                }
            }
        }
        request.client_address = conn->address;
        expire_never(*conn);  // read; answering it takes the handler's own time limits

        // Refuse beyond the address's concurrent requests. Else answer right here if the
        // library can (cached GraphQL responses; queries within the inline read budget; not
        // for large bodies, which are work to parse), else on the worker pool, in the
        // principal's turn: handlers block on SQLite and password hashing.
        ++in_flight;
        http_response response;
        bool answered_inline = false;
        if (!requests.try_begin(conn->address)) {
            response = too_many_requests(opts.max_requests_per_address);
        } else {
            auto& policy = inline_policies[conn->context];
            std::optional<router::inline_answer> inline_answer;
            auto tried = std::chrono::steady_clock::now();
            std::uint64_t key = 0;
            std::string writer;  // the principal holding an inline write slot, if any
            if (request.body.size() <= router::inline_body_limit &&
                policy.should_try(key = inline_reads_policy::key_of(request.target, request.body),
                                  tried)) {
                // Only a document naming `mutation` can write.
                if (opts.inline_writes && request.body.find("mutation") != std::string::npos &&
                    !write_slots.try_begin(writer = principal_key(request, conn->address))) {
                    writer.clear();
                }
                inline_answer = routes.handle_inline(request, policy.budget(), !writer.empty());
                if (!inline_answer) {
                    auto now = std::chrono::steady_clock::now();
                    policy.refused(key, inline_scope::last_overran(), now - tried, now);
                }
            }
            if (inline_answer) {
                // A write is answered once on disk (group commit's shared sync).
                bool durable = true;
                if (!inline_answer->commits.empty()) {
                    durable = co_await until_durable(std::move(inline_answer->commits));
                }
                response = durable ? std::move(inline_answer->response) : not_durable_response();
                answered_inline = true;
            } else {
                std::chrono::steady_clock::duration took{};
                response = co_await run_on_workers(principal_key(request, conn->address), request,
                                                   took);
                if (key != 0) policy.answered_by_workers(key, took);
            }
            if (!writer.empty()) write_slots.end(writer);
            requests.end(conn->address);
        }

        if (!request.body_file.empty()) {
            std::error_code ignored;  // gone already when the handler kept the file
            std::filesystem::remove(request.body_file, ignored);
        }
        if (!fields_allowed(response)) {
            // A handler let through bytes that would end a header field early or be no field
            // at all (the library checks what users hand back): none of that answer goes out.
            std::cerr << fmt::format("airsql: {} {}: the answer had a header field HTTP does not "
                                     "allow; answered 500 instead\n",
                                     request.method, path_of(request.target));
            if (response.delete_body_file) {
                std::error_code ignored;
                std::filesystem::remove(response.body_file, ignored);
            }
            response = error_response(500, "internal", "internal error");
        }

        int status = response.status;
        bool keep = keep_alive && !stopping;
        beast::error_code wec;
        if (!response.body_file.empty()) {
            // Sent from disk; a file the handler marked temporary is unlinked once open.
            http::response<http::file_body> res{static_cast<http::status>(response.status),
                                                version};
            set_header(res, response, keep);
            res.body().open(response.body_file.c_str(), beast::file_mode::scan, wec);
            if (response.delete_body_file) {
                std::error_code ignored;
                std::filesystem::remove(response.body_file, ignored);
            }
            if (wec) {
                std::cerr << fmt::format("cannot open {}: {}\n", response.body_file.string(),
                                         wec.message());
                co_await write_error(stream, 500, "internal", "internal error");
                --in_flight;
                break;
            }
            res.prepare_payload();
            if (request.method == "HEAD") {
                http::response<http::empty_body> head{res.base()};
                wec = co_await write_in_pieces(*conn, head, opts.write_timeout);
            } else {
                wec = co_await write_in_pieces(*conn, res, opts.write_timeout);
            }
            keep = keep && res.keep_alive();
        } else {
            auto res = to_beast(std::move(response), version, keep);
            wec = co_await write_in_memory(*conn, res, opts.write_timeout);
            keep = keep && res.keep_alive();
        }
        --in_flight;
        if (opts.access_log) {
            auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                started)
                          .count();
            // One write(2) per line: no iostream lock shared by the I/O threads, and lines of
            // concurrent requests do not interleave. "inline": answered on the I/O thread.
            auto line =
                fmt::format("{} {} {} {:.2f}ms{}\n", request.method, path_of(request.target),
                            status, ms, answered_inline ? " inline" : "");
            for (std::string_view rest = line; !rest.empty();) {
                auto written = ::write(STDERR_FILENO, rest.data(), rest.size());
                if (written < 0 && errno == EINTR) continue;
                if (written <= 0) break;
                rest.remove_prefix(static_cast<std::size_t>(written));
            }
        }
        if (wec || !keep) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
    connections.close(conn->id);
}

// Runs on accept_strand, like everything that touches the acceptor and room_timer.
asio::awaitable<void> http_server::impl::accept_loop() {
    for (;;) {
        // At the cap with nothing idle to shed: stop accepting until a connection closes or
        // becomes idle (on_room cancels the timer; the timeout is only a safety net).
        while (connections.full_and_busy() && acceptor.is_open()) {
            room_timer.expires_after(1s);
            co_await room_timer.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        auto context = next_context_index();
        auto [ec, socket] =
            co_await acceptor.async_accept(*contexts[context], asio::as_tuple(asio::use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
            if (!co_await backoff_after(ec)) co_return;
            continue;
        }
        start_session(std::move(socket), context);
        // Over the cap now: make room by shedding the connection idle the longest (the new one
        // itself when every other is busy).
        if (connections.over_cap()) connections.shed_oldest_idle();
    }
}

// After a failed accept. Out of descriptors or memory the error repeats until something
// closes: shed an idle connection (its descriptor is free a moment later) or, with none idle,
// pause longer, instead of spinning. Logs at most every 10 s. False when stopping.
asio::awaitable<bool> http_server::impl::backoff_after(const beast::error_code& ec) {
    if (ec == asio::error::connection_aborted) co_return true;  // the client gave up: next one
    auto now = std::chrono::steady_clock::now();
    ++accept_errors_unlogged;
    if (now - accept_error_logged >= 10s) {
        std::cerr << fmt::format("accept failed {} time(s): {} ({} connections open); pausing\n",
                                 accept_errors_unlogged, ec.message(), connections.size());
        accept_error_logged = now;
        accept_errors_unlogged = 0;
    }
    bool shed = connections.shed_oldest_idle();
    asio::steady_timer pause(accept_strand);
    pause.expires_after(shed ? 5ms : 75ms);
    co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return acceptor.is_open();
}

// Registers a new connection (or closes it at its address's cap) and starts its session.
void http_server::impl::start_session(tcp::socket socket, std::size_t context) {
    beast::error_code ec;
    auto remote = socket.remote_endpoint(ec);
    if (ec) return;  // already gone
    socket.set_option(tcp::no_delay(true), ec);
    auto conn = std::make_shared<connection>(std::move(socket), context);
    conn->address = remote.address().to_string();
    auto id = connections.open(conn->address, [weak = std::weak_ptr<connection>(conn)] {
        auto c = weak.lock();
        if (!c) return;
        asio::post(c->stream.get_executor(), [c] {
            if (!c->idle) return;  // a request started meanwhile: not idle any more
            c->shed = true;
            beast::error_code ignored;
            c->stream.socket().cancel(ignored);  // ends the wait for a request
        });
    });
    if (!id) {
        conn->stream.socket().close(ec);  // the address holds too many connections
        return;
    }
    conn->id = *id;
    auto ex = conn->stream.get_executor();
    asio::co_spawn(ex, session(std::move(conn)), asio::detached);
}

asio::awaitable<void> http_server::impl::drain() {
    asio::steady_timer timer(io);
    auto deadline = std::chrono::steady_clock::now() + opts.drain_timeout;
    while ((in_flight > 0 || streams.size() > 0) && std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(10ms);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    for (auto& context : contexts) context->stop();
}

void http_server::impl::begin_stop() {
    if (stopping.exchange(true)) return;
    streams.close_all();  // WebSockets close with 1001, event streams end
    asio::post(accept_strand, [this] {
        beast::error_code ignored;
        acceptor.close(ignored);
        room_timer.cancel();
        asio::post(io, [this] {
            beast::error_code ignored;
            signals.cancel(ignored);
            asio::co_spawn(io, drain(), asio::detached);
        });
    });
}

http_server::http_server(router& r, server_options opts)
    : impl_(std::make_unique<impl>(r, std::move(opts))) {
    // Live queries run again after writes on the worker pool, in a queue per database.
    set_subscription_dispatcher(r.engine_ref(), [this](std::string key, std::function<void()> job) {
        impl_->workers.submit(std::move(key), std::move(job), [](bool) {});
    });
}

http_server::~http_server() {
    set_subscription_dispatcher(impl_->routes.engine_ref(), nullptr);
    end_all_subscriptions(impl_->routes.engine_ref());
    impl_->workers.stop();
    impl_->committer.stop();
}

unsigned short http_server::listen() {
    auto& a = impl_->acceptor;
    tcp::endpoint ep(asio::ip::make_address(impl_->opts.host), impl_->opts.port);
    a.open(ep.protocol());
    a.set_option(asio::socket_base::reuse_address(true));
    a.bind(ep);
    a.listen(asio::socket_base::max_listen_connections);
    return a.local_endpoint().port();
}

void http_server::run() {
    impl_->signals.async_wait([this](const beast::error_code& ec, int) {
        if (!ec) impl_->begin_stop();
    });
    impl_->connections.on_room(
        [this] { asio::post(impl_->accept_strand, [this] { impl_->room_timer.cancel(); }); });
    asio::co_spawn(impl_->accept_strand, impl_->accept_loop(), asio::detached);
    // Each context runs until the drain stops it, with or without connections.
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
    for (auto& context : impl_->contexts) keep_running.push_back(asio::make_work_guard(*context));
    std::vector<std::thread> threads;
    for (std::size_t i = 1; i < impl_->contexts.size(); ++i) {
        threads.emplace_back([this, i] {
            name_this_thread(fmt::format("airsql-io-{}", i));
            impl_->contexts[i]->run();
        });
    }
    name_this_thread("airsql-io-0");
    impl_->io.run();
    for (auto& t : threads) t.join();
    impl_->connections.on_room(nullptr);  // the io_context runs no more
}

void http_server::stop() { impl_->begin_stop(); }

}  // namespace airsql::server
