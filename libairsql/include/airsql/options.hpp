// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace airsql {

/// A token bucket: up to `burst` attempts at once, then one more every `refill_every`.
/// `burst` 0 turns the limit off.
struct rate_limit {
    std::uint32_t burst = 0;
    std::chrono::milliseconds refill_every{0};
};

/// How an `engine` is configured. An aggregate: set the fields you need, keep the defaults
/// for the rest. Every limit here is enforced by the library, so an embedding host gets the
/// same protection as `airsql-server`.
struct options {
    /// Folder holding `catalog.sqlite` and `databases/<dbId>/main.sqlite`. Created if missing.
    std::filesystem::path data_dir = "data";

    /// Whether anyone may sign up (`POST /api/users`). The first user of a fresh instance can
    /// always sign up and becomes server admin.
    bool allow_sign_up = true;

    /// Lifetime of a login session.
    std::chrono::hours session_lifetime{24 * 30};

    /// libsodium argon2id cost for password hashes (defaults: libsodium's "interactive").
    std::uint64_t password_hash_ops = 2;
    std::size_t password_hash_memory = 64u * 1024 * 1024;

    /// Longest SQL text accepted by the SQL endpoint, in Unicode code points.
    std::size_t max_sql_length = 100'000;

    /// Wall-clock limit of one SQL endpoint call; the statement is interrupted when it runs out.
    std::chrono::milliseconds sql_timeout{20'000};

    /// Most rows and bytes an SQL endpoint call may return; more is an error, not a truncation.
    std::size_t max_sql_result_rows = 100'000;
    std::size_t max_sql_result_bytes = 64u * 1024 * 1024;

    /// Largest size one hosted database may grow to (enforced with `max_page_count`).
    std::uint64_t max_database_bytes = 1024ull * 1024 * 1024;

    /// Largest file one file cell (a BLOB column) may receive through `put_file`; larger
    /// uploads fail with `payload_too_large` before anything is written. Default 100 MiB.
    /// Uploads also count against `max_database_bytes`.
    std::uint64_t max_file_upload_bytes = 100ull * 1024 * 1024;

    /// Process-wide cap on SQLite's heap: past it SQLite allocations fail (SQLITE_NOMEM). 0: no
    /// cap. Counted by airsql's allocator with one atomic counter (SQLite's own
    /// `sqlite3_hard_heap_limit64` needs its memory statistics, a global mutex on every
    /// allocation); the last engine constructed sets it. If SQLite was initialised before the
    /// first engine, SQLite's own limit is used instead.
    std::int64_t sqlite_heap_limit_bytes = 1024ll * 1024 * 1024;

    /// Most SQLite memory one SQL or GraphQL request may allocate (net of what it frees); past
    /// it the request fails with a clear error and other requests are unaffected, unlike the
    /// process-wide heap limit above. 0 means no per-request cap. Enforced only when the engine
    /// is the first in the process to initialise SQLite (it installs a counting allocator).
    std::size_t max_request_sqlite_memory = 192u * 1024 * 1024;

    /// Most rows one GraphQL root field may return without an explicit smaller `limit`.
    std::size_t graphql_max_rows = 10'000;

    /// Deepest selection nesting a GraphQL document may have.
    std::size_t graphql_max_depth = 30;

    /// Largest GraphQL document, in bytes.
    std::size_t graphql_max_document_bytes = 512u * 1024;

    /// Most fields a GraphQL document may select, counted with every fragment spread expanded
    /// where it stands (so nested fragments cannot multiply the work); checked before
    /// execution. Default 10,000.
    std::size_t graphql_max_nodes = 10'000;

    /// Most aliased fields (`name: field`) a GraphQL document may contain. Default 200.
    std::size_t graphql_max_aliases = 200;

    /// Largest GraphQL response body, checked while it is built: execution stops at the root
    /// field that passes it, and the answer is an error, not a truncation. Default 64 MiB.
    std::size_t graphql_max_response_bytes = 64u * 1024 * 1024;

    /// Most columns plus foreign keys a database may have to be served by the GraphQL API
    /// (building its schema cannot be interrupted and grows with them: about 0.55 s for
    /// 48,000 on 2 cores). 0 means no limit.
    std::size_t graphql_max_schema_fields = 100'000;

    /// Most GraphQL requests in one batch (a JSON array body).
    std::size_t graphql_max_batch = 50;

    /// Most live GraphQL subscriptions open at once in the whole engine (more are refused
    /// with `unavailable`).
    std::size_t max_subscriptions = 10'000;

    /// Most live GraphQL subscriptions one principal (a user, an API token; anonymous callers
    /// and read-only links by client address) may hold at once, so one tenant cannot take the
    /// whole `max_subscriptions` (more are refused with `rate_limited`).
    std::size_t max_subscriptions_per_principal = 1'000;

    /// Memory all live queries together may keep for their last results (each keeps one, to
    /// skip unchanged results and to answer newcomers at once). A live query whose result
    /// would pass it ends with `resource_exhausted`; one that starts past it is refused
    /// (`unavailable`).
    std::size_t max_live_result_bytes = 256u * 1024 * 1024;

    /// A subscriber's credentials and access are checked again before a result goes to it
    /// when the catalog changed since its last check (a logout, a revoked token, a new role,
    /// a new read-only id) and at least this long after its last check otherwise (expiry).
    /// A subscriber whose access ended or changed gets `permission_denied` and no more.
    std::chrono::milliseconds subscription_recheck_interval{5'000};

    /// Most bytes SQLite's temporary files (sorts, temporary tables and indexes, statement
    /// journals that outgrow memory; in SQLITE_TMPDIR, else /var/tmp) may hold together in the
    /// process; past it the statement needing more fails with "database or disk is full".
    /// Process-wide: the last engine constructed sets it. 0 means no limit.
    std::uint64_t max_temp_file_bytes = 2ull * 1024 * 1024 * 1024;

    /// Memory for cached GraphQL responses of read-only operations (0 turns the cache off).
    /// A response is reused only until the next write to its database.
    std::size_t graphql_response_cache_bytes = 64u * 1024 * 1024;

    /// Most heap memory one database's schema may take in each of its connections (SQLite's
    /// SQLITE_DBSTATUS_SCHEMA_USED): every connection to a database (the writer and each
    /// pooled reader) parses and keeps the whole schema, outside any request's budget. An
    /// upload, a script, a table change or an import that would pass it is refused and
    /// nothing changes.
    std::size_t max_schema_bytes = 16u * 1024 * 1024;

    /// Memory for documents remembered by their hash (Apollo's automatic persisted queries),
    /// per database; 0 answers such requests with `PersistedQueryNotSupported`.
    std::size_t graphql_persisted_query_bytes = 16u * 1024 * 1024;

    /// Wall-clock limit of one GraphQL request.
    std::chrono::milliseconds graphql_timeout{20'000};

    /// Wall-clock limit of one table export (`export_table`): a huge table must not hold a
    /// reader connection (and its read snapshot, which stops WAL checkpoints) forever.
    std::chrono::milliseconds export_timeout{10 * 60 * 1000};

    /// Most bytes one table export (`export_table`) may write; past it the export fails with
    /// `payload_too_large`. An export of a view has no size of its own: an endless view wrote
    /// ~200 MB/s to disk until the time limit. Default 8 GiB (an export of a table of a database
    /// at `max_database_bytes` fits: hex and JSON escapes may multiply its size); 0: no cap.
    std::uint64_t max_export_bytes = 8ull * 1024 * 1024 * 1024;
    /// Files written for a request (staged uploads, snapshots for downloads and duplicates,
    /// exports) must leave this much free in the data folder's file system; else
    /// `resource_exhausted` (507) before anything is written. 0: no check.
    std::uint64_t min_free_disk_bytes = 256ull * 1024 * 1024;

    /// Wall-clock limit of one table search (`search_table`).
    std::chrono::milliseconds search_timeout{20'000};

    /// Most rows one page of table search may ask for (`limit`), and the largest `offset`: a
    /// search keeps the best offset + limit matches in memory while it scans.
    std::size_t search_max_limit = 1000;
    std::size_t search_max_offset = 100'000;

    /// Hosted databases kept open while nobody uses them; beyond it the least recently used
    /// are closed (and reopened on the next request). Bounds the memory open databases hold.
    std::size_t max_open_databases = 64;

    /// Pooled read connections kept open per hosted database.
    std::size_t read_connections_per_database = 4;

    /// `PRAGMA synchronous` for hosted databases in WAL mode: "FULL" (default; every commit is
    /// on disk before it is acknowledged) or "NORMAL" (survives process crashes, not power loss).
    std::string synchronous = "FULL";

    /// With `synchronous = "FULL"`: commits of concurrent writers share one sync of the WAL
    /// (group commit). The writer commits without syncing and is handed to the next write at
    /// once; each write is acknowledged only after an `fdatasync` of the WAL that began after
    /// its commit. Readers may see a commit a moment before it is on disk: a power loss in that
    /// window loses it (a process crash does not). false: SQLite syncs inside every commit,
    /// with the writer held.
    bool group_commit = true;

    /// Most columns a table may get through the tables API (create table, add column).
    std::size_t max_table_columns = 500;

    /// Cells (rows × columns) of a table above which `GET …/tables/:id` reports
    /// `maxCellLimitReached`: a UI should page through such a table instead of loading it.
    std::uint64_t table_cell_limit = 1'000'000;

    /// CSV imports (`import_csv`, uploads that create a table): the largest file, the most data
    /// rows (0: no limit) and the wall-clock limit of one import. Larger files are
    /// `payload_too_large`; an import that runs out of time is interrupted and rolled back.
    std::uint64_t max_import_bytes = 1024ull * 1024 * 1024;
    std::uint64_t max_import_rows = 0;
    std::chrono::milliseconds import_timeout{120'000};
    /// Audit log (databases with `auditing` on, see settings.hpp): most entries one
    /// transaction records; past it, one summary entry counts the changes left out.
    std::size_t audit_max_entries_per_transaction = 100'000;

    /// Audit log: longest TEXT value recorded whole, in bytes; a longer one is recorded as
    /// `{"type":"text","size":N,"prefix":"<its first audit_max_value_bytes bytes>"}`.
    std::size_t audit_max_value_bytes = 1024;

    /// Audit log: most bytes of values one transaction records (bounds the memory held until
    /// the commit); past it, as past `audit_max_entries_per_transaction`. Default 64 MiB.
    std::size_t audit_max_transaction_bytes = 64u * 1024 * 1024;

    /// Most entries one page of `read_audit_log` returns (`limit` is clamped to it).
    std::size_t audit_max_page_size = 1000;

    /// Environment variables of one database (see settings.hpp): most variables, and the
    /// longest value in bytes.
    std::size_t max_env_vars_per_database = 100;
    std::size_t max_env_var_value_bytes = 32u * 1024;

    /// Charts and dashboards of one database (see charts.hpp): most charts, dashboards, charts
    /// on one dashboard, and rows one chart's data holds (more are cut off, `truncated`).
    std::size_t max_charts_per_database = 500;
    std::size_t max_dashboards_per_database = 100;
    std::size_t max_charts_per_dashboard = 50;
    std::size_t max_chart_rows = 10'000;

    /// Apps (static bundles served under a database, see apps.hpp): most apps per database;
    /// the largest upload (a zip or one HTML file); the most bytes, files and bytes of one file
    /// a zip may unpack to; the largest unpacked/packed ratio (above `app_ratio_floor_bytes`
    /// unpacked); and how long the database-scoped session an app gets is valid.
    std::size_t max_apps_per_database = 50;
    std::uint64_t max_app_bundle_bytes = 20ull * 1024 * 1024;
    std::uint64_t max_app_unpacked_bytes = 100ull * 1024 * 1024;
    std::size_t max_app_files = 1000;
    std::uint64_t max_app_file_bytes = 20ull * 1024 * 1024;
    std::uint64_t max_app_ratio = 100;
    std::uint64_t app_ratio_floor_bytes = 1024 * 1024;
    std::chrono::minutes app_session_lifetime{30};

    /// The OpenAI-compatible chat-completions server the AI prompt routes ask (see
    /// prompts.hpp): its base URL (`…/v1`; `/chat/completions` is appended), API key (sent as
    /// a bearer token; may be empty for local servers) and model. Empty URL: not configured.
    std::string llm_base_url;
    std::string llm_api_key;
    std::string llm_model = "gpt-4o-mini";
    /// Ask for a streamed answer (server-sent events); non-streamed answers are read too.
    bool llm_stream = true;
    /// How long one answer may take, the largest answer read, and how many calls may wait on
    /// the model at once (each holds a worker thread meanwhile).
    std::chrono::milliseconds llm_timeout{60'000};
    std::size_t llm_max_answer_bytes = 1024u * 1024;
    std::size_t llm_max_concurrent_requests = 2;
    /// Longest prompt accepted, in bytes.
    std::size_t llm_max_prompt_bytes = 4000;
    // ---- functions (Deno) ----

    /// The Deno executable that runs functions (scripts/install-deps installs it from the npm
    /// registry under tools/deno). Empty: functions can be managed but not checked or called
    /// (`unavailable`).
    std::filesystem::path deno_executable;

    /// Folder of airsql's runner scripts (`runner.js`, `worker.js` for Deno, `runner.py` for
    /// Python; in the source tree `libairsql/share/functions`, installed to
    /// `share/airsql/functions`).
    std::filesystem::path function_runner_dir;

    /// Wall-clock limit of one function call; past it the call's Worker is terminated (and the
    /// whole runtime's process group killed if it does not stop at once). Default 10 s.
    std::chrono::milliseconds function_timeout{10'000};

    /// V8 heap cap of each function Worker (`--max-old-space-size`), in MiB. Default 256.
    std::size_t function_heap_mib = 256;

    /// rlimits of a function runtime process: most open files and data segment
    /// (`RLIMIT_DATA`; V8 reserves address space, so `RLIMIT_AS` cannot be used); files it
    /// writes (only Deno's own caches: user code has no write permission) stay under 64 MiB.
    /// Measured with Deno 2.9.6: a runtime counts ~0.6 GiB of data segment, each Worker
    /// ~0.55 GiB more (reserved, mostly untouched), so the default 3 GiB holds the runner,
    /// `function_max_concurrent_calls` Workers, the preloaded one and one being torn down, and
    /// refuses a 2 GiB ArrayBuffer (ArrayBuffers live outside the V8 heap cap). 0: no limit.
    std::uint64_t function_max_open_files = 256;
    std::uint64_t function_max_data_bytes = 3072ull * 1024 * 1024;

    /// Calls one runtime runs at once (each in a Worker with its own heap); more wait, their
    /// time limit running. Default 2 (see `function_max_data_bytes`).
    std::size_t function_max_concurrent_calls = 2;

    /// Hosts functions may reach (`host` or `host:port`, matched literally by Deno's
    /// `--allow-net`; loopback and private addresses only when listed). Server-wide; empty: no
    /// network. Until the server settings `allowedHosts` exist, the host sets this.
    std::vector<std::string> function_allowed_hosts;

    /// Server-wide environment variables of every function (a database's own win on equal
    /// names). Until the server settings `envVars` exist, the host sets this.
    std::vector<std::pair<std::string, std::string>> function_env_vars;

    /// Largest module (bytes), most functions per database, most versions kept per function.
    std::size_t max_function_bytes = 1024 * 1024;
    std::size_t max_functions_per_database = 100;
    std::size_t max_function_versions = 100;

    /// Invocation records kept per function (newest), log entries kept per invocation, and
    /// bytes kept per log message and per recorded answer (`data`).
    std::size_t function_max_invocations = 500;
    std::size_t function_max_log_entries = 100;
    std::size_t function_max_log_entry_bytes = 4096;
    std::size_t function_max_recorded_bytes = 64 * 1024;

    /// Largest answer (body) of one function call; more is `payload_too_large`.
    std::size_t max_function_response_bytes = 10u * 1024 * 1024;

    /// Function runtimes (one Deno process per active version) kept warm; beyond it the least
    /// recently used is stopped.
    std::size_t function_max_warm_runtimes = 16;

    // ---- functions (Python) ----

    /// Debian's `python3` and `bwrap` (bubblewrap) that run `runtime: "python"` functions, each
    /// call in a fresh sandbox (new user/pid/net/ipc/uts/cgroup namespaces, only the
    /// interpreter's files read-only, tmpfs /tmp, no network). Empty: Python functions can be
    /// managed but not checked or called (`unavailable`). The python3 must live in /usr/bin
    /// with its library under /usr/lib (only those are bound into the sandbox).
    std::filesystem::path python_executable;
    std::filesystem::path bwrap_executable;

    /// rlimits of one Python call's sandbox: address space (a larger allocation raises
    /// MemoryError: `resource_exhausted`), processes and threads (`RLIMIT_NPROC`, counted for
    /// the call's own unprivileged uid: a fork bomb stops there), bytes of any file written
    /// and of the tmpfs /tmp. CPU time is the wall-clock limit plus one second.
    std::uint64_t function_python_address_bytes = 512ull * 1024 * 1024;
    std::uint64_t function_python_max_processes = 32;
    std::uint64_t function_python_max_file_bytes = 16ull * 1024 * 1024;

    /// Python calls running at once; more wait (their time limit running). Call i of them runs
    /// as uid/gid `function_python_uid_base + i` (never 0: RLIMIT_NPROC does not bind root,
    /// and a uid of its own keeps one call's processes from counting against another's).
    std::size_t function_python_max_concurrent_calls = 4;
    std::uint32_t function_python_uid_base = 2'147'000'000u;
    /// Event triggers (functions.hpp, `function_trigger`): most undelivered events per
    /// database (a write that would queue more is refused with an error, so no event is ever
    /// dropped), most bytes of one row's JSON in an event (a bigger row is delivered as
    /// `{"truncated": true, "bytes": n}`), deliveries running at once per database and in
    /// all (the delivery threads), and whether delivery is paused (events wait in their queue;
    /// for maintenance and tests).
    std::size_t event_max_queue_rows = 10'000;
    std::size_t event_max_payload_bytes = 64 * 1024;
    std::size_t event_deliveries_per_database = 2;
    std::size_t event_delivery_threads = 8;
    bool event_delivery_paused = false;

    /// Rate limits (token buckets, kept in memory) of the account actions anyone can start.
    /// Past one, the call fails with `rate_limited_error` (HTTP 429 with Retry-After) before
    /// any password is hashed. Addresses count by `principal::client_address` (IPv6 by /64).
    /// Logins per client address.
    rate_limit login_per_address{30, std::chrono::seconds(2)};
    /// Failed logins per username, from anywhere (a correct password costs nothing here, but
    /// once the bucket is empty even the right password waits for it to refill).
    rate_limit login_failures_per_account{10, std::chrono::seconds(30)};
    /// Sign-ups per client address.
    rate_limit sign_up_per_address{10, std::chrono::seconds(60)};
    /// Password-reset requests per client address and per email address.
    rate_limit password_reset_per_address{10, std::chrono::seconds(60)};
    rate_limit password_reset_per_account{3, std::chrono::minutes(10)};
    /// Invitations per inviting user.
    rate_limit invite_per_account{30, std::chrono::seconds(60)};
    /// Anonymous databases (server settings `anonymousDatabases`): creations per client
    /// address, their lifetime, and how often expired ones are looked for and deleted.
    rate_limit anonymous_databases_per_address{5, std::chrono::minutes(10)};
    std::chrono::seconds anonymous_database_lifetime{10 * 24 * 3600};
    std::chrono::seconds expiry_sweep_interval{60};
    /// Most token buckets kept (each ~100 bytes); beyond it full buckets are dropped first.
    std::size_t rate_limit_max_buckets = 100'000;
};

}  // namespace airsql
