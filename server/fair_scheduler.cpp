// SPDX-License-Identifier: Apache-2.0
#include "fair_scheduler.hpp"

#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "airsql/thread_name.hpp"

namespace airsql::server {

namespace {

// CPU time the calling thread has used so far.
std::chrono::nanoseconds thread_cpu_time() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

}  // namespace

fair_scheduler::fair_scheduler(fair_scheduler_options opts) : opts_(opts) {
    opts_.workers = std::max<std::size_t>(1, opts_.workers);
    opts_.per_key_limit = std::max<std::size_t>(1, opts_.per_key_limit);
    auto threads = opts_.workers + opts_.spare_workers + opts_.cheap_workers;
    threads_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) {
        lane kind = i < opts_.workers                         ? lane::worker
                    : i < opts_.workers + opts_.spare_workers ? lane::spare
                                                              : lane::cheap;
        threads_.emplace_back([this, kind, i] {
            name_this_thread(fmt::format("airsql-{}-{}", kind == lane::worker  ? "work"
                                                           : kind == lane::spare ? "spare"
                                                                                 : "cheap",
                                         i));
            // Best effort: a failure leaves the thread at the process's priority.
            if (kind == lane::worker && opts_.worker_nice != 0) {
                setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()),
                            getpriority(PRIO_PROCESS, 0) + opts_.worker_nice);
            }
            work(kind);
        });
    }
}

fair_scheduler::~fair_scheduler() { stop(); }

void fair_scheduler::wake_one_of_each() {
    wake_spares_.notify_one();
    wake_workers_.notify_one();
    wake_cheap_.notify_one();
}

// Wakes only threads that may take this job (each wake-up of a thread that finds nothing is
// two context switches and a turn on the mutex): a spare for a light key when one is idle
// (workers leave light keys to idle spares), else a worker, and a cheap thread for a cheap job.
// A key at its limit is not woken for: the end of one of its jobs wakes (or is) the thread.
void fair_scheduler::wake_for(const key_state& state, bool cheap, clock::time_point now) {
    if (state.is_light(now) && idle_spares_ > 0) {
        wake_spares_.notify_one();
        // More light keys waiting than idle spares: a worker may take one once none idles.
        auto light = std::count_if(ready_.begin(), ready_.end(),
                                   [&](const std::string& k) { return keys_.at(k).is_light(now); });
        if (static_cast<std::size_t>(light) > idle_spares_) wake_workers_.notify_one();
    } else if (state.running < opts_.per_key_limit) {
        wake_workers_.notify_one();
    }
    if (cheap) wake_cheap_.notify_one();
}

void fair_scheduler::submit(std::string key, std::function<void()> work,
                            std::function<void(bool ran)> done, bool cheap) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            auto now = clock::now();
            if (++submitted_ % 256 == 0) forget_idle_keys(now);
            auto& state = keys_[key];
            state.last_seen = now;
            if (state.running > 0 || !state.queue.empty())
                state.heavy_until = now + opts_.heavy_for;
            if (state.queue.empty()) ready_.push_back(std::move(key));
            state.queue.push_back({std::move(work), std::move(done), cheap});
            add_spare_if_held(state, now);
            wake_for(state, cheap, now);
            return;
        }
    }
    done(false);
}

void fair_scheduler::add_spare_if_held(const key_state& state, clock::time_point now) {
    if (!state.is_light(now) || idle_spares_ > 0 || extra_spares_ >= opts_.max_extra_spares) {
        return;
    }
    auto held =
        std::count_if(spare_jobs_started_.begin(), spare_jobs_started_.end(),
                      [&](clock::time_point started) { return now - started > opts_.long_job; });
    if (held == 0) return;
    ++extra_spares_;
    threads_.emplace_back([this, n = threads_.size()] {
        name_this_thread(fmt::format("airsql-spare-{}", n));
        work(lane::spare);
    });
}

