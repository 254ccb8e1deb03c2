// SPDX-License-Identifier: Apache-2.0
#include "commit_waiter.hpp"

#include <algorithm>

namespace airsql::server {

commit_waiter::commit_waiter(unsigned threads) {
    for (unsigned i = 0; i < std::max(threads, 1u); ++i) threads_.emplace_back([this] { run(); });
}

commit_waiter::~commit_waiter() { stop(); }

void commit_waiter::submit(pending_commits commits, std::function<void()> done) {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) {
            queue_.emplace_back(std::move(commits), std::move(done));
            wake_.notify_one();
            return;
        }
    }
    commits.wait();
    done();
}

void commit_waiter::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        wake_.notify_all();
    }
    for (auto& t : threads_) t.join();
}

void commit_waiter::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopping, and nothing left
        auto [commits, done] = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        commits.wait();
        done();
        lock.lock();
    }
}

}  // namespace airsql::server
