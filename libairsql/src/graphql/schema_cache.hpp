// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <functional>
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
    /// `max_fields`: most columns plus foreign keys a database may have for its schema to be
    /// built (building is not interruptible and grows with them); 0 means no limit.
    /// `annotate`: adds what the catalog knows (descriptions) to a freshly read model.
    using annotator = std::function<void(const std::string& db_id, database_model& model)>;
    explicit schema_cache(std::size_t max_fields = 0, annotator annotate = {})
        : max_fields_(max_fields), annotate_(std::move(annotate)) {}

    /// The schema for `mode` at the database's current schema version.
    /// `errc::failed_precondition` when the database has more than `max_fields`.
    std::shared_ptr<const schema> get(database::hosted_database& db, access_mode mode);
    void forget(const std::string& db_id);
    /// What `annotate` adds changed (not the SQLite schema): later `get`s read the model again;
    /// a schema built from the old annotations is never served again.
    void refresh(const std::string& db_id);

private:
    struct entry {
        std::int64_t version = -1;
        std::uint64_t epoch = 0;  ///< annotations generation (see refresh)
        std::shared_ptr<const database_model> model;
        std::array<std::shared_ptr<const schema>, 4> schemas;
    };
    // The entry of `db_id`, emptied and given `model` if it holds another schema version.
    // Needs mutex_.
    entry& entry_for(const std::string& db_id, const std::shared_ptr<const database_model>& model,
                     std::uint64_t epoch);

    std::size_t max_fields_;
    annotator annotate_;
    std::unordered_map<std::string, std::uint64_t> epochs_;  // never shrinks: one word per db
    std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
};

}  // namespace airsql::graphql
