// SPDX-License-Identifier: Apache-2.0
#include "functions/deno_host.hpp"

#include <fmt/format.h>
#include <poll.h>
#include <sodium.h>
#include <sys/wait.h>
#include <unistd.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cerrno>
#include <fstream>

#include "airsql/error.hpp"
#include "airsql/thread_name.hpp"

namespace airsql::functions {

namespace bj = boost::json;
using clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t max_noise = 4096;

std::string random_secret() {
    unsigned char bytes[16];
    randombytes_buf(bytes, sizeof bytes);
    std::string out;
    for (unsigned char b : bytes) out += fmt::format("{:02x}", b);
    return out;
}

}  // namespace

std::vector<std::string> deno_environment(const std::filesystem::path& folder) {
    return {"NO_COLOR=1", "DENO_NO_UPDATE_CHECK=1", "DENO_NO_PROMPT=1",
            "DENO_DIR=" + (folder / "deno_dir").string(), "HOME=" + folder.string()};
}

deno_host::deno_host(const options& opts, const std::filesystem::path& module_file,
                     const std::vector<std::string>& allowed_hosts,
                     std::chrono::milliseconds start_timeout)
    : secret_(random_secret()) {
    if (opts.deno_executable.empty()) {
        throw error(errc::unavailable, "functions are not available: no Deno is configured");
    }
    std::string hosts;
    for (const auto& h : allowed_hosts) {
        if (!hosts.empty()) hosts += ',';
        hosts += h;
    }
    auto runner_dir = opts.function_runner_dir;
    std::vector<std::string> args = {
        "run",
        "--no-prompt",
        "--no-config",
        "--no-lock",
        "--no-remote",
        "--no-npm",
        "--cached-only",
        "--unstable-worker-options",
        fmt::format("--allow-read={},{},/dev/fd/3", runner_dir.string(), module_file.string()),
        fmt::format("--v8-flags=--max-old-space-size={}", opts.function_heap_mib),
    };
    if (!hosts.empty()) args.push_back("--allow-net=" + hosts);
    args.push_back((runner_dir / "runner.js").string());
    args.push_back(module_file.string());
    args.push_back(hosts);
    bj::object limits{
        {"maxLogEntries", opts.function_max_log_entries},
        {"maxLogEntryBytes", opts.function_max_log_entry_bytes},
        {"maxResponseBytes", opts.max_function_response_bytes},
        {"maxConcurrent", opts.function_max_concurrent_calls},
    };
    args.push_back(bj::serialize(limits));
    child_limits cl;
    cl.max_open_files = opts.function_max_open_files;
    cl.max_file_bytes = 64u * 1024 * 1024;  // Deno's own caches in DENO_DIR; user code cannot write
    cl.max_data_bytes = opts.function_max_data_bytes;
    child_ = std::make_unique<child_process>(
        opts.deno_executable, args,
        deno_environment(module_file.parent_path().parent_path().parent_path()), cl, true);
    reader_ = std::thread([this] {
        name_this_thread("airsql-deno-out");
        read_loop();
    });
    auto deadline = clock::now() + start_timeout;
    if (!write_all(child_->input_fd(), secret_ + "\n", deadline)) {
        mark_dead(call_outcome::kind::crashed, "the function runtime did not start");
    }
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [&] { return ready_ || dead_; });
    if (!ready_) {
        auto why = dead_ ? death_message_ : std::string("it did not start in time");
        lock.unlock();
        child_->kill_group();
        if (reader_.joinable()) reader_.join();
        if (!noise_.empty()) why += " (" + noise_.substr(0, 300) + ")";
        throw error(errc::unavailable, "the function runtime could not start: " + why);
    }
}

deno_host::~deno_host() {
    child_->close_input();
    child_->kill_group();
    if (reader_.joinable()) reader_.join();
}

bool deno_host::alive() const {
    std::lock_guard lock(mutex_);
    return !dead_;
}

void deno_host::mark_dead(call_outcome::kind why, std::string message) {
    std::lock_guard lock(mutex_);
    if (dead_) return;
    dead_ = true;
    death_ = why;
    death_message_ = std::move(message);
    changed_.notify_all();
}

