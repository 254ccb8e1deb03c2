// SPDX-License-Identifier: Apache-2.0
#include "functions/child_process.hpp"

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "airsql/error.hpp"

namespace airsql::functions {

namespace {

void set_limit(int resource, std::uint64_t value) noexcept {
    rlimit rl{static_cast<rlim_t>(value), static_cast<rlim_t>(value)};
    setrlimit(resource, &rl);
}

void close_quietly(int& fd) noexcept {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

}  // namespace

child_process::child_process(const std::filesystem::path& exe, const std::vector<std::string>& args,
                             const std::vector<std::string>& env, const child_limits& limits,
                             bool with_input) {
    // Everything the child needs is prepared before fork: after it, only async-signal-safe
    // calls (this process has many threads).
    std::vector<char*> argv;
    std::string exe_text = exe.string();
    argv.push_back(exe_text.data());
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);

    int out_pipe[2] = {-1, -1};
    int in_pipe[2] = {-1, -1};
    int dev_null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (dev_null < 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0 ||
        (with_input && ::pipe2(in_pipe, O_CLOEXEC) != 0)) {
        for (int fd : {dev_null, out_pipe[0], out_pipe[1], in_pipe[0], in_pipe[1]}) {
            if (fd >= 0) ::close(fd);
        }
        throw error(errc::unavailable, "cannot start a function runtime (no pipes)");
    }
    pid_t pid = ::fork();
    if (pid == 0) {
        ::setpgid(0, 0);
        ::dup2(dev_null, 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(out_pipe[1], 2);
        if (with_input) {
            ::dup2(in_pipe[0], 3);
        }
        // Every other descriptor of the server (sockets, database files) stays behind.
        ::syscall(SYS_close_range, with_input ? 4u : 3u, ~0u, 0u);
        set_limit(RLIMIT_NOFILE, limits.max_open_files);
        set_limit(RLIMIT_FSIZE, limits.max_file_bytes);
        set_limit(RLIMIT_CORE, 0);
        if (limits.max_data_bytes > 0) set_limit(RLIMIT_DATA, limits.max_data_bytes);
        if (limits.max_address_bytes > 0) set_limit(RLIMIT_AS, limits.max_address_bytes);
        if (limits.max_cpu_seconds > 0) set_limit(RLIMIT_CPU, limits.max_cpu_seconds);
        if (limits.max_processes > 0) set_limit(RLIMIT_NPROC, limits.max_processes);
        if (limits.run_as_uid != 0) {
            // RLIMIT_NPROC binds neither root nor a process with CAP_SYS_RESOURCE: the real
            // uid changes here, before exec (a uid inside a user namespace would not count).
            auto id = static_cast<uid_t>(limits.run_as_uid);
            if (::setgroups(0, nullptr) != 0 || ::setgid(static_cast<gid_t>(id)) != 0 ||
                ::setuid(id) != 0 || ::getuid() != id || ::geteuid() != id) {
                ::_exit(126);
            }
        }
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(dev_null);
    ::close(out_pipe[1]);
    if (with_input) ::close(in_pipe[0]);
    if (pid < 0) {
        ::close(out_pipe[0]);
        if (with_input) ::close(in_pipe[1]);
        throw error(errc::unavailable,
                    std::string("cannot start a function runtime: ") + std::strerror(errno));
    }
    // Also from here, in case the child has not run setpgid yet when we kill the group.
    ::setpgid(pid, pid);
    pid_ = pid;
    out_ = out_pipe[0];
    ::fcntl(out_, F_SETFL, ::fcntl(out_, F_GETFL) | O_NONBLOCK);
    if (with_input) {
        in_ = in_pipe[1];
        ::fcntl(in_, F_SETFL, ::fcntl(in_, F_GETFL) | O_NONBLOCK);
    }
}

child_process::~child_process() {
    kill_group();
    wait();
    close_quietly(out_);
    close_quietly(in_);
}

void child_process::close_input() noexcept { close_quietly(in_); }

void child_process::kill_group() noexcept {
    if (pid_ > 0 && !reaped_) ::kill(-pid_, SIGKILL);
}

int child_process::wait() noexcept {
    if (reaped_ || pid_ <= 0) return status_;
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    // Anything left in the group (there should be nothing: no subprocess permission).
    ::kill(-pid_, SIGKILL);
    reaped_ = true;
    status_ = status;
    return status_;
}

bool write_all(int fd, std::string_view data, std::chrono::steady_clock::time_point deadline) {
    // A write to a pipe whose reader died raises SIGPIPE, which would end the host process:
    // blocked in this thread for the write (SIGPIPE goes to the writing thread), and a
    // SIGPIPE this write raised is consumed, so EPIPE is all that remains.
    sigset_t pipe_set, old_set;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    sigset_t pending;
    sigpending(&pending);
    bool was_pending = sigismember(&pending, SIGPIPE) == 1;
    struct restore {
        sigset_t& pipe_set;
        sigset_t& old_set;
        bool was_pending;
        ~restore() {
            if (!was_pending) {
                sigset_t now;
                sigpending(&now);
                if (sigismember(&now, SIGPIPE) == 1) {
                    timespec zero{0, 0};
                    sigtimedwait(&pipe_set, nullptr, &zero);
                }
            }
            pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
        }
    } restore_mask{pipe_set, old_set, was_pending};
    while (!data.empty()) {
        auto n = ::write(fd, data.data(), data.size());
        if (n > 0) {
            data.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno != EAGAIN) return false;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        pollfd p{fd, POLLOUT, 0};
        ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
    }
    return true;
}

run_result run_to_end(const std::filesystem::path& exe, const std::vector<std::string>& args,
                      const std::vector<std::string>& env, const child_limits& limits,
                      std::chrono::milliseconds timeout, std::size_t max_output) {
    child_process child(exe, args, env, limits, false);
    run_result result;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buffer[16384];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            child.kill_group();
            break;
        }
        pollfd p{child.output_fd(), POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
        if (r <= 0) continue;
        auto n = ::read(child.output_fd(), buffer, sizeof buffer);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break;
        }
        auto room = max_output - std::min(max_output, result.output.size());
        result.output.append(buffer, std::min<std::size_t>(room, static_cast<std::size_t>(n)));
    }
    result.wait_status = child.wait();
    return result;
}

}  // namespace airsql::functions
