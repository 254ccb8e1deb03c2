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
    if (query.size() > max_document_bytes) return;
    std::lock_guard lock(mutex_);
    if (entries_.size() >= max_entries || bytes_ + weight(query) > max_bytes) {
        entries_.clear();
        bytes_ = 0;
    }
    if (entries_.insert_or_assign(query, entry{std::move(doc), s, {}}).second) bytes_ += weight(query);
}

std::shared_ptr<const query_plan> document_cache::find_plan(const std::string& query,
                                                            const std::shared_ptr<const schema>& s,
                                                            std::string_view operation,
                                                            std::string_view file_url_id) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(query);
    if (it == entries_.end() || it->second.valid_for.lock() != s) return nullptr;
    for (const auto& p : it->second.plans) {
        if (p.operation == operation && p.file_url_id == file_url_id) return p.plan;
    }
    return nullptr;
}

void document_cache::remember_plan(const std::string& query, const std::shared_ptr<const schema>& s,
                                   std::string_view operation, std::string_view file_url_id,
                                   std::shared_ptr<const query_plan> plan) {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(query);
    if (it == entries_.end() || it->second.valid_for.lock() != s) return;
    auto& plans = it->second.plans;
    if (plans.size() >= max_plans_per_document) plans.clear();
    for (auto& p : plans) {
        if (p.operation == operation && p.file_url_id == file_url_id) {
            p.plan = std::move(plan);
            return;
        }
    }
    plans.push_back({std::string(operation), std::string(file_url_id), std::move(plan)});
}

std::size_t document_cache::size() {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

std::size_t document_cache::weight_in_use() {
    std::lock_guard lock(mutex_);
    return bytes_;
}

}  // namespace airsql::graphql
