// SPDX-License-Identifier: Apache-2.0
// The only translation unit with Beast sessions: keep it rarely edited (it is the slowest to
// compile). Request handling itself is the router's, a plain function request → response.
#include "http_server.hpp"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fmt/format.h>

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

#include "beast_request.hpp"
#include "http_error.hpp"
#include "router.hpp"

namespace airsql::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct http_server::impl {
    impl(router& r, server_options o)
        : routes(r),
          opts(std::move(o)),
          io(static_cast<int>(io_thread_count())),
          workers(worker_thread_count()),
          acceptor(io),
          signals(io, SIGTERM, SIGINT) {}

    unsigned io_thread_count() const {
        return opts.io_threads ? opts.io_threads : std::max(1u, std::thread::hardware_concurrency());
    }
    std::size_t worker_thread_count() const {
        if (opts.worker_threads) return opts.worker_threads;
        return std::max(4u, 2 * std::max(1u, std::thread::hardware_concurrency()));
    }

    router& routes;
    server_options opts;
    asio::io_context io;
    asio::thread_pool workers;
    tcp::acceptor acceptor;
    asio::signal_set signals;
    std::atomic<bool> stopping{false};
    std::atomic<int> in_flight{0};

    asio::awaitable<void> accept_loop();
    asio::awaitable<void> session(beast::tcp_stream stream);
    asio::awaitable<void> drain();
    void begin_stop();
};

namespace {

http::response<http::string_body> to_beast(http_response&& res, unsigned version,
                                           bool keep_alive) {
    http::response<http::string_body> out{static_cast<http::status>(res.status), version};
    out.set(http::field::server, "airsql");
    if (!res.content_type.empty()) out.set(http::field::content_type, res.content_type);
    for (auto& [name, value] : res.headers) out.insert(name, value);
    out.keep_alive(keep_alive);
    out.body() = std::move(res.body);
    out.prepare_payload();
    return out;
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

}  // namespace

asio::awaitable<void> http_server::impl::session(beast::tcp_stream stream) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(opts.header_limit));
        parser.body_limit(opts.json_body_limit);

        // Wait for (and read) the next request's header.
        stream.expires_after(opts.idle_timeout);
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
        if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
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

        // Honour "Expect: 100-continue" before reading a body.
        if (beast::iequals(parser.get()[http::field::expect], "100-continue")) {
            http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
            stream.expires_after(opts.write_timeout);
            auto [wec, wn] = co_await http::async_write(stream, cont,
                                                        asio::as_tuple(asio::use_awaitable));
            if (wec) break;
        }

        // Read the body.
        stream.expires_after(opts.read_timeout);
        std::tie(ec, n) =
            co_await http::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
        if (ec == http::error::body_limit) {
            co_await write_error(
                stream, 413, "payload_too_large",
                fmt::format("request body is larger than {} bytes", opts.json_body_limit));
            break;
        }
        if (ec) {
            if (ec != beast::error::timeout && ec != http::error::end_of_stream) {
                co_await write_error(stream, 400, "bad_request",
                                     fmt::format("malformed HTTP request: {}", ec.message()));
            }
            break;
        }

        auto req = parser.release();
        unsigned version = req.version();
        bool keep_alive = req.keep_alive();
        auto request = to_request(std::move(req));

        // Answer from memory right here if the library can (cached GraphQL responses), else
        // on the worker pool: handlers block on SQLite and password hashing.
        ++in_flight;
        auto from_memory = routes.handle_from_memory(request);
        http_response response;
        if (from_memory) {
            response = std::move(*from_memory);
        } else {
            response = co_await asio::co_spawn(
                workers,
                [this, &request]() -> asio::awaitable<http_response> {
                    co_return routes.handle(request);
                },
                asio::use_awaitable);
        }

        int status = response.status;
        auto res = to_beast(std::move(response), version, keep_alive && !stopping);
        stream.expires_after(opts.write_timeout);
        auto [wec, wn] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        --in_flight;
        if (opts.access_log) {
            auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                                started)
                          .count();
            std::cerr << fmt::format("{} {} {} {:.2f}ms\n", request.method,
                                     path_of(request.target), status, ms);
        }
        if (wec || !res.keep_alive()) break;
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> http_server::impl::accept_loop() {
    for (;;) {
        auto [ec, socket] =
            co_await acceptor.async_accept(asio::make_strand(io), asio::as_tuple(asio::use_awaitable));
        if (ec) {
            if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
            continue;  // e.g. too many open files: keep serving the others
        }
        socket.set_option(tcp::no_delay(true), ec);
        auto ex = socket.get_executor();
        asio::co_spawn(ex, session(beast::tcp_stream(std::move(socket))), asio::detached);
    }
}

asio::awaitable<void> http_server::impl::drain() {
    asio::steady_timer timer(io);
    auto deadline = std::chrono::steady_clock::now() + opts.drain_timeout;
    while (in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
        timer.expires_after(10ms);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    io.stop();
}

void http_server::impl::begin_stop() {
    if (stopping.exchange(true)) return;
    asio::post(io, [this] {
        beast::error_code ignored;
        acceptor.close(ignored);
        signals.cancel(ignored);
        asio::co_spawn(io, drain(), asio::detached);
    });
}

http_server::http_server(router& r, server_options opts)
    : impl_(std::make_unique<impl>(r, std::move(opts))) {}

http_server::~http_server() {
    impl_->workers.join();
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
    asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
    std::vector<std::thread> threads;
    auto n = impl_->io_thread_count();
    for (unsigned i = 1; i < n; ++i) threads.emplace_back([this] { impl_->io.run(); });
    impl_->io.run();
    for (auto& t : threads) t.join();
}

void http_server::stop() { impl_->begin_stop(); }

}  // namespace airsql::server
