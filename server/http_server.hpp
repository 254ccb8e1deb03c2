// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

namespace airsql::server {

class router;

struct server_options {
    std::string host = "127.0.0.1";
    unsigned short port = 4189;  ///< 0 picks a free port
    unsigned io_threads = 0;     ///< 0: one per core
    unsigned worker_threads = 0; ///< threads for blocking work; 0: twice the cores, at least 4
    std::size_t header_limit = 16 * 1024;       ///< larger headers get 431
    std::size_t json_body_limit = 4 * 1024 * 1024;  ///< larger bodies get 413
    std::chrono::seconds idle_timeout{60};      ///< waiting for the next request on a connection
    std::chrono::seconds read_timeout{30};      ///< reading one request
    std::chrono::seconds write_timeout{30};     ///< writing one response
    std::chrono::seconds drain_timeout{30};     ///< how long SIGTERM waits for in-flight requests
    bool access_log = true;                     ///< one line per request on stderr
};

/// The Boost.Beast front end: accepts connections and feeds requests to the router. I/O runs
/// on `io_threads`; handlers (SQLite, hashing) run on a separate worker pool.
class http_server {
public:
    http_server(router& r, server_options opts);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    /// Binds and listens; returns the port (useful with port 0).
    unsigned short listen();

    /// Serves until SIGTERM/SIGINT or `stop()`, then drains in-flight requests and returns.
    void run();

    /// Starts a graceful stop (thread-safe).
    void stop();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

}  // namespace airsql::server