void deno_host::read_loop() {
    std::string buffer;
    char chunk[65536];
    const std::string marker = "\x1e" + secret_ + " ";
    for (;;) {
        pollfd p{child_->output_fd(), POLLIN, 0};
        int r = ::poll(&p, 1, 1000);
        if (r < 0 && errno != EINTR) break;
        if (r <= 0) continue;
        auto n = ::read(child_->output_fd(), chunk, sizeof chunk);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            break;
        }
        buffer.append(chunk, static_cast<std::size_t>(n));
        std::size_t start = 0;
        for (;;) {
            auto nl = buffer.find('\n', start);
            if (nl == std::string::npos) break;
            std::string_view line(buffer.data() + start, nl - start);
            auto at = line.find(marker);
            if (at != std::string_view::npos) {
                if (at > 0) noise_.assign(line.substr(0, std::min(at, max_noise)));
                dispatch(line.substr(at + marker.size()));
            } else if (!line.empty()) {
                noise_.assign(line.substr(0, std::min(line.size(), max_noise)));
            }
            start = nl + 1;
        }
        buffer.erase(0, start);
        // A line longer than any answer can be: the process is not speaking the protocol.
        if (buffer.size() > 64u * 1024 * 1024) {
            child_->kill_group();
            break;
        }
    }
    child_->kill_group();
    int status = child_->wait();
    bool oom = (WIFEXITED(status) && WEXITSTATUS(status) == 133) ||
               (WIFSIGNALED(status) && WTERMSIG(status) == SIGTRAP) ||
               noise_.find("out of memory") != std::string::npos ||
               noise_.find("heap limit") != std::string::npos;
    if (oom) {
        mark_dead(call_outcome::kind::out_of_memory,
                  "the function ran out of memory (the V8 heap limit) and its runtime was stopped");
    } else {
        mark_dead(call_outcome::kind::crashed,
                  fmt::format("the function runtime stopped (status {}{}{})", status,
                              noise_.empty() ? "" : ": ", noise_.substr(0, 300)));
    }
}

void deno_host::dispatch(std::string_view line) {
    boost::system::error_code ec;
    auto v = bj::parse(line, ec);
    if (ec || !v.is_object()) return;
    auto& o = v.as_object();
    const auto* t = o.if_contains("t");
    if (!t || !t->is_string()) return;
    std::lock_guard lock(mutex_);
    if (t->as_string() == "ready") {
        ready_ = true;
        changed_.notify_all();
        return;
    }
    const auto* id = o.if_contains("id");
    if (!id || !id->is_int64()) return;
    auto it = slots_.find(id->as_int64());
    if (it == slots_.end()) return;
    it->second->inbox.push_back(std::move(o));
    changed_.notify_all();
}

bool deno_host::send(const bj::object& message, clock::time_point deadline) {
    auto line = bj::serialize(message);
    line += '\n';
    std::lock_guard lock(write_mutex_);
    if (child_->input_fd() < 0) return false;
    return write_all(child_->input_fd(), line, deadline);
}

