// SPDX-License-Identifier: Apache-2.0
#include "auth/rate_limiter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "airsql/error.hpp"

namespace airsql::auth {

std::string address_key(std::string_view address) {
    if (address.find(':') == std::string_view::npos) return std::string(address);
    // Expand "::" only as far as needed for the first four groups.
    std::vector<std::string> groups;
    auto gap = address.find("::");
    auto head = gap == std::string_view::npos ? address : address.substr(0, gap);
    std::size_t pos = 0;
    while (pos <= head.size() && !head.empty()) {
        auto next = head.find(':', pos);
        if (next == std::string_view::npos) next = head.size();
        groups.emplace_back(head.substr(pos, next - pos));
        pos = next + 1;
    }
    while (groups.size() < 4) groups.emplace_back("0");
    return fmt::format("{}:{}:{}:{}::/64", groups[0], groups[1], groups[2], groups[3]);
}

void rate_limiter::take(const rate_limit& limit, std::string_view action, std::string_view key,
                        std::string_view what) {
    use(limit, action, key, what, true);
}

void rate_limiter::check(const rate_limit& limit, std::string_view action, std::string_view key,
                         std::string_view what) {
    use(limit, action, key, what, false);
}

void rate_limiter::give_back(const rate_limit& limit, std::string_view action,
                             std::string_view key) {
    if (limit.burst == 0) return;
    std::string id;
    id.append(action).append(1, '\n').append(key);
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(id);
    if (it == buckets_.end()) return;
    it->second.tokens = std::min<double>(limit.burst, it->second.tokens + 1.0);
}

std::size_t rate_limiter::size() {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

void rate_limiter::use(const rate_limit& limit, std::string_view action, std::string_view key,
                       std::string_view what, bool consume) {
    if (limit.burst == 0) return;
    auto refill = std::max(limit.refill_every, std::chrono::milliseconds(1));
    auto now = clock::now();
    std::string id;
    id.reserve(action.size() + 1 + key.size());
    id.append(action).append(1, '\n').append(key);
    std::lock_guard lock(mutex_);
    longest_refill_ = std::max(longest_refill_, refill * static_cast<int>(limit.burst));
    auto it = buckets_.find(id);
    if (it == buckets_.end()) {
        if (buckets_.size() >= max_buckets_) shrink(now);
        it = buckets_.emplace(std::move(id), bucket{double(limit.burst), now}).first;
    }
    auto& b = it->second;
    auto elapsed = std::chrono::duration<double, std::milli>(now - b.updated).count();
    b.tokens = std::min<double>(limit.burst, b.tokens + elapsed / double(refill.count()));
    b.updated = now;
    if (b.tokens < 1.0) {
        auto wait_ms = (1.0 - b.tokens) * double(refill.count());
        auto wait = std::chrono::seconds(static_cast<long long>(std::ceil(wait_ms / 1000.0)));
        throw rate_limited_error(
            fmt::format("too many {}; try again in {} s", what, std::max<long long>(1, wait.count())),
            wait);
    }
    if (consume) b.tokens -= 1.0;
}

void rate_limiter::shrink(clock::time_point now) {
    // Full buckets hold no information: drop them first.
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        it = now - it->second.updated >= longest_refill_ ? buckets_.erase(it) : std::next(it);
    }
    if (buckets_.size() < max_buckets_) return;
    // Still full (a flood of distinct keys): drop the least recently used half. Their
    // holders start again with a full bucket, which bounds memory at the price of leniency.
    std::vector<std::pair<clock::time_point, std::string>> by_age;
    by_age.reserve(buckets_.size());
    for (const auto& [k, b] : buckets_) by_age.emplace_back(b.updated, k);
    auto half = by_age.begin() + static_cast<std::ptrdiff_t>(by_age.size() / 2);
    std::nth_element(by_age.begin(), half, by_age.end());
    for (auto it = by_age.begin(); it != half; ++it) buckets_.erase(it->second);
}

}  // namespace airsql::auth
