// SPDX-License-Identifier: Apache-2.0
#include "commit_waiter.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "airsql/thread_name.hpp"

namespace airsql::server {

commit_waiter::commit_waiter(unsigned threads) {
    for (unsigned i = 0; i < std::max(threads, 1u); ++i) {
        lanes_.push_back(std::make_unique<lane>());
    }
    for (std::size_t i = 0; i < lanes_.size(); ++i) {
        lanes_[i]->thread = std::thread([&l = *lanes_[i], i] {
            name_this_thread(fmt::format("airsql-commit-{}", i));
            run(l);
        });
    }
}

commit_waiter::~commit_waiter() { stop(); }

void commit_waiter::submit(pending_commits commits, std::function<void(bool durable)> done) {
    auto& l = *lanes_[commits.sync_key() % lanes_.size()];
    {
        std::lock_guard lock(l.mutex);
        if (!l.stopping) {
            l.queue.emplace_back(std::move(commits), std::move(done));
            l.wake.notify_one();
            return;
        }
    }
    bool durable = commits.wait();
    done(durable);
}

void commit_waiter::stop() {
    for (auto& l : lanes_) {
        std::lock_guard lock(l->mutex);
        l->stopping = true;
        l->wake.notify_all();
    }
    for (auto& l : lanes_) {
        if (l->thread.joinable()) l->thread.join();
    }
}

void commit_waiter::run(lane& l) {
    std::unique_lock lock(l.mutex);
    for (;;) {
        l.wake.wait(lock, [&l] { return l.stopping || !l.queue.empty(); });
        if (l.queue.empty()) return;  // stopping, and nothing left
        auto [commits, done] = std::move(l.queue.front());
        l.queue.pop_front();
        lock.unlock();
        bool durable = commits.wait();
        done(durable);
        lock.lock();
    }
}

}  // namespace airsql::server
