// SPDX-License-Identifier: Apache-2.0
#include "functions/python_host.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "airsql/error.hpp"
#include "functions/child_process.hpp"
#include "json/utf8.hpp"

namespace airsql::functions {

namespace bj = boost::json;
using clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t max_noise = 4096;
constexpr std::chrono::milliseconds check_timeout{10'000};

std::string random_secret() {
    unsigned char bytes[16];
    randombytes_buf(bytes, sizeof bytes);
    std::string out;
    for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
    return out;
}

void require_python(const options& opts) {
    if (opts.python_executable.empty() || opts.bwrap_executable.empty()) {
        throw error(errc::unavailable,
                    "Python functions are not available: no python3 or bwrap is configured");
    }
}

std::string runner_source(const options& opts) {
    std::ifstream f(opts.function_runner_dir / "runner.py", std::ios::binary);
    std::ostringstream text;
    text << f.rdbuf();
    if (!f || text.str().empty()) {
        throw error(errc::unavailable, "Python functions are not available: runner.py not found");
    }
    return text.str();
}

// At most `max` bytes of well-formed UTF-8 (never a cut character).
std::string clip_utf8(std::string_view text, std::size_t max) {
    auto s = json::to_valid_utf8(std::string(text.substr(0, max + 4)));
    if (s.size() <= max) return s;
    s.resize(max);
    while (!s.empty() && json::first_invalid_utf8(s) != s.size()) s.pop_back();
    return s;
}

}  // namespace

python_sandbox::python_sandbox(const options& opts) : opts_(opts) {
    auto n = std::max<std::size_t>(opts.function_python_max_concurrent_calls, 1);
    for (std::uint32_t i = 0; i < n; ++i) free_.push_back(i);
}

std::size_t python_sandbox::per_tenant_limit() const {
    return std::max<std::size_t>(1, opts_.function_python_max_concurrent_calls / 2);
}

python_sandbox::acquired python_sandbox::acquire(clock::time_point deadline, bool spare_ok,
                                                 const std::string& tenant) {
    std::unique_lock lock(mutex_);
    ++waiting_;
    auto limit = per_tenant_limit();
    bool got = freed_.wait_until(lock, deadline, [&] {
        auto held = in_use_.find(tenant);
        if (held != in_use_.end() && held->second >= limit) return false;
        return (spare_ok && spare_) || !free_.empty();
    });
    --waiting_;
    if (!got) {
        auto held = in_use_.find(tenant);
        throw error(errc::deadline_exceeded,
                    held != in_use_.end() && held->second >= limit
                        ? fmt::format("this database's Python calls held all of its {} "
                                      "sandboxes for the function's whole time limit",
                                      limit)
                        : std::string("every Python sandbox stayed busy for the function's "
                                      "whole time limit"));
    }
    ++in_use_[tenant];
    acquired a;
    if (spare_ok && spare_) {
        a.spare = std::move(spare_);
        a.slot = a.spare->slot;
    } else {
        a.slot = free_.front();
        free_.pop_front();
    }
    return a;
}

void python_sandbox::give_slot(std::uint32_t slot) {
    std::lock_guard lock(mutex_);
    free_.push_back(slot);
    // Every waiter looks again: the first in line may be a tenant at its limit.
    freed_.notify_all();
}

void python_sandbox::release_tenant(const std::string& tenant) {
    std::lock_guard lock(mutex_);
    auto held = in_use_.find(tenant);
    if (held != in_use_.end() && --held->second == 0) in_use_.erase(held);
    freed_.notify_all();
}

std::vector<std::string> python_sandbox::bwrap_arguments() const {
    std::error_code ec;
    auto python = std::filesystem::canonical(opts_.python_executable, ec);
    if (ec) python = opts_.python_executable;
    std::vector<std::string> args = {
        // Every namespace; --unshare-user explicitly so that --disable-userns applies.
        "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
        "--clearenv", "--cap-drop", "ALL",
        // Only the interpreter and its libraries: no /bin (no shell), no /etc, no /home, no
        // data folder.
        "--ro-bind", "/usr/lib", "/usr/lib"};
    if (std::filesystem::exists("/usr/lib64")) {
        for (const char* a :
             {"--ro-bind", "/usr/lib64", "/usr/lib64", "--symlink", "usr/lib64", "/lib64"}) {
            args.emplace_back(a);
        }
    }
    for (const auto& a : std::vector<std::string>{
             "--ro-bind", python.string(), python.string(),
             "--symlink", "usr/lib",       "/lib",
             "--proc",    "/proc",         "--dev",
             "/dev",      "--size",        std::to_string(opts_.function_python_max_file_bytes),
             "--tmpfs",   "/tmp",          "--chdir",
             "/tmp",      "--hostname",    "airsql-function",
             "--uid",     "65534",         "--gid",
             "65534",     python.string()}) {
        args.push_back(a);
    }
    return args;
}

call_outcome python_sandbox::call(const std::string& module, const bj::object& context,
                                  std::chrono::milliseconds timeout,
                                  const request_handler& on_request, const std::string& tenant) {
    bj::object limits{
        {"maxLogEntries", opts_.function_max_log_entries},
        {"maxLogEntryBytes", opts_.function_max_log_entry_bytes},
        {"maxResponseBytes", opts_.max_function_response_bytes},
    };
    return run({{"t", "call"}, {"module", module}, {"context", context}, {"limits", limits}},
               timeout, on_request, tenant);
}

std::vector<function_diagnostic> python_sandbox::check(const std::string& module,
                                                       const std::string& tenant) {
    auto outcome = run(
        {{"t", "check"}, {"module", module}}, check_timeout,
        [](const bj::object&) -> bj::value {
            throw error(errc::invalid_argument, "no helpers while checking");
        },
        tenant);
    switch (outcome.how) {
        case call_outcome::kind::ok:
            return python_diagnostics(outcome.result);
        case call_outcome::kind::timeout:
            return {{"compiling took longer than 10 s and was stopped", std::nullopt, 0, 0, true}};
        case call_outcome::kind::out_of_memory:
            return {{"compiling ran out of memory", std::nullopt, 0, 0, true}};
        default:
            return {
                {"compiling failed: " + outcome.error.substr(0, 2000), std::nullopt, 0, 0, true}};
    }
}

std::unique_ptr<python_sandbox::started> python_sandbox::spawn(std::uint32_t slot) {
    auto args = bwrap_arguments();
    // Isolated mode (no environment, no user site, no current folder on the path), no
    // bytecode files, the runner as a command.
    for (const char* a : {"-I", "-B", "-c"}) args.emplace_back(a);
    args.push_back(runner_source(opts_));
    child_limits cl;
    cl.max_open_files = opts_.function_max_open_files;
    cl.max_file_bytes = opts_.function_python_max_file_bytes;
    cl.max_address_bytes = opts_.function_python_address_bytes;
    cl.max_processes = opts_.function_python_max_processes;
    // CPU seconds from the start (a spare sandbox waits without using any).
    cl.max_cpu_seconds = static_cast<std::uint64_t>(
        std::max(opts_.function_timeout, check_timeout).count() / 1000 + 2);
    cl.run_as_uid = opts_.function_python_uid_base + slot;
    if (cl.run_as_uid == 0) cl.run_as_uid = 65534;
    if (::geteuid() != 0) {
        // Not root: the uid cannot change, and RLIMIT_NPROC would count the server's own
        // threads and processes (it would refuse the sandbox, not a fork bomb). The time
        // limit and the pid namespace remain; see docs/decisions.md.
        cl.run_as_uid = 0;
        cl.max_processes = 0;
    }
    auto s = std::make_unique<started>();
    s->slot = slot;
    s->secret = random_secret();
    s->child = std::make_unique<child_process>(opts_.bwrap_executable, args,
                                               std::vector<std::string>{}, cl, true);
    // The secret fits in the pipe's buffer: this does not wait for python3.
    write_all(s->child->input_fd(), s->secret + "\n", clock::now() + std::chrono::seconds(1));
    return s;
}

void python_sandbox::refill_spare() {
    std::uint32_t slot = 0;
    {
        std::lock_guard lock(mutex_);
        // Callers waiting for a slot take it directly: a spare would not be quicker.
        if (spare_ || spare_starting_ || free_.empty() || waiting_ > 0) return;
        slot = free_.front();
        free_.pop_front();
        spare_starting_ = true;
    }
    std::unique_ptr<started> s;
    try {
        s = spawn(slot);
    } catch (const std::exception&) {
    }
    std::lock_guard lock(mutex_);
    spare_starting_ = false;
    if (s) {
        spare_ = std::move(s);
        freed_.notify_one();  // a caller that came meanwhile takes it
    } else {
        free_.push_back(slot);
        freed_.notify_one();
    }
}

void python_sandbox::request_spare() {
    std::lock_guard lock(mutex_);
    if (!refiller_.joinable()) {
        refiller_ = std::thread([this] {
            std::unique_lock lock(mutex_);
            for (;;) {
                refill_wanted_.wait(lock, [&] { return stopping_ || wants_spare_; });
                if (stopping_) return;
                wants_spare_ = false;
                lock.unlock();
                refill_spare();
                lock.lock();
            }
        });
    }
    wants_spare_ = true;
    refill_wanted_.notify_one();
}

python_sandbox::~python_sandbox() {
    std::unique_ptr<started> s;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        refill_wanted_.notify_all();
    }
    if (refiller_.joinable()) refiller_.join();
    std::lock_guard lock(mutex_);
    s = std::move(spare_);
}

