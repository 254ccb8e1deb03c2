// SPDX-License-Identifier: Apache-2.0
// A warm function runtime: one Deno process running airsql's runner for one version of one
// function, serving any number of calls at once (each in its own Worker), and the pool that
// keeps the recently used ones.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "airsql/options.hpp"
#include "functions/child_process.hpp"

namespace airsql::functions {

/// How one call ended.
struct call_outcome {
    enum class kind { ok, exception, timeout, out_of_memory, crashed };
    kind how = kind::ok;
    std::string error;
    /// The worker's result object ({"kind": "json", "body"} or {"kind": "response", …}).
    boost::json::object result;
    boost::json::array logs;
};

/// Answers a `context.sql` / `context.graphql` request of a call: the value, or throws
/// `airsql::error` (its message goes back to the function).
using request_handler = std::function<boost::json::value(const boost::json::object& request)>;

/// Thread-safe.
class deno_host {
  public:
    /// Starts Deno on `module_file`, with network access to `allowed_hosts` only, and waits
    /// until the first Worker is loaded (at most `start_timeout`). Throws `unavailable` when
    /// it cannot start.
    deno_host(const options& opts, const std::filesystem::path& module_file,
              const std::vector<std::string>& allowed_hosts,
              std::chrono::milliseconds start_timeout);
    ~deno_host();
    deno_host(const deno_host&) = delete;
    deno_host& operator=(const deno_host&) = delete;

    /// Runs one call: `context` is the function's context (without helpers). Requests of the
    /// call's helpers run on this thread through `on_request`.
    call_outcome call(const boost::json::object& context, std::chrono::milliseconds timeout,
                      const request_handler& on_request);

    /// False once the process has ended (killed, crashed, out of memory).
    bool alive() const;

  private:
    struct slot {
        std::deque<boost::json::object> inbox;
    };
    void read_loop();
    void dispatch(std::string_view line);
    bool send(const boost::json::object& message, std::chrono::steady_clock::time_point deadline);
    void mark_dead(call_outcome::kind why, std::string message);

    std::unique_ptr<child_process> child_;
    std::string secret_;
    std::mutex write_mutex_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::int64_t, std::shared_ptr<slot>> slots_;
    std::int64_t next_id_ = 1;
    bool ready_ = false;
    bool dead_ = false;
    call_outcome::kind death_ = call_outcome::kind::crashed;
    std::string death_message_;
    std::string noise_;  ///< the last bytes the process printed outside the protocol
    std::thread reader_;
};

/// Warm runtimes by version id, least recently used dropped beyond
/// `options::function_max_warm_runtimes`. Thread-safe.
class runtime_pool {
  public:
    explicit runtime_pool(const options& opts);
    ~runtime_pool();

    /// The running runtime of a version, started (module written under the pool's folder)
    /// when there is none or the last one died.
    /// `allowed_hosts` are fixed when a runtime starts: a runtime started with other hosts is
    /// replaced (the server settings' `allowedHosts` changed).
    std::shared_ptr<deno_host> get(const std::string& version_id, const std::string& content,
                                   const std::vector<std::string>& allowed_hosts);

    /// Stops the runtimes of these versions (a deleted function).
    void drop(const std::vector<std::string>& version_ids);

    /// The folder of module files and Deno's cache (`<data_dir>/functions`).
    const std::filesystem::path& folder() const noexcept { return folder_; }

  private:
    struct entry {
        std::mutex start_mutex;
        std::shared_ptr<deno_host> host;
        std::vector<std::string> hosts;  ///< the allowed hosts `host` was started with
    };
    const options& opts_;
    std::filesystem::path folder_;
    std::mutex mutex_;
    std::map<std::string, std::shared_ptr<entry>> entries_;
    std::list<std::string> recent_;  ///< most recent first
};

/// The environment of every Deno process airsql starts.
std::vector<std::string> deno_environment(const std::filesystem::path& folder);

}  // namespace airsql::functions