call_outcome deno_host::call(const bj::object& context, std::chrono::milliseconds timeout,
                             const request_handler& on_request) {
    auto s = std::make_shared<slot>();
    std::int64_t id = 0;
    {
        std::lock_guard lock(mutex_);
        id = next_id_++;
        slots_[id] = s;
    }
    struct unregister {
        deno_host& h;
        std::int64_t id;
        ~unregister() {
            std::lock_guard lock(h.mutex_);
            h.slots_.erase(id);
        }
    } cleanup{*this, id};
    // The runner stops the call's Worker at `timeout`; if it does not say so within a grace
    // period, the runner itself is stuck: its process group is killed.
    auto started = clock::now();
    auto hard_deadline = started + timeout + std::chrono::milliseconds(1500);
    call_outcome out;
    if (!send({{"t", "call"}, {"id", id}, {"context", context}, {"timeoutMs", timeout.count()}},
              hard_deadline)) {
        out.how = call_outcome::kind::crashed;
        out.error = "the function runtime does not accept calls";
        return out;
    }
    for (;;) {
        std::unique_lock lock(mutex_);
        changed_.wait_until(lock, hard_deadline, [&] { return !s->inbox.empty() || dead_; });
        if (!s->inbox.empty()) {
            auto m = std::move(s->inbox.front());
            s->inbox.pop_front();
            lock.unlock();
            auto t = m["t"].as_string();
            if (t == "done") {
                if (auto* l = m.if_contains("logs"); l && l->is_array()) out.logs = l->as_array();
                if (m["ok"].is_bool() && m["ok"].as_bool()) {
                    if (auto* r = m.if_contains("result"); r && r->is_object()) {
                        out.result = r->as_object();
                    }
                    return out;
                }
                auto kind = m.if_contains("kind");
                out.how = kind && kind->is_string() && kind->as_string() == "timeout"
                              ? call_outcome::kind::timeout
                              : call_outcome::kind::exception;
                if (auto* e = m.if_contains("error"); e && e->is_string()) {
                    out.error = std::string(e->as_string());
                }
                return out;
            }
            // A helper request: answered here, with the caller's rights; none once the call's
            // time is up (a function must not queue slow queries past its own limit).
            bj::object reply{{"t", "reply"}, {"id", id}, {"q", m["q"]}};
            if (clock::now() > started + timeout) {
                reply["ok"] = false;
                reply["error"] = "the function's time is up";
                send(reply, hard_deadline);
                continue;
            }
            try {
                reply["value"] = on_request(m);
                reply["ok"] = true;
            } catch (const error& e) {
                reply["ok"] = false;
                reply["error"] = e.what();
            } catch (const std::exception& e) {
                reply["ok"] = false;
                reply["error"] = e.what();
            }
            send(reply, hard_deadline);
            continue;
        }
        if (dead_) {
            out.how = death_;
            out.error = death_message_;
            return out;
        }
        // Past the hard deadline.
        lock.unlock();
        child_->kill_group();
        out.how = call_outcome::kind::timeout;
        out.error =
            fmt::format("the function ran longer than {} ms and was stopped", timeout.count());
        return out;
    }
}

runtime_pool::runtime_pool(const options& opts)
    : opts_(opts), folder_(opts.data_dir / "functions") {
    // Module files are copies of catalog rows: whatever a previous run left is stale.
    std::error_code ec;
    std::filesystem::remove_all(folder_ / "modules", ec);
}

runtime_pool::~runtime_pool() {
    std::lock_guard lock(mutex_);
    entries_.clear();
}

std::shared_ptr<deno_host> runtime_pool::get(const std::string& version_id,
                                             const std::string& content,
                                             const std::vector<std::string>& allowed_hosts) {
    std::shared_ptr<entry> e;
    std::vector<std::shared_ptr<entry>> evicted;
    {
        std::lock_guard lock(mutex_);
        auto& slot = entries_[version_id];
        if (!slot) slot = std::make_shared<entry>();
        e = slot;
        recent_.remove(version_id);
        recent_.push_front(version_id);
        while (recent_.size() > std::max<std::size_t>(opts_.function_max_warm_runtimes, 1)) {
            auto it = entries_.find(recent_.back());
            if (it != entries_.end()) {
                evicted.push_back(it->second);
                entries_.erase(it);
            }
            recent_.pop_back();
        }
    }
    evicted.clear();  // stopped outside the pool lock
    std::lock_guard start(e->start_mutex);
    if (e->host && e->host->alive() && e->hosts == allowed_hosts) return e->host;
    e->host.reset();
    // The module: read-only for the runtime, in a folder of its own.
    auto dir = folder_ / "modules" / version_id;
    std::filesystem::create_directories(dir);
    std::filesystem::create_directories(folder_ / "deno_dir");
    auto file = dir / "mod.ts";
    {
        std::ofstream f(file, std::ios::binary | std::ios::trunc);
        f.write(content.data(), static_cast<std::streamsize>(content.size()));
        if (!f) throw error(errc::unavailable, "cannot write the function's module");
    }
    e->host =
        std::make_shared<deno_host>(opts_, file, allowed_hosts, std::chrono::milliseconds(30'000));
    e->hosts = allowed_hosts;
    return e->host;
}

void runtime_pool::drop(const std::vector<std::string>& version_ids) {
    std::vector<std::shared_ptr<entry>> dropped;
    {
        std::lock_guard lock(mutex_);
        for (const auto& v : version_ids) {
            auto it = entries_.find(v);
            if (it == entries_.end()) continue;
            dropped.push_back(it->second);
            entries_.erase(it);
            recent_.remove(v);
        }
    }
}

}  // namespace airsql::functions