call_outcome python_sandbox::run(const bj::object& request, std::chrono::milliseconds timeout,
                                 const request_handler& on_request, const std::string& tenant) {
    require_python(opts_);
    // Past the limit the sandbox is killed; waiting for a free one counts against it too.
    auto deadline = clock::now() + timeout;
    for (int attempt = 0;; ++attempt) {
        // The spare sandbox (started after the previous call, its python3 already waiting),
        // else a new one. Either serves this one call only.
        auto got = acquire(deadline, attempt == 0, tenant);
        // The tenant's share is given back however this attempt ends.
        struct tenant_share {
            python_sandbox* self;
            const std::string& tenant;
            ~tenant_share() { self->release_tenant(tenant); }
        } share{this, tenant};
        std::unique_ptr<started> s = std::move(got.spare);
        bool spare = s != nullptr;
        if (!s) {
            try {
                s = spawn(got.slot);
            } catch (...) {
                give_slot(got.slot);
                throw;
            }
        }
        auto slot = s->slot;
        std::optional<call_outcome> out;
        std::optional<error> failure;
        try {
            out = talk(*s, request, deadline, timeout, on_request);
        } catch (const error& e) {
            failure = e;
        } catch (...) {
            s.reset();
            give_slot(slot);
            throw;
        }
        s.reset();  // the sandbox and everything in it are gone before its uid is reused
        give_slot(slot);
        // The next spare starts on the refiller thread, not on this call's time.
        request_spare();
        if (out) return *out;
        // A spare that died while waiting: once more with a new sandbox.
        if (spare && failure->code() == errc::unavailable) continue;
        throw *failure;
    }
}

