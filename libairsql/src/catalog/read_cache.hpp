// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace airsql::catalog {

/// Memoized catalog reads, valid while the catalog's write generation is unchanged. Every
/// catalog write bumps the generation after it commits, so an entry read before a write can
/// never be served after it. Only this process writes the catalog (one engine per data
/// directory), so no outside change can be missed. Thread-safe.
template <class Key, class Value, class Hash = std::hash<Key>>
class read_cache {
public:
    /// The entry for `key` if it was read at generation `gen`.
    std::optional<Value> get(const Key& key, std::uint64_t gen) {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(key);
        if (it == entries_.end() || it->second.first != gen) return std::nullopt;
        return it->second.second;
    }

    /// Remembers `value`, read at generation `gen` (taken before the read began).
    void put(const Key& key, Value value, std::uint64_t gen) {
        std::lock_guard lock(mutex_);
        if (entries_.size() >= max_entries) entries_.clear();
        entries_.insert_or_assign(key, std::pair{gen, std::move(value)});
    }

private:
    static constexpr std::size_t max_entries = 20'000;
    std::mutex mutex_;
    std::unordered_map<Key, std::pair<std::uint64_t, Value>, Hash> entries_;
};

}  // namespace airsql::catalog
