// SPDX-License-Identifier: Apache-2.0
// airsql-server: serves the databases of one data directory over HTTP.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "airsql/engine.hpp"
#include "airsql/error.hpp"
#include "airsql/version.hpp"
#include "http_server.hpp"
#include "router.hpp"

namespace {

// The playground files next to the binary (build tree) or in the installed share folder.
std::filesystem::path default_assets_dir(const char* argv0) {
    std::error_code ec;
    auto exe = std::filesystem::canonical("/proc/self/exe", ec);
    if (ec) exe = std::filesystem::absolute(argv0);
    auto dir = exe.parent_path();
    for (auto candidate : {dir / "assets", dir.parent_path() / "share" / "airsql" / "assets"}) {
        if (std::filesystem::exists(candidate / "graphiql.min.js")) return candidate;
    }
    return {};
}

// The functions' runner files next to the binary (build tree) or in the installed share folder.
std::filesystem::path default_runner_dir() {
    std::error_code ec;
    auto exe = std::filesystem::canonical("/proc/self/exe", ec);
    auto dir = exe.parent_path();
    for (auto candidate :
         {dir / "functions", dir.parent_path() / "share" / "airsql" / "functions"}) {
        if (std::filesystem::exists(candidate / "runner.js")) return candidate;
    }
    return {};
}

// Deno: the flag, else the one scripts/install-deps installed, else `deno` next to the binary.
std::filesystem::path default_deno() {
#ifdef AIRSQL_DEFAULT_DENO
    if (std::filesystem::exists(AIRSQL_DEFAULT_DENO)) return AIRSQL_DEFAULT_DENO;
#endif
    std::error_code ec;
    auto next = std::filesystem::canonical("/proc/self/exe", ec).parent_path() / "deno";
    if (!ec && std::filesystem::exists(next)) return next;
    return {};
}

}  // namespace

