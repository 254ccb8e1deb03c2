// SPDX-License-Identifier: Apache-2.0
// The server's worker pool, fair between principals: one principal's slow requests queue
// behind each other instead of taking every worker.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace airsql::server {

struct fair_scheduler_options {
    /// Threads that run any key's jobs. At least 1.
    std::size_t workers = 4;
    /// Further threads that only run the job of a light key, so an occasional client finds a
    /// thread while heavy keys keep every worker busy. Light jobs prefer them.
    std::size_t spare_workers = 2;
    /// Further threads that only run jobs submitted as `cheap` (bounded work whatever the
    /// data: logins, sign-ups), so a login never waits behind slow queries, not even behind
    /// the first slow query of a key that looked light until then.
    std::size_t cheap_workers = 1;
    /// Spare threads added on demand, at most: when a light key's job finds no idle spare
    /// while spares run jobs past `long_job` of wall time (a key that looked light sent a slow
    /// request, which cannot be preempted), one more spare thread starts, for good.
    std::size_t max_extra_spares = 4;
    /// Jobs of one key running at once. At least 1.
    std::size_t per_key_limit = 2;
    /// Nice value added to the `workers` threads (Linux: per thread; 0 leaves them alone). Under
    /// CPU contention, light keys' jobs on the spare threads then go first; without contention
    /// it changes nothing.
    int worker_nice = 0;
    /// A key is heavy (not light) for this long after it sent a request while another of its
    /// requests was queued or running, or after one of its jobs used more CPU time than
    /// `long_job` (CPU, not wall time: under contention a short job may wait long).
    std::chrono::milliseconds heavy_for{5000};
    std::chrono::milliseconds long_job{250};
    /// How long an idle key's history (light or heavy) is remembered, and how many idle keys
    /// at most; a forgotten key starts over as unproven (not light until a short job ends).
    std::chrono::seconds remember_for{60};
    std::size_t remembered_keys = 4096;
};

/// Runs jobs on a fixed set of threads, fairly between keys (principals). Each key has a FIFO
/// queue and keys take turns (round-robin); a key runs at most `per_key_limit` jobs at once.
/// The spare threads run light keys only — one job queued, nothing running, a short job done
/// before and nothing heavy lately (no concurrent or long jobs) — so however busy heavy keys
/// keep the workers, a key that asks for one short thing at a time finds a thread.
/// Thread-safe; jobs must not throw (an exception is swallowed to keep the thread alive).
class fair_scheduler {
  public:
    explicit fair_scheduler(fair_scheduler_options opts);
    /// Calls stop().
    ~fair_scheduler();
    fair_scheduler(const fair_scheduler&) = delete;
    fair_scheduler& operator=(const fair_scheduler&) = delete;

    /// Queues a job behind the other jobs of `key`: `work` runs on a thread of the pool, then
    /// `done(true)` on the same thread once the job is counted as finished (so a client that
    /// answers with its next request finds its key idle). When stop() comes first, only
    /// `done(false)` is called, at once; it should then answer quickly (e.g. 503).
    /// `cheap` marks a job whose cost does not depend on user data (it may also run on the
    /// cheap threads).
    void submit(std::string key, std::function<void()> work, std::function<void(bool ran)> done,
                bool cheap = false);

    /// Calls `done(false)` of every queued job, waits for the running ones and joins the
    /// threads. Idempotent; not to be called from a job.
    void stop();

    const fair_scheduler_options& options() const noexcept { return opts_; }

  private:
    using clock = std::chrono::steady_clock;
    struct job {
        std::function<void()> work;
        std::function<void(bool ran)> done;
        bool cheap = false;
    };
    enum class lane { worker, spare, cheap };
    struct key_state {
        std::deque<job> queue;
        std::size_t running = 0;
        clock::time_point heavy_until{};
        clock::time_point last_seen{};
        bool proven = false;  ///< one of its jobs finished within long_job
        bool is_idle() const noexcept { return running == 0 && queue.empty(); }
        bool is_light(clock::time_point now) const noexcept {
            return running == 0 && queue.size() == 1 && proven && now >= heavy_until;
        }
    };

    void work(lane kind);
    // The next key (in turn order) whose job a thread of `kind` may start now; ready_.end()
    // when none. Needs mutex_.
    std::deque<std::string>::iterator next_ready(lane kind);
    void wake_one_of_each();
    // Wakes the threads that may take a job of `state` just queued. Needs mutex_.
    void wake_for(const key_state& state, bool cheap, clock::time_point now);
    void forget_idle_keys(clock::time_point now);
    // Starts one more spare thread if a light job waits while spares are held by slow jobs.
    // Needs mutex_.
    void add_spare_if_held(const key_state& state, clock::time_point now);

    fair_scheduler_options opts_;
    std::mutex mutex_;
    std::condition_variable wake_workers_;
    std::condition_variable wake_spares_;
    std::condition_variable wake_cheap_;
    std::unordered_map<std::string, key_state> keys_;
    std::deque<std::string> ready_;  ///< keys with queued jobs, each once, in turn order
    std::size_t idle_spares_ = 0;
    std::list<clock::time_point> spare_jobs_started_;  ///< one entry per job on a spare thread
    std::size_t extra_spares_ = 0;
    std::size_t submitted_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace airsql::server
