// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace airsql::graphql {

/// Complete GraphQL responses of read-only operations, by a key that names everything the
/// response depends on: the database and its data generation (which moves after every
/// write), the schema version, the access mode, the introspection view, the file URL id,
/// the document, the operation and the variables. Bounded by total bytes; thread-safe.
class response_cache {
public:
    explicit response_cache(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    std::optional<std::string> get(const std::string& key);
    void put(const std::string& key, const std::string& body);
    bool enabled() const noexcept { return max_bytes_ > 0; }

private:
    std::size_t max_bytes_;
    std::size_t bytes_ = 0;
    std::mutex mutex_;
    std::unordered_map<std::string, std::string> entries_;
};

}  // namespace airsql::graphql