// Idle keys are remembered for a while (light or heavy), then dropped; all idle ones when
// too many are remembered.
void fair_scheduler::forget_idle_keys(clock::time_point now) {
    std::erase_if(keys_, [&](const auto& entry) {
        const auto& state = entry.second;
        return state.is_idle() && now >= state.heavy_until &&
               now - state.last_seen >= opts_.remember_for;
    });
    if (keys_.size() > opts_.remembered_keys) {
        std::erase_if(keys_, [](const auto& entry) { return entry.second.is_idle(); });
    }
}

std::deque<std::string>::iterator fair_scheduler::next_ready(lane kind) {
    auto now = clock::now();
    return std::find_if(ready_.begin(), ready_.end(), [&](const std::string& key) {
        const auto& state = keys_.at(key);
        switch (kind) {
            case lane::cheap:
                return state.queue.front().cheap && state.running < opts_.per_key_limit;
            case lane::spare:
                return state.is_light(now);
            case lane::worker:
                // A worker leaves light keys to idle spare threads, and takes the others in
                // turn.
                if (state.is_light(now)) return idle_spares_ == 0;
                return state.running < opts_.per_key_limit;
        }
        return false;
    });
}

void fair_scheduler::work(lane kind) {
    bool spare = kind == lane::spare;
    auto& wake = spare ? wake_spares_ : kind == lane::cheap ? wake_cheap_ : wake_workers_;
    std::unique_lock lock(mutex_);
    for (;;) {
        auto it = ready_.end();
        if (spare) ++idle_spares_;
        wake.wait(lock, [&] { return stopping_ || (it = next_ready(kind)) != ready_.end(); });
        if (spare) --idle_spares_;
        if (stopping_) return;

        // Take the key's oldest job; the key goes to the back of the turn order.
        std::string key = std::move(*it);
        ready_.erase(it);
        auto& state = keys_.at(key);
        job j = std::move(state.queue.front());
        state.queue.pop_front();
        if (!state.queue.empty()) ready_.push_back(key);
        ++state.running;

        std::optional<std::list<clock::time_point>::iterator> spare_job;
        if (spare) spare_job = spare_jobs_started_.insert(spare_jobs_started_.end(), clock::now());

        lock.unlock();
        auto cpu_before = thread_cpu_time();
        try {
            j.work();
        } catch (...) {
        }
        j.work = nullptr;  // release what the work holds outside the lock
        auto cpu_used = thread_cpu_time() - cpu_before;
        auto finished = clock::now();
        lock.lock();

        if (spare_job) spare_jobs_started_.erase(*spare_job);
        auto& state_now = keys_.at(key);
        if (cpu_used > opts_.long_job) {
            state_now.heavy_until = finished + opts_.heavy_for;
        } else {
            state_now.proven = true;
        }
        state_now.last_seen = finished;
        --state_now.running;
        // The finished job may have made its key light, or let it below its limit again. This
        // thread looks for work itself before it waits again; others are woken only for what it
        // cannot take: a light key while spares idle, a second ready key, any key when this
        // is not a worker, a cheap job.
        if (!ready_.empty()) {
            if (state_now.is_light(finished) && idle_spares_ > 0) wake_spares_.notify_one();
            if (kind != lane::worker || ready_.size() > 1) wake_workers_.notify_one();
            if (kind != lane::cheap &&
                std::any_of(ready_.begin(), ready_.end(), [&](const std::string& k) {
                    return keys_.at(k).queue.front().cheap;
                })) {
                wake_cheap_.notify_one();
            }
        }

        lock.unlock();
        try {
            j.done(true);
        } catch (...) {
        }
        j.done = nullptr;
        lock.lock();
    }
}

void fair_scheduler::stop() {
    std::vector<job> dropped;
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) return;
        stopping_ = true;
        for (auto& [key, state] : keys_) {
            for (auto& j : state.queue) dropped.push_back(std::move(j));
            state.queue.clear();
        }
        ready_.clear();
    }
    wake_spares_.notify_all();
    wake_workers_.notify_all();
    wake_cheap_.notify_all();
    for (auto& j : dropped) {
        try {
            j.done(false);
        } catch (...) {
        }
    }
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
    threads_.clear();
}

}  // namespace airsql::server
