// SPDX-License-Identifier: Apache-2.0
// Token buckets by (action, key), in memory, for the account actions anyone can start.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "airsql/options.hpp"

namespace airsql::auth {

/// Thread-safe. Memory is bounded by `max_buckets`: past it, buckets that refilled completely
/// (the same as absent) are dropped; if that is not enough, the ones least recently used.
class rate_limiter {
public:
    using clock = std::chrono::steady_clock;

    explicit rate_limiter(std::size_t max_buckets) : max_buckets_(max_buckets) {}

    /// Takes one token from the bucket of (`action`, `key`) under `limit`, or throws
    /// `rate_limited_error` with the wait until the next token (and takes nothing).
    /// `what` names the action in the message ("login attempts from this address").
    void take(const rate_limit& limit, std::string_view action, std::string_view key,
              std::string_view what);

    /// Whether a token is available, without taking it; throws as `take` when not.
    void check(const rate_limit& limit, std::string_view action, std::string_view key,
               std::string_view what);

    /// Returns a token taken with `take` (capped at the burst): for limits that count only
    /// failures, whose token is reserved before the outcome is known.
    void give_back(const rate_limit& limit, std::string_view action, std::string_view key);

    /// For tests and benchmarks: the number of buckets held.
    std::size_t size();

private:
    struct bucket {
        double tokens = 0;
        clock::time_point updated;
    };
    void use(const rate_limit& limit, std::string_view action, std::string_view key,
             std::string_view what, bool consume);
    void shrink(clock::time_point now);

    std::mutex mutex_;
    std::unordered_map<std::string, bucket> buckets_;
    std::size_t max_buckets_;
    // The longest refill time of any limit used, to know when a bucket is surely full again.
    std::chrono::milliseconds longest_refill_{0};
};

/// The key of a client address for rate limits: IPv4 as is, IPv6 by its /64 prefix (one
/// client usually holds a whole /64).
std::string address_key(std::string_view address);

}  // namespace airsql::auth
