// SPDX-License-Identifier: Apache-2.0
#include "graphql/persisted_queries.hpp"

#include <sodium.h>

#include <array>

namespace airsql::graphql {

namespace {

std::string key_of(std::string_view db_id, std::string_view hash) {
    std::string key(db_id);
    key += '\n';
    key += hash;
    return key;
}

std::string sha256_hex(std::string_view text) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(text.data()),
                       text.size());
    std::array<char, crypto_hash_sha256_BYTES * 2 + 1> hex{};
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    return std::string(hex.data(), crypto_hash_sha256_BYTES * 2);
}

// The error shape Apollo's persisted-query link looks for: the message, and the code in
// `extensions`.
std::string apq_error(std::string_view message, std::string_view code, bool with_null_data) {
    std::string body = with_null_data ? "{\"data\":null," : "{";
    body += "\"errors\":[{\"message\":\"";
    body += message;
    body += "\",\"extensions\":{\"code\":\"";
    body += code;
    body += "\"}}]}";
    return body;
}

}  // namespace

std::optional<std::string> persisted_queries::find(std::string_view db_id,
                                                   std::string_view hash) {
    std::lock_guard lock(mutex_);
    auto it = index_.find(key_of(db_id, hash));
    if (it == index_.end()) return std::nullopt;
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->query;
}

void persisted_queries::remember(std::string_view db_id, std::string_view hash,
                                 const std::string& query) {
    entry fresh{key_of(db_id, hash), query};
    auto w = weight(fresh);
    if (w > max_bytes_) return;
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(fresh.key); it != index_.end()) {
        entries_.splice(entries_.begin(), entries_, it->second);
        return;
    }
    while (bytes_ + w > max_bytes_ && !entries_.empty()) {
        bytes_ -= weight(entries_.back());
        index_.erase(entries_.back().key);
        entries_.pop_back();
    }
    entries_.push_front(std::move(fresh));
    index_.emplace(entries_.front().key, entries_.begin());
    bytes_ += w;
}

std::size_t persisted_queries::size() {
    std::lock_guard lock(mutex_);
    return entries_.size();
}

std::optional<graphql_response> resolve_persisted_query(persisted_queries& store,
                                                        std::string_view db_id,
                                                        const graphql_request& sent,
                                                        std::optional<graphql_request>& resolved) {
    if (sent.persisted_query_hash.empty()) return std::nullopt;
    const bool with_null_data = !sent.request_errors_without_data;
    if (!store.enabled()) {
        if (!sent.query.empty()) return std::nullopt;  // runs as an ordinary request
        return graphql_response{apq_error("PersistedQueryNotSupported",
                                          "PERSISTED_QUERY_NOT_SUPPORTED", with_null_data),
                                false, false};
    }
    if (sent.query.empty()) {
        auto query = store.find(db_id, sent.persisted_query_hash);
        if (!query) {
            return graphql_response{
                apq_error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND", with_null_data),
                false, false};
        }
        resolved = sent;
        resolved->query = std::move(*query);
        return std::nullopt;
    }
    if (sha256_hex(sent.query) != sent.persisted_query_hash) {
        return graphql_response{
            apq_error("provided sha does not match query", "BAD_REQUEST", with_null_data), true,
            false};
    }
    store.remember(db_id, sent.persisted_query_hash, sent.query);
    return std::nullopt;
}

}  // namespace airsql::graphql
