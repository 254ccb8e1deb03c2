// SPDX-License-Identifier: Apache-2.0
// Python functions: every call (and every check on save) is a fresh Debian python3 under
// bubblewrap, running airsql's runner (share/functions/runner.py, given with `-c`): new
// user/pid/net/ipc/uts/cgroup namespaces, only the interpreter's files bound read-only, a
// small tmpfs /tmp, an empty environment, rlimits, an unprivileged uid of its own, and the
// wall-clock limit that kills the process group.
//
// Channels as for Deno (deno_host.hpp): the module, the context and the helpers' answers go to
// the runner on fd 3 (the first line is a secret); the runner answers on stdout with lines
// "\x1e<secret> <json>\n", and every other byte there is ignored.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "airsql/functions.hpp"
#include "airsql/options.hpp"
#include "functions/child_process.hpp"
#include "functions/deno_host.hpp"

namespace airsql::functions {

/// Thread-safe: at most `options::function_python_max_concurrent_calls` sandboxes at once.
class python_sandbox {
  public:
    explicit python_sandbox(const options& opts);
    ~python_sandbox();
    python_sandbox(const python_sandbox&) = delete;
    python_sandbox& operator=(const python_sandbox&) = delete;

    /// Runs one call of `module` (the version's source) with `context` (without helpers).
    /// Helper requests are answered on this thread through `on_request`. Throws
    /// `unavailable` when Python is not configured or the sandbox cannot start (bwrap cannot
    /// create its namespaces, no free uid).
    /// `tenant` (the function's database) holds at most half the sandboxes at once (at least
    /// one): a tenant whose calls are slow cannot keep every other tenant waiting.
    call_outcome call(const std::string& module, const boost::json::object& context,
                      std::chrono::milliseconds timeout, const request_handler& on_request,
                      const std::string& tenant);

    /// Compiles `module` in a sandbox: syntax errors with line and column (`syntax` set),
    /// and a note when it defines no `main`. Throws `unavailable` as `call` does.
    std::vector<function_diagnostic> check(const std::string& module, const std::string& tenant);

    /// Sandboxes one tenant may hold at once.
    std::size_t per_tenant_limit() const;

    /// The bwrap arguments of one sandbox (without the runner's own), for tests and docs.
    std::vector<std::string> bwrap_arguments() const;

  private:
    /// A started sandbox (bwrap, python3 and the runner), for one call.
    struct started {
        std::unique_ptr<child_process> child;
        std::string secret;
        std::uint32_t slot = 0;
    };
    /// Runs the runner with `request` as its first message until it answers "done".
    call_outcome run(const boost::json::object& request, std::chrono::milliseconds timeout,
                     const request_handler& on_request, const std::string& tenant);
    call_outcome talk(started& s, const boost::json::object& request,
                      std::chrono::steady_clock::time_point deadline,
                      std::chrono::milliseconds timeout, const request_handler& on_request);
    std::unique_ptr<started> spawn(std::uint32_t slot);
    /// Starts the spare sandbox when there is none and a slot is free.
    void refill_spare();
    /// Asks the refiller thread (started on first use) for a spare.
    void request_spare();
    struct acquired {
        std::unique_ptr<started> spare;  ///< the spare sandbox, or null: start one in `slot`
        std::uint32_t slot = 0;
    };
    /// The spare (when `spare_ok`) or a free slot, waiting until `deadline`
    /// (`deadline_exceeded`).
    acquired acquire(std::chrono::steady_clock::time_point deadline, bool spare_ok,
                     const std::string& tenant);
    void give_slot(std::uint32_t slot);
    void release_tenant(const std::string& tenant);

    const options& opts_;
    std::mutex mutex_;
    std::condition_variable freed_;
    std::deque<std::uint32_t> free_;  ///< slot numbers, the longest free first
    /// One sandbox started ahead, so that a call does not wait for python3 to start. Used by
    /// one call only, then gone (no state passes between calls).
    std::unique_ptr<started> spare_;
    bool spare_starting_ = false;
    std::size_t waiting_ = 0;                    ///< callers in `acquire`
    std::map<std::string, std::size_t> in_use_;  ///< sandboxes held per tenant
    std::condition_variable refill_wanted_;
    bool wants_spare_ = false;
    bool stopping_ = false;
    std::thread refiller_;
};

/// Parses the runner's check answer ({"diagnostics": [...]}).
std::vector<function_diagnostic> python_diagnostics(const boost::json::object& result);

}  // namespace airsql::functions
