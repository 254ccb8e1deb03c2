// SPDX-License-Identifier: Apache-2.0
#include "inline_reads.hpp"

#include <functional>

namespace airsql::server {

std::uint64_t inline_reads_policy::key_of(std::string_view target, std::string_view body) noexcept {
    std::hash<std::string_view> h;
    return h(target) * 1000003u ^ h(body);
}

bool inline_reads_policy::should_try(std::uint64_t key, clock::time_point now) noexcept {
    if (budget_.count() == 0) return true;  // memory only: nothing to overrun
    if (now - second_start_ >= std::chrono::seconds(1)) {
        second_start_ = now;
        spent_this_second_ = {};
    }
    if (spent_this_second_ >= std::chrono::milliseconds(100)) return false;
    const auto& slot = overruns_[key % slots];
    return !(slot.key == key && now < slot.until);
}

void inline_reads_policy::refused(std::uint64_t key, bool overran, clock::duration took,
                                  clock::time_point now) noexcept {
    // A refusal up front (a mutation, a database or catalog entry not in memory, no idle
    // reader) is no overrun: the next such request is tried again.
    if (budget_.count() == 0 || !overran) return;
    overruns_[key % slots] = {key, now + remembered};
    spent_this_second_ += took;
}

void inline_reads_policy::answered_by_workers(std::uint64_t key, clock::duration took) noexcept {
    auto& slot = overruns_[key % slots];
    if (slot.key == key && took < budget_ / 2) slot = {};
}

}  // namespace airsql::server
