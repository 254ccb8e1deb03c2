// SPDX-License-Identifier: Apache-2.0
#include "graphql/response_cache.hpp"

namespace airsql::graphql {

std::optional<std::string> response_cache::get(const std::string& key) {
    if (!enabled()) return std::nullopt;
    std::lock_guard lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
}

void response_cache::put(const std::string& key, const std::string& body) {
    std::size_t size = key.size() + body.size();
    if (!enabled() || size > max_bytes_ / 16) return;  // huge responses are not worth it
    std::lock_guard lock(mutex_);
    if (bytes_ + size > max_bytes_) {
        // Entries of old data generations can never be hit again; starting over drops them.
        entries_.clear();
        bytes_ = 0;
    }
    if (entries_.emplace(key, body).second) bytes_ += size;
}

}  // namespace airsql::graphql
