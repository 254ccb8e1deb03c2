// SPDX-License-Identifier: Apache-2.0
#include "airsql/memory_only.hpp"

#include <time.h>

namespace airsql {

namespace {
thread_local int depth = 0;
thread_local bool inline_reads = false;
thread_local std::chrono::steady_clock::time_point inline_deadline{};
thread_local bool inline_overran = false;
thread_local std::chrono::microseconds inline_budget{};
thread_local std::chrono::nanoseconds inline_cpu_start{};

std::chrono::nanoseconds thread_cpu_time() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
}  // namespace

memory_only_scope::memory_only_scope() noexcept { ++depth; }
memory_only_scope::~memory_only_scope() { --depth; }
bool memory_only_scope::active() noexcept { return depth > 0; }

inline_read_scope::inline_read_scope(std::chrono::microseconds budget) noexcept {
    inline_reads = true;
    inline_overran = false;
    inline_budget = budget;
    inline_cpu_start = thread_cpu_time();
    inline_deadline = std::chrono::steady_clock::now() + budget;
}
inline_read_scope::~inline_read_scope() { inline_reads = false; }
bool inline_read_scope::active() noexcept { return inline_reads; }
std::chrono::steady_clock::time_point inline_read_scope::deadline() noexcept {
    return inline_deadline;
}
std::chrono::microseconds inline_read_scope::budget() noexcept { return inline_budget; }
std::chrono::nanoseconds inline_read_scope::cpu_used() noexcept {
    return thread_cpu_time() - inline_cpu_start;
}
bool inline_read_scope::last_overran() noexcept { return inline_overran; }
void inline_read_scope::note_overrun() noexcept { inline_overran = true; }

}  // namespace airsql