call_outcome python_sandbox::talk(started& s, const bj::object& request, clock::time_point deadline,
                                  std::chrono::milliseconds timeout,
                                  const request_handler& on_request) {
    call_outcome out;
    auto& child = *s.child;
    const std::string marker = "\x1e" + s.secret + " ";
    auto send = [&](const bj::object& message) {
        return child.input_fd() >= 0 &&
               write_all(child.input_fd(), bj::serialize(message) + "\n", deadline);
    };
    const std::size_t max_line =
        opts_.max_function_response_bytes * 2 +
        opts_.function_max_log_entries * (opts_.function_max_log_entry_bytes * 6 + 200) +
        (1u << 20);
    bool ready = false;
    bool done = false;
    bool timed_out = false;
    std::string noise;
    // When the sandbox ended before reading, its output says why (below).
    send(request);
    std::string buffer;
    char chunk[65536];
    auto handle = [&](std::string_view line) {
        boost::system::error_code ec;
        auto v = bj::parse(line, ec);
        if (ec || !v.is_object()) return;
        auto& m = v.as_object();
        const auto* t = m.if_contains("t");
        if (!t || !t->is_string()) return;
        if (t->as_string() == "ready") {
            ready = true;
        } else if (t->as_string() == "done") {
            done = true;
            if (auto* l = m.if_contains("logs"); l && l->is_array()) out.logs = l->as_array();
            if (auto* ok = m.if_contains("ok"); ok && ok->is_bool() && ok->as_bool()) {
                if (auto* r = m.if_contains("result"); r && r->is_object()) {
                    out.result = r->as_object();
                }
                return;
            }
            auto* kind = m.if_contains("kind");
            out.how = kind && kind->is_string() && kind->as_string() == "out_of_memory"
                          ? call_outcome::kind::out_of_memory
                          : call_outcome::kind::exception;
            if (auto* e = m.if_contains("error"); e && e->is_string()) {
                out.error = std::string(e->as_string());
            }
        } else if (t->as_string() == "sql" || t->as_string() == "graphql") {
            bj::object reply{{"t", "reply"}, {"q", m.contains("q") ? m["q"] : bj::value()}};
            if (clock::now() > deadline) {
                reply["ok"] = false;
                reply["error"] = "the function's time is up";
            } else {
                try {
                    reply["value"] = on_request(m);
                    reply["ok"] = true;
                } catch (const std::exception& e) {
                    reply["ok"] = false;
                    reply["error"] = e.what();
                }
            }
            send(reply);
        }
    };
    while (!done) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{child.output_fd(), POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 1000)));
        if (r < 0 && errno != EINTR) break;
        if (r <= 0) continue;
        auto n = ::read(child.output_fd(), chunk, sizeof chunk);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break;
        }
        buffer.append(chunk, static_cast<std::size_t>(n));
        std::size_t start = 0;
        while (!done) {
            auto nl = buffer.find('\n', start);
            if (nl == std::string::npos) break;
            std::string_view line(buffer.data() + start, nl - start);
            auto at = line.find(marker);
            if (at != std::string_view::npos) {
                if (at > 0) noise.assign(line.substr(0, std::min(at, max_noise)));
                handle(line.substr(at + marker.size()));
            } else if (!line.empty()) {
                noise.assign(line.substr(0, std::min(line.size(), max_noise)));
            }
            start = nl + 1;
        }
        buffer.erase(0, start);
        // Longer than any answer can be (the body in base64, the logs): not the protocol.
        if (buffer.size() > max_line) break;
    }
    // Whatever is left in the sandbox (threads, forked children) goes with it: bwrap's
    // process group, then its pid namespace (--die-with-parent).
    child.close_input();
    child.kill_group();
    int status = child.wait();
    if (done) return out;
    if (timed_out) {
        out.how = call_outcome::kind::timeout;
        out.error =
            fmt::format("the function ran longer than {} ms and was stopped", timeout.count());
        return out;
    }
    noise = json::to_valid_utf8(noise.substr(0, 300));
    if (!ready) {
        // The sandbox never started: bwrap could not create its namespaces or mounts, or the
        // uid could not be dropped (126), or an executable is missing (127).
        std::string why = noise.empty() ? fmt::format("status {}", status) : noise;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 126 && noise.empty()) {
            why = "cannot drop to an unprivileged uid";
        }
        throw error(errc::unavailable, "the Python sandbox cannot start: " + why);
    }
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGXCPU) {
        out.how = call_outcome::kind::timeout;
        out.error = "the function used more CPU time than its limit and was stopped";
        return out;
    }
    out.how = call_outcome::kind::crashed;
    out.error = fmt::format("the Python process ended without an answer (status {}{}{})",
                            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                            noise.empty() ? "" : ": ", noise);
    if (noise.find("MemoryError") != std::string::npos) {
        out.how = call_outcome::kind::out_of_memory;
        out.error = "the function ran out of memory (the address space limit) and was stopped";
    }
    return out;
}

std::vector<function_diagnostic> python_diagnostics(const bj::object& result) {
    std::vector<function_diagnostic> out;
    const auto* list = result.if_contains("diagnostics");
    if (!list || !list->is_array()) return out;
    for (const auto& d : list->as_array()) {
        if (!d.is_object() || out.size() >= 100) continue;
        const auto& o = d.as_object();
        function_diagnostic x;
        if (auto* m = o.if_contains("message"); m && m->is_string()) {
            x.message = clip_utf8(m->as_string(), 2000);
        }
        if (auto* c = o.if_contains("code"); c && c->is_string()) {
            x.code = clip_utf8(c->as_string(), 100);
        }
        if (auto* l = o.if_contains("line"); l && l->is_int64()) {
            x.line = std::max<std::int64_t>(l->as_int64(), 0);
        }
        if (auto* c = o.if_contains("column"); c && c->is_int64()) {
            x.column = std::max<std::int64_t>(c->as_int64(), 0);
        }
        if (auto* s = o.if_contains("syntax"); s && s->is_bool()) x.syntax = s->as_bool();
        out.push_back(std::move(x));
    }
    return out;
}

}  // namespace airsql::functions
