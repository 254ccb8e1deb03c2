// SPDX-License-Identifier: Apache-2.0
// When an I/O thread tries a request inline (airsql::inline_scope: cheap GraphQL reads
// without the hop to the worker pool) and when it hands the request straight to the workers.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace airsql::server {

/// One per I/O thread (not thread-safe). A request whose inline attempt overran the budget is
/// sent straight to the workers for a while (remembered by a hash of its target and body) or
/// until they answer it well within the budget, and a thread whose overruns cost it a tenth
/// of the current second stops trying until the next: a tenant sending only expensive reads costs the I/O threads at most that, and no
/// request holds an I/O thread longer than the budget.
class inline_reads_policy {
public:
    using clock = std::chrono::steady_clock;

    /// `budget` 0: inline answers only from memory (the response cache), never reads.
    explicit inline_reads_policy(std::chrono::microseconds budget) : budget_(budget) {}

    std::chrono::microseconds budget() const noexcept { return budget_; }

    /// The key remembered for a request.
    static std::uint64_t key_of(std::string_view target, std::string_view body) noexcept;

    /// Whether to try the request with this key inline now.
    bool should_try(std::uint64_t key, clock::time_point now) noexcept;

    /// After an attempt that ended without an answer, `took` long; `overran`: it was stopped
    /// at the budget (inline_scope::last_overran), not refused up front.
    void refused(std::uint64_t key, bool overran, clock::duration took,
                 clock::time_point now) noexcept;
    /// After the workers answered a request with this key, their handler taking `took` (wall
    /// time, its wait in the queue not counted). Well within the budget there, a remembered
    /// overrun was the moment's (a cold page cache, a checkpoint, a preempted thread), not the
    /// request's: the key is tried inline again. One overrun of a hot query otherwise sent a
    /// quarter of workload m's reads to the workers for 10 s.
    void answered_by_workers(std::uint64_t key, clock::duration took) noexcept;

private:
    struct overrun {
        std::uint64_t key = 0;
        clock::time_point until{};
    };
    static constexpr std::size_t slots = 1024;
    static constexpr std::chrono::seconds remembered{10};

    std::chrono::microseconds budget_;
    std::array<overrun, slots> overruns_{};  ///< direct-mapped by key; a clash forgets one
    clock::time_point second_start_{};
    clock::duration spent_this_second_{};
};

}  // namespace airsql::server
