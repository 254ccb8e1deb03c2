// SPDX-License-Identifier: Apache-2.0
#include "graphql/document_cache.hpp"

namespace airsql::graphql {

std::shared_ptr<const document> document_cache::find(const std::string& query,
                                                     const std::shared_ptr<const schema>& s) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(query);
    if (it == entries_.end() || it->second.valid_for.lock() != s) return nullptr;
    return it->second.doc;
}

void document_cache::remember(const std::string& query, std::shared_ptr<const document> doc,
                              const std::shared_ptr<const schema>& s) {
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries) entries_.clear();
    entries_.insert_or_assign(query, entry{std::move(doc), s});
}

}  // namespace airsql::graphql
