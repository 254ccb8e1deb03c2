// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "airsql/thread_name.hpp"

namespace airsql::core {

/// Runs a function on its own thread every `interval` until destroyed (which waits for a run
/// in progress). Exceptions of the function are the function's business: it must not throw.
class periodic_task {
  public:
    periodic_task() = default;
    ~periodic_task() { stop(); }
    periodic_task(const periodic_task&) = delete;
    periodic_task& operator=(const periodic_task&) = delete;

    void start(std::chrono::milliseconds interval, std::function<void()> fn) {
        thread_ = std::thread([this, interval, fn = std::move(fn)] {
            name_this_thread("airsql-periodic");
            std::unique_lock lock(mutex_);
            while (!wake_.wait_for(lock, interval, [&] { return stopping_; })) {
                lock.unlock();
                fn();
                lock.lock();
            }
        });
    }

    void stop() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        wake_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

  private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace airsql::core
