// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace airsql::server {

class router;

/// GraphQL over WebSocket (graphql-ws) and Server-Sent Events (graphql-sse).
struct stream_options {
    /// How long a WebSocket may wait before `connection_init` (then close 4408).
    std::chrono::milliseconds init_timeout{3000};
    /// Operations one connection may run at once (more get an `error` message).
    std::size_t max_subscriptions_per_connection = 100;
    /// Bytes waiting to be sent to one client; past it the client is too slow and is dropped
    /// (WebSocket close 4413; the event stream ends).
    std::size_t max_queued_bytes = 16u * 1024 * 1024;
    /// How often a long-lived connection's credentials and access are checked again (expired,
    /// revoked, or changed: close 4403).
    std::chrono::milliseconds recheck_interval{5000};
    /// One message's write may take this long (else the client is dropped).
    std::chrono::seconds write_timeout{30};
    /// Largest message a client may send (larger: close 1009).
    std::size_t max_message_bytes = 1024 * 1024;
    /// A comment line on idle event streams, so dead clients are noticed.
    std::chrono::seconds sse_keepalive{15};
};

struct server_options {
    std::string host = "127.0.0.1";
    unsigned short port = 4189;   ///< 0 picks a free port
    /// 0: two per core. Cheap reads run on them (inline_budget): with more threads than
    /// cores, a preempted thread's connections are the only ones that wait (measured on 2
    /// cores: 4 threads served a and c 15-24% faster than 2; 6 and 8 no better than 4).
    unsigned io_threads = 0;
    unsigned worker_threads = 0;  ///< threads for blocking work; 0: twice the cores, at least 4
    /// Further worker threads that only run the request of a light principal (one request at a
    /// time, none long lately: see fair_scheduler.hpp), so such a client finds a thread while
    /// heavy principals keep every worker busy; 0: half the workers, at least 2.
    unsigned spare_worker_threads = 0;
    /// Added to the nice value of the worker threads (not the spare ones): under CPU
    /// contention a light principal's request (e.g. a login) on a spare thread goes before
    /// heavy principals' work; without contention it changes nothing. 0: off.
    int worker_nice = 10;
    /// Requests of one principal (bearer token, else session cookie, else client address) that
    /// run on workers at once; more wait in that principal's queue. 0: all workers but one, at
    /// least 2 (one busy principal keeps nearly the whole pool when alone; measured: a quarter
    /// of the workers cost 15-20% of one client's uncached GraphQL throughput).
    unsigned max_requests_per_principal = 0;
    /// GraphQL queries (and with inline_writes, mutations) are first tried on the I/O thread
    /// that read them, for at most this much CPU time (router::handle_inline); one that needs
    /// more, or must wait, goes to the worker pool. It saves the thread switches of the hop
    /// for cheap requests; the I/O threads stop trying a request that overran lately, and for
    /// the rest of a second once overruns cost them a tenth of it (inline_reads.hpp). 0: only
    /// cached answers inline.
    std::chrono::microseconds inline_budget{1000};
    /// Whether mutations are tried inline too: the transaction runs on the I/O thread when the
    /// database's writer is free, and the answer waits for group commit's sync on the commit
    /// waiter's thread (commit_waiter.hpp), never on the I/O thread.
    bool inline_writes = true;
    /// Open connections; at the cap the server sheds idle connections (oldest first) or stops
    /// accepting until one closes. 0: RLIMIT_NOFILE minus a reserve for database files (a
    /// quarter of it, or half of it up to 256 when that is more), between 8 and 10000.
    std::size_t max_connections = 0;
    std::size_t max_connections_per_address = 256;  ///< more are closed at once (loopback too)
    std::size_t max_requests_per_address = 64;      ///< concurrent requests; more get 429
    std::chrono::seconds first_byte_timeout{10};    ///< a new connection's wait for its request
    std::size_t header_limit = 16 * 1024;           ///< larger headers get 431
    std::size_t json_body_limit = 4 * 1024 * 1024;  ///< larger bodies get 413
    /// Bodies of upload routes (`route_body::to_file`) are streamed to files in `upload_dir`,
    /// up to this size (larger: 413). Memory stays bounded whatever the size.
    std::uint64_t upload_body_limit = 1100ull * 1024 * 1024;
    std::string upload_dir = "data/tmp";  ///< must exist; on the data folder's file system
    /// An upload must leave this much free on the upload folder's file system (507 before a
    /// byte is stored); 0: no check. main() sets it from the engine's option.
    std::uint64_t min_free_disk_bytes = 0;
    std::chrono::seconds idle_timeout{60};   ///< waiting for a kept-alive connection's next request
    std::chrono::seconds read_timeout{30};   ///< reading one request
    std::chrono::seconds write_timeout{30};  ///< writing one response
    std::chrono::seconds drain_timeout{30};  ///< how long SIGTERM waits for in-flight requests
    bool access_log = true;                  ///< one line per request on stderr
    stream_options streams;
};

/// The Boost.Beast front end: accepts connections and feeds requests to the router. I/O runs
/// on `io_threads`; handlers (SQLite, hashing) run on a separate worker pool, fair between
/// principals (fair_scheduler.hpp).
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
