// SPDX-License-Identifier: Apache-2.0
// Apollo's automatic persisted queries: documents remembered by their SHA-256, per database.
#pragma once

#include <cstddef>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "airsql/graphql.hpp"

namespace airsql::graphql {

/// Documents sent with `extensions.persistedQuery`, by database and hash, so that a client
/// can later send the hash alone. Least recently used first out, bounded in bytes (0: none
/// kept, and the protocol is answered as unsupported). Keyed by database so that a caller
/// learns nothing about another database's documents. Thread-safe.
class persisted_queries {
public:
    explicit persisted_queries(std::size_t max_bytes) : max_bytes_(max_bytes) {}

    bool enabled() const noexcept { return max_bytes_ > 0; }
    std::optional<std::string> find(std::string_view db_id, std::string_view hash);
    void remember(std::string_view db_id, std::string_view hash, const std::string& query);

    std::size_t size();

private:
    struct entry {
        std::string key;
        std::string query;
    };
    static std::size_t weight(const entry& e) { return 128 + e.key.size() + e.query.size(); }

    const std::size_t max_bytes_;
    std::mutex mutex_;
    std::list<entry> entries_;  ///< the most recently used first
    std::unordered_map<std::string, std::list<entry>::iterator> index_;
    std::size_t bytes_ = 0;
};

/// Resolves a request's persisted query against `store` for the database `db_id`: with a
/// hash and no document, `resolved` gets the request with the document remembered for that
/// hash; with both, the document must hash to it and is remembered. Without a hash nothing
/// happens (no copy): run `resolved ? *resolved : sent`. Returns the response to answer instead
/// when the request cannot run: `PersistedQueryNotFound` and `PersistedQueryNotSupported` as
/// Apollo's clients expect them (not request errors, so HTTP 200 whatever the media type:
/// Apollo's link stops hashing on a 400), or a hash that does not match (a request error).
std::optional<graphql_response> resolve_persisted_query(persisted_queries& store,
                                                        std::string_view db_id,
                                                        const graphql_request& sent,
                                                        std::optional<graphql_request>& resolved);

}  // namespace airsql::graphql
