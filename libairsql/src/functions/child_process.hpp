// SPDX-License-Identifier: Apache-2.0
// Starting Deno: a child process in its own process group, with a cleared environment,
// rlimits, and only the file descriptors it is given (every other one closed).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace airsql::functions {

struct child_limits {
    std::uint64_t max_open_files = 256;
    std::uint64_t max_file_bytes = 0;
    std::uint64_t max_data_bytes = 0;     ///< 0: unlimited
    std::uint64_t max_address_bytes = 0;  ///< RLIMIT_AS; 0: unlimited
    std::uint64_t max_cpu_seconds = 0;    ///< RLIMIT_CPU; 0: unlimited
    std::uint64_t max_processes = 0;      ///< RLIMIT_NPROC (of `run_as_uid`); 0: unlimited
    /// Non-zero: the child drops to this uid and gid (no supplementary groups) before exec.
    /// Needs root; when the drop fails the child exits with status 126.
    std::uint32_t run_as_uid = 0;
};

/// A started child. Not copyable; the destructor kills the process group and reaps it.
class child_process {
  public:
    /// Starts `exe` with `args` and `env` ("NAME=value"). The child gets /dev/null as stdin,
    /// one pipe as stdout and stderr (read end: `output_fd()`), and, with `with_input`, a pipe
    /// as fd 3 (write end: `input_fd()`). Both parent ends are close-on-exec and non-blocking.
    /// Throws `errc::unavailable` when the process cannot be started.
    child_process(const std::filesystem::path& exe, const std::vector<std::string>& args,
                  const std::vector<std::string>& env, const child_limits& limits, bool with_input);
    ~child_process();
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    pid_t pid() const noexcept { return pid_; }
    int output_fd() const noexcept { return out_; }
    int input_fd() const noexcept { return in_; }

    /// Closes the input pipe (the runner exits when it sees the end).
    void close_input() noexcept;

    /// SIGKILL to the whole process group (idempotent).
    void kill_group() noexcept;

    /// Waits for the child to end and returns its wait status (cached after the first call).
    int wait() noexcept;

  private:
    pid_t pid_ = -1;
    int out_ = -1;
    int in_ = -1;
    bool reaped_ = false;
    int status_ = 0;
};

/// What `run_to_end` collected.
struct run_result {
    int wait_status = 0;
    bool timed_out = false;
    std::string output;  ///< stdout and stderr, at most the byte cap given
};

/// Runs a child to its end (no input), collecting its output up to `max_output` bytes; kills
/// its process group at `timeout`.
run_result run_to_end(const std::filesystem::path& exe, const std::vector<std::string>& args,
                      const std::vector<std::string>& env, const child_limits& limits,
                      std::chrono::milliseconds timeout, std::size_t max_output);

/// Writes all of `data` to a non-blocking fd before `deadline`; false on timeout or error.
bool write_all(int fd, std::string_view data, std::chrono::steady_clock::time_point deadline);

}  // namespace airsql::functions
