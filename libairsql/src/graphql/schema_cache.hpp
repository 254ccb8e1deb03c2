// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "graphql/schema.hpp"
#include "database/hosted_database.hpp"

namespace airsql::graphql {

/// Derived schemas by database and access mode, rebuilt when `PRAGMA schema_version` moves.
/// Thread-safe.
class schema_cache {
public:
    /// The schema for `mode` at the database's current schema version.
    std::shared_ptr<const schema> get(database::hosted_database& db, access_mode mode);
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
