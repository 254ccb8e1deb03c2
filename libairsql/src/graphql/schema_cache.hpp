// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "graphql/schema.hpp"
#include "sqlite/connection.hpp"

namespace airsql::graphql {

/// Derived schemas by database and access mode, rebuilt when `PRAGMA schema_version` moves.
/// Thread-safe.
class schema_cache {
public:
    /// The schema for `mode`, checking the version on `conn` (a connection to that database).
    std::shared_ptr<const schema> get(const std::string& db_id, access_mode mode,
                                      sqlite::connection& conn);
    void forget(const std::string& db_id);

private:
    struct entry {
        std::int64_t version = -1;
        std::shared_ptr<const database_model> model;
        std::array<std::shared_ptr<const schema>, 4> schemas;
    };
    std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
};

}  // namespace airsql::graphql