int main(int argc, char** argv) {
    airsql::options engine_opts;
    airsql::server::server_options server_opts;
    std::string data_dir = "data";
    std::int64_t sql_timeout_ms = engine_opts.sql_timeout.count();
    std::string assets_dir;
    std::string deno_path;
    std::string runner_dir;
    std::string python_path = "/usr/bin/python3";
    std::string bwrap_path = "/usr/bin/bwrap";
    std::uint64_t python_address_mib = engine_opts.function_python_address_bytes >> 20;
    std::int64_t function_timeout_ms = engine_opts.function_timeout.count();
    std::vector<std::string> function_env;
    std::int64_t graphql_timeout_ms = engine_opts.graphql_timeout.count();
    std::int64_t export_timeout_ms = engine_opts.export_timeout.count();
    std::int64_t search_timeout_ms = engine_opts.search_timeout.count();
    std::int64_t llm_timeout_ms = engine_opts.llm_timeout.count();

    CLI::App app{"airsql-server: SQLite databases with an instant GraphQL API and an SQL endpoint"};
    app.set_version_flag("--version", std::string(airsql::version()));
    app.add_option("--host", server_opts.host, "address to listen on")
        ->envname("AIRSQL_HOST")
        ->capture_default_str();
    app.add_option("--port", server_opts.port, "port to listen on; 0 picks a free one")
        ->envname("AIRSQL_PORT")
        ->capture_default_str();
    app.add_option("--data-dir", data_dir, "folder of catalog.sqlite and databases/")
        ->envname("AIRSQL_DATA_DIR")
        ->capture_default_str();
    app.add_option("--threads", server_opts.io_threads, "I/O threads; 0 = two per core")
        ->envname("AIRSQL_THREADS")
        ->capture_default_str();
    app.add_option("--workers", server_opts.worker_threads,
                   "threads for blocking work; 0 = twice the cores, at least 4")
        ->envname("AIRSQL_WORKERS")
        ->capture_default_str();
    app.add_option("--spare-workers", server_opts.spare_worker_threads,
                   "extra threads only for light principals (one short request at a time); "
                   "0 = half the workers, at least 2")
        ->envname("AIRSQL_SPARE_WORKERS")
        ->capture_default_str();
    app.add_option("--worker-nice", server_opts.worker_nice,
                   "nice value added to the workers (not the spares): light principals first "
                   "under CPU contention; 0 = off")
        ->envname("AIRSQL_WORKER_NICE")
        ->capture_default_str();
    app.add_option("--max-requests-per-principal", server_opts.max_requests_per_principal,
                   "requests of one token, session or anonymous address running at once (more "
                   "wait their turn); 0 = all workers but one, at least 2")
        ->envname("AIRSQL_MAX_REQUESTS_PER_PRINCIPAL")
        ->capture_default_str();
    app.add_option_function<std::int64_t>(
           "--inline-budget-us,--inline-read-budget-us",
           [&](std::int64_t us) {
               server_opts.inline_budget = std::chrono::microseconds(us);
           },
           "CPU time a GraphQL query or mutation may take on the I/O thread that read it "
           "before it goes to the worker pool instead (a mutation is rolled back first); 0 = "
           "only cached answers on the I/O threads")
        ->envname("AIRSQL_INLINE_BUDGET_US")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{1000000}))
        ->default_str(std::to_string(server_opts.inline_budget.count()));
    app.add_option("--max-connections", server_opts.max_connections,
                   "open connections (idle ones are shed beyond); 0 = from the open-files limit")
        ->envname("AIRSQL_MAX_CONNECTIONS")
        ->capture_default_str();
    app.add_option("--max-connections-per-address", server_opts.max_connections_per_address,
                   "open connections of one client address")
        ->envname("AIRSQL_MAX_CONNECTIONS_PER_ADDRESS")
        ->capture_default_str();
    app.add_option("--max-requests-per-address", server_opts.max_requests_per_address,
                   "concurrent requests of one client address; more get 429")
        ->envname("AIRSQL_MAX_REQUESTS_PER_ADDRESS")
        ->capture_default_str();
    app.add_option_function<std::int64_t>(
           "--first-byte-timeout-s",
           [&](std::int64_t s) { server_opts.first_byte_timeout = std::chrono::seconds(s); },
           "how long a new connection may stay silent before its first request")
        ->envname("AIRSQL_FIRST_BYTE_TIMEOUT_S")
        ->default_str(std::to_string(server_opts.first_byte_timeout.count()));
    app.add_option_function<std::int64_t>(
           "--idle-timeout-s",
           [&](std::int64_t s) { server_opts.idle_timeout = std::chrono::seconds(s); },
           "how long a kept-alive connection may wait for its next request")
        ->envname("AIRSQL_IDLE_TIMEOUT_S")
        ->check(CLI::PositiveNumber)
        ->default_str(std::to_string(server_opts.idle_timeout.count()));
    app.add_option_function<std::int64_t>(
           "--read-timeout-s",
           [&](std::int64_t s) { server_opts.read_timeout = std::chrono::seconds(s); },
           "how long reading a request's header, or each piece of its body, may take")
        ->envname("AIRSQL_READ_TIMEOUT_S")
        ->check(CLI::PositiveNumber)
        ->default_str(std::to_string(server_opts.read_timeout.count()));
    app.add_option_function<std::int64_t>(
           "--write-timeout-s",
           [&](std::int64_t s) { server_opts.write_timeout = std::chrono::seconds(s); },
           "how long the client may take to receive an answer held in memory, or each piece "
           "of one sent from a file")
        ->envname("AIRSQL_WRITE_TIMEOUT_S")
        ->check(CLI::PositiveNumber)
        ->default_str(std::to_string(server_opts.write_timeout.count()));
    app.add_option("--max-body-bytes", server_opts.json_body_limit, "largest JSON request body")
        ->envname("AIRSQL_MAX_BODY_BYTES")
        ->capture_default_str();
    app.add_option("--max-upload-bytes", server_opts.upload_body_limit,
                   "largest upload (database file, CSV, file cell), streamed to disk")
        ->envname("AIRSQL_MAX_UPLOAD_BYTES")
        ->capture_default_str();
    app.add_option("--max-file-bytes", engine_opts.max_file_upload_bytes,
                   "largest file one file cell (BLOB column) may receive")
        ->envname("AIRSQL_MAX_FILE_BYTES")
        ->capture_default_str();
    app.add_option("--min-free-disk-bytes", engine_opts.min_free_disk_bytes,
                   "free space uploads, snapshots and exports must leave on the data folder's "
                   "file system (else 507); 0: no check")
        ->envname("AIRSQL_MIN_FREE_DISK_BYTES")
        ->capture_default_str();
    app.add_option("--sql-timeout-ms", sql_timeout_ms, "time limit of one SQL endpoint call")
        ->envname("AIRSQL_SQL_TIMEOUT_MS")
        ->capture_default_str();
    app.add_option("--graphql-cache-bytes", engine_opts.graphql_response_cache_bytes,
                   "memory for cached GraphQL responses; 0 turns the cache off")
        ->envname("AIRSQL_GRAPHQL_CACHE_BYTES")
        ->capture_default_str();
    app.add_option("--graphql-persisted-query-bytes", engine_opts.graphql_persisted_query_bytes,
                   "memory for documents remembered by hash (Apollo's automatic persisted "
                   "queries); 0 answers them as unsupported")
        ->envname("AIRSQL_GRAPHQL_PERSISTED_QUERY_BYTES")
        ->capture_default_str();
    app.add_option("--sqlite-heap-limit-bytes", engine_opts.sqlite_heap_limit_bytes,
                   "process-wide cap on SQLite's heap; 0 = none (faster: no global memory mutex)")
        ->envname("AIRSQL_SQLITE_HEAP_LIMIT_BYTES")
        ->capture_default_str();
    app.add_option("--max-open-databases", engine_opts.max_open_databases,
                   "hosted databases kept open while unused (least recently used are closed)")
        ->envname("AIRSQL_MAX_OPEN_DATABASES")
        ->capture_default_str();
    app.add_option("--max-schema-bytes", engine_opts.max_schema_bytes,
                   "most memory one database's schema may take in each of its connections")
        ->envname("AIRSQL_MAX_SCHEMA_BYTES")
        ->capture_default_str();
    app.add_option("--max-request-sqlite-memory", engine_opts.max_request_sqlite_memory,
                   "most SQLite memory one SQL or GraphQL request may use; 0 = no cap")
        ->envname("AIRSQL_MAX_REQUEST_SQLITE_MEMORY")
        ->capture_default_str();
    app.add_option("--export-timeout-ms", export_timeout_ms, "time limit of one table export")
        ->envname("AIRSQL_EXPORT_TIMEOUT_MS")
        ->capture_default_str();
    app.add_option("--max-export-bytes", engine_opts.max_export_bytes,
                   "most bytes one table export may write (0: no cap)")
        ->envname("AIRSQL_MAX_EXPORT_BYTES")
        ->capture_default_str();
    app.add_option("--llm-base-url", engine_opts.llm_base_url,
                   "OpenAI-compatible chat-completions server for the AI prompt routes, e.g. "
                   "https://api.openai.com/v1 (empty: those routes answer 503)")
        ->envname("AIRSQL_LLM_BASE_URL");
    app.add_option("--llm-model", engine_opts.llm_model, "model the AI prompt routes ask")
        ->envname("AIRSQL_LLM_MODEL")
        ->capture_default_str();
    app.add_option("--llm-timeout-ms", llm_timeout_ms, "time limit of one language model answer")
        ->envname("AIRSQL_LLM_TIMEOUT_MS")
        ->capture_default_str();
    app.add_option("--search-timeout-ms", search_timeout_ms, "time limit of one table search")
        ->envname("AIRSQL_SEARCH_TIMEOUT_MS")
        ->capture_default_str();
    app.add_option("--graphql-timeout-ms", graphql_timeout_ms, "time limit of one GraphQL request")
        ->envname("AIRSQL_GRAPHQL_TIMEOUT_MS")
        ->capture_default_str();
    app.add_option("--graphql-max-schema-fields", engine_opts.graphql_max_schema_fields,
                   "most columns plus foreign keys of a database the GraphQL API serves")
        ->envname("AIRSQL_GRAPHQL_MAX_SCHEMA_FIELDS")
        ->capture_default_str();
    app.add_option("--graphql-max-nodes", engine_opts.graphql_max_nodes,
                   "most fields a GraphQL document may select, fragments expanded")
        ->envname("AIRSQL_GRAPHQL_MAX_NODES")
        ->capture_default_str();
    app.add_option("--graphql-max-aliases", engine_opts.graphql_max_aliases,
                   "most aliased fields in one GraphQL document")
        ->envname("AIRSQL_GRAPHQL_MAX_ALIASES")
        ->capture_default_str();
    app.add_option("--graphql-max-response-bytes", engine_opts.graphql_max_response_bytes,
                   "largest GraphQL response body; larger is an error")
        ->envname("AIRSQL_GRAPHQL_MAX_RESPONSE_BYTES")
        ->capture_default_str();
    app.add_option("--max-import-bytes", engine_opts.max_import_bytes,
                   "largest CSV file one import may read; larger get 413")
        ->envname("AIRSQL_MAX_IMPORT_BYTES")
        ->capture_default_str();
    app.add_option("--max-import-rows", engine_opts.max_import_rows,
                   "most rows one CSV import may add; 0 = no limit")
        ->envname("AIRSQL_MAX_IMPORT_ROWS")
        ->capture_default_str();
    app.add_option_function<std::int64_t>(
           "--import-timeout-ms",
           [&](std::int64_t ms) { engine_opts.import_timeout = std::chrono::milliseconds(ms); },
           "time limit of one CSV import")
        ->envname("AIRSQL_IMPORT_TIMEOUT_MS")
        ->default_str(std::to_string(engine_opts.import_timeout.count()));
    app.add_option("--max-temp-file-bytes", engine_opts.max_temp_file_bytes,
                   "bytes SQLite's temporary files (large sorts, temporary tables) may hold "
                   "together; past it the statement fails with \"database or disk is full\" "
                   "(0: no limit)")
        ->envname("AIRSQL_MAX_TEMP_FILE_BYTES")
        ->capture_default_str();
    app.add_option("--max-subscriptions", engine_opts.max_subscriptions,
                   "live GraphQL subscriptions open at once in the whole server")
        ->envname("AIRSQL_MAX_SUBSCRIPTIONS")
        ->capture_default_str();
    app.add_option("--max-subscriptions-per-principal", engine_opts.max_subscriptions_per_principal,
                   "live GraphQL subscriptions one user or API token (anonymous callers: one "
                   "client address) may hold at once")
        ->envname("AIRSQL_MAX_SUBSCRIPTIONS_PER_PRINCIPAL")
        ->capture_default_str();
    app.add_option("--max-live-result-bytes", engine_opts.max_live_result_bytes,
                   "memory all live queries together may keep for their last results")
        ->envname("AIRSQL_MAX_LIVE_RESULT_BYTES")
        ->capture_default_str();
    app.add_option("--max-subscriptions-per-connection",
                   server_opts.streams.max_subscriptions_per_connection,
                   "GraphQL operations one WebSocket may run at once")
        ->envname("AIRSQL_MAX_SUBSCRIPTIONS_PER_CONNECTION")
        ->capture_default_str();
    app.add_option("--max-stream-queue-bytes", server_opts.streams.max_queued_bytes,
                   "bytes waiting for one WebSocket or event-stream client; past it the client "
                   "is dropped as too slow (close 4413)")
        ->envname("AIRSQL_MAX_STREAM_QUEUE_BYTES")
        ->capture_default_str();
    app.add_option_function<std::int64_t>(
           "--stream-recheck-ms",
           [&](std::int64_t ms) {
               server_opts.streams.recheck_interval = std::chrono::milliseconds(ms);
               engine_opts.subscription_recheck_interval = std::chrono::milliseconds(ms);
           },
           "how often a stream's credentials are checked again: a WebSocket's (expired or "
           "revoked: close 4403), and a subscriber's before a result goes to it (also at once "
           "after any account, token or team change; then the subscription ends with an error)")
        ->envname("AIRSQL_STREAM_RECHECK_MS")
        ->default_str(std::to_string(server_opts.streams.recheck_interval.count()));
    app.add_option_function<std::int64_t>(
           "--ws-init-timeout-ms",
           [&](std::int64_t ms) {
               server_opts.streams.init_timeout = std::chrono::milliseconds(ms);
           },
           "how long a GraphQL WebSocket may wait before connection_init (then close 4408)")
        ->envname("AIRSQL_WS_INIT_TIMEOUT_MS")
        ->default_str(std::to_string(server_opts.streams.init_timeout.count()));
    app.add_option("--max-ws-message-bytes", server_opts.streams.max_message_bytes,
                   "largest message a GraphQL WebSocket client may send (larger: close 1009)")
        ->envname("AIRSQL_MAX_WS_MESSAGE_BYTES")
        ->capture_default_str();
    app.add_option("--assets-dir", assets_dir,
                   "folder of the playground's browser files (default: next to the binary)")
        ->envname("AIRSQL_ASSETS_DIR");
    app.add_option("--deno", deno_path,
                   "the Deno executable that runs functions (default: tools/deno's, from npm)")
        ->envname("AIRSQL_DENO");
    app.add_option("--functions-runner-dir", runner_dir,
                   "folder of the functions' runner.js, worker.js and runner.py (default: next to "
                   "the binary)")
        ->envname("AIRSQL_FUNCTIONS_RUNNER_DIR");
    app.add_option("--python", python_path,
                   "Debian's python3 that runs runtime \"python\" functions under bubblewrap "
                   "(\"none\": no Python functions)")
        ->envname("AIRSQL_PYTHON")
        ->capture_default_str();
    app.add_option("--bwrap", bwrap_path,
                   "the bubblewrap (bwrap) executable that sandboxes Python functions")
        ->envname("AIRSQL_BWRAP")
        ->capture_default_str();
    app.add_option("--function-python-address-mib", python_address_mib,
                   "address space limit (RLIMIT_AS) of one Python function call, in MiB")
        ->envname("AIRSQL_FUNCTION_PYTHON_ADDRESS_MIB")
        ->capture_default_str();
    app.add_option("--function-python-max-processes", engine_opts.function_python_max_processes,
                   "processes and threads (RLIMIT_NPROC) of one Python function call")
        ->envname("AIRSQL_FUNCTION_PYTHON_MAX_PROCESSES")
        ->capture_default_str();
    app.add_option("--function-timeout-ms", function_timeout_ms,
                   "wall-clock limit of one function call")
        ->envname("AIRSQL_FUNCTION_TIMEOUT_MS")
        ->capture_default_str();
    app.add_option("--function-heap-mib", engine_opts.function_heap_mib,
                   "V8 heap cap of one function call, in MiB")
        ->envname("AIRSQL_FUNCTION_HEAP_MIB")
        ->capture_default_str();
    app.add_option("--event-max-queue-rows", engine_opts.event_max_queue_rows,
                   "most undelivered event-trigger events per database (more writes are refused)")
        ->envname("AIRSQL_EVENT_MAX_QUEUE_ROWS")
        ->capture_default_str();
    app.add_option("--event-deliveries-per-database", engine_opts.event_deliveries_per_database,
                   "event-trigger deliveries running at once for one database")
        ->envname("AIRSQL_EVENT_DELIVERIES_PER_DATABASE")
        ->capture_default_str();
    app.add_option("--event-delivery-threads", engine_opts.event_delivery_threads,
                   "event-trigger deliveries running at once in all")
        ->envname("AIRSQL_EVENT_DELIVERY_THREADS")
        ->capture_default_str();
    app.add_flag("--event-delivery-paused", engine_opts.event_delivery_paused,
                 "keep event-trigger events queued, deliver none (maintenance)")
        ->envname("AIRSQL_EVENT_DELIVERY_PAUSED");
    // Server-wide until the server settings allowedHosts / envVars (issue 10) take over.
    app.add_option("--function-allowed-host", engine_opts.function_allowed_hosts,
                   "a host (host or host:port) functions may reach; repeat for more")
        ->envname("AIRSQL_FUNCTION_ALLOWED_HOSTS")
        ->delimiter(',');
    app.add_option("--function-env", function_env,
                   "NAME=value: an environment variable of every function; repeat for more");
    app.add_option("--synchronous", engine_opts.synchronous,
                   "FULL: every write is on disk before it is answered; NORMAL: survives a "
                   "crash of the server, not a power loss")
        ->envname("AIRSQL_SYNCHRONOUS")
        ->check(CLI::IsMember({"FULL", "NORMAL"}))
        ->capture_default_str();
    app.add_flag("!--no-group-commit", engine_opts.group_commit,
                 "with --synchronous FULL, sync the WAL inside every commit instead of sharing "
                 "one sync among concurrent writers")
        ->envname("AIRSQL_GROUP_COMMIT");
    app.add_flag("!--no-inline-writes", server_opts.inline_writes,
                 "run every GraphQL mutation on the worker pool, none on the I/O threads")
        ->envname("AIRSQL_NO_INLINE_WRITES");
    app.add_flag("!--no-access-log", server_opts.access_log, "do not log each request")
        ->envname("AIRSQL_ACCESS_LOG");
    app.add_option_function<std::int64_t>(
           "--anonymous-database-lifetime-s",
           [&](std::int64_t s) {
               engine_opts.anonymous_database_lifetime = std::chrono::seconds(s);
           },
           "how long anonymous databases live (when the server settings allow them)")
        ->envname("AIRSQL_ANONYMOUS_DATABASE_LIFETIME_S")
        ->default_str(std::to_string(engine_opts.anonymous_database_lifetime.count()));
    app.add_option_function<std::int64_t>(
           "--expiry-sweep-interval-s",
           [&](std::int64_t s) { engine_opts.expiry_sweep_interval = std::chrono::seconds(s); },
           "how often expired anonymous databases are looked for")
        ->envname("AIRSQL_EXPIRY_SWEEP_INTERVAL_S")
        ->default_str(std::to_string(engine_opts.expiry_sweep_interval.count()));
    bool no_rate_limits = false;
    app.add_flag("--no-rate-limits", no_rate_limits,
                 "turn off the rate limits of login, sign-up, password reset and invitations "
                 "(for test suites that sign up many users from one address)")
        ->envname("AIRSQL_NO_RATE_LIMITS");
    CLI11_PARSE(app, argc, argv);
    if (no_rate_limits) {
        for (auto* limit :
             {&engine_opts.login_per_address, &engine_opts.login_failures_per_account,
              &engine_opts.sign_up_per_address, &engine_opts.password_reset_per_address,
              &engine_opts.password_reset_per_account, &engine_opts.invite_per_account,
              &engine_opts.anonymous_databases_per_address}) {
            limit->burst = 0;
        }
    }

    try {
        engine_opts.data_dir = data_dir;
        engine_opts.sql_timeout = std::chrono::milliseconds(sql_timeout_ms);
        engine_opts.graphql_timeout = std::chrono::milliseconds(graphql_timeout_ms);
        engine_opts.export_timeout = std::chrono::milliseconds(export_timeout_ms);
        engine_opts.search_timeout = std::chrono::milliseconds(search_timeout_ms);
        engine_opts.llm_timeout = std::chrono::milliseconds(llm_timeout_ms);
        // The key comes from the environment only: command lines are visible to every user.
        if (const char* key = std::getenv("AIRSQL_LLM_API_KEY")) engine_opts.llm_api_key = key;
        engine_opts.function_timeout = std::chrono::milliseconds(function_timeout_ms);
        engine_opts.deno_executable =
            deno_path.empty() ? default_deno() : std::filesystem::path(deno_path);
        engine_opts.function_runner_dir =
            runner_dir.empty() ? default_runner_dir() : std::filesystem::path(runner_dir);
        if (python_path != "none" && bwrap_path != "none" && std::filesystem::exists(python_path) &&
            std::filesystem::exists(bwrap_path)) {
            engine_opts.python_executable = python_path;
            engine_opts.bwrap_executable = bwrap_path;
        }
        engine_opts.function_python_address_bytes = python_address_mib << 20;
        for (const auto& kv : function_env) {
            auto eq = kv.find('=');
            if (eq == std::string::npos || eq == 0) {
                std::cerr << "airsql-server: --function-env takes NAME=value\n";
                return 2;
            }
            engine_opts.function_env_vars.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        }
        airsql::engine eng(engine_opts);
        // Uploads and temporary results live beside the databases (same file system: a
        // finished upload can be renamed into place). Leftovers of a crash are removed.
        auto temp_dir = std::filesystem::path(data_dir) / "tmp";
        std::filesystem::remove_all(temp_dir);
        std::filesystem::create_directories(temp_dir);
        server_opts.upload_dir = temp_dir.string();
        server_opts.min_free_disk_bytes = engine_opts.min_free_disk_bytes;
        airsql::server::router_options router_opts;
        router_opts.temp_dir = temp_dir;
        router_opts.assets_dir =
            assets_dir.empty() ? default_assets_dir(argv[0]) : std::filesystem::path(assets_dir);
        airsql::server::router router(eng, router_opts);
        airsql::server::http_server server(router, server_opts);
        auto port = server.listen();
        std::cout << "listening on http://" << server_opts.host << ':' << port << std::endl;
        server.run();
        std::cout << "stopped" << std::endl;
        return 0;
    } catch (const airsql::error& e) {
        std::cerr << "airsql-server: " << e.what() << '\n';
    } catch (const std::exception& e) {
        std::cerr << "airsql-server: " << e.what() << '\n';
    }
    return 1;
}
