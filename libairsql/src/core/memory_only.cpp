// SPDX-License-Identifier: Apache-2.0
#include "airsql/memory_only.hpp"

#include <time.h>

#include <cstdint>

#include "core/pending_commits.hpp"

namespace airsql {

namespace {
thread_local int depth = 0;
thread_local bool inline_active = false;
thread_local bool inline_writes = false;
thread_local std::chrono::steady_clock::time_point inline_deadline{};
thread_local std::chrono::steady_clock::time_point inline_wall_deadline{};
thread_local bool inline_overran = false;
thread_local std::chrono::microseconds inline_budget{};
thread_local std::chrono::nanoseconds inline_cpu_start{};
thread_local pending_commits::state* inline_pending = nullptr;

std::chrono::nanoseconds thread_cpu_time() noexcept {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}
}  // namespace

memory_only_scope::memory_only_scope() noexcept { ++depth; }
memory_only_scope::~memory_only_scope() { --depth; }
bool memory_only_scope::active() noexcept { return depth > 0; }

// ---- pending_commits ----

pending_commits::pending_commits() noexcept = default;
pending_commits::pending_commits(std::unique_ptr<state> s) noexcept : state_(std::move(s)) {}
pending_commits::pending_commits(pending_commits&&) noexcept = default;
pending_commits& pending_commits::operator=(pending_commits&& other) noexcept {
    if (this != &other) {
        wait();
        state_ = std::move(other.state_);
    }
    return *this;
}
pending_commits::~pending_commits() { wait(); }

bool pending_commits::empty() const noexcept { return !state_ || state_->commits.empty(); }

bool pending_commits::durable() const {
    if (!state_) return true;
    for (const auto& c : state_->commits) {
        if (!c.durable()) return false;
    }
    return true;
}

std::size_t pending_commits::sync_key() const noexcept {
    if (!state_ || state_->commits.empty()) return 0;
    // The address of the database's group commit, its bits mixed (MurmurHash3's finalizer):
    // allocations are aligned, so the low bits alone would send every database to one place.
    auto x = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(state_->commits.front().sync));
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return static_cast<std::size_t>(x);
}

namespace {
thread_local bool write_not_durable = false;
}  // namespace

void core::note_not_durable() noexcept { write_not_durable = true; }

bool take_durability_failure() noexcept {
    bool failed = write_not_durable;
    write_not_durable = false;
    return failed;
}

bool pending_commits::wait() {
    if (!state_) return true;
    auto commits = std::move(state_->commits);
    state_.reset();
    bool durable = true;
    for (auto& c : commits) durable = c.finish() && durable;  // noexcept in practice
    return durable;
}

// ---- inline_scope ----

inline_scope::inline_scope(std::chrono::microseconds budget, writes w) noexcept {
    inline_active = true;
    inline_writes = w == writes::allowed;
    inline_overran = false;
    inline_budget = budget;
    inline_cpu_start = thread_cpu_time();
    inline_deadline = std::chrono::steady_clock::now() + budget;
    inline_wall_deadline = std::chrono::steady_clock::now() + budget * wall_factor;
    try {
        pending_ = std::make_unique<pending_commits::state>();
    } catch (...) {
        inline_writes = false;  // nowhere to keep commits: no writes then
    }
    inline_pending = pending_.get();
}

inline_scope::~inline_scope() {
    inline_active = false;
    inline_writes = false;
    inline_pending = nullptr;
    if (!pending_commits(std::move(pending_)).wait()) core::note_not_durable();
}

bool inline_scope::active() noexcept { return inline_active; }
bool inline_scope::writes_allowed() noexcept { return inline_active && inline_writes; }
std::chrono::steady_clock::time_point inline_scope::deadline() noexcept { return inline_deadline; }

std::chrono::steady_clock::time_point inline_scope::wall_deadline() noexcept {
    return inline_wall_deadline;
}
std::chrono::microseconds inline_scope::budget() noexcept { return inline_budget; }
std::chrono::nanoseconds inline_scope::cpu_used() noexcept {
    return thread_cpu_time() - inline_cpu_start;
}
bool inline_scope::last_overran() noexcept { return inline_overran; }
void inline_scope::note_overrun() noexcept { inline_overran = true; }

bool inline_scope::committed() const noexcept { return pending_ && !pending_->commits.empty(); }

pending_commits inline_scope::take_pending_commits() noexcept {
    auto taken = pending_commits(std::move(pending_));
    try {
        pending_ = std::make_unique<pending_commits::state>();
    } catch (...) {
        inline_writes = false;
    }
    inline_pending = pending_.get();
    return taken;
}

namespace core {

void defer_commit(pending_commits::state::commit c) {
    // inline_pending is set whenever writes are allowed (they are refused without it).
    inline_pending->commits.push_back(std::move(c));
}

inline_writes_refused::inline_writes_refused() noexcept : saved_(inline_writes) {
    inline_writes = false;
}
inline_writes_refused::~inline_writes_refused() { inline_writes = saved_; }

}  // namespace core

}  // namespace airsql
