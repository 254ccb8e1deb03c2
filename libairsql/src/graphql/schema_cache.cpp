// SPDX-License-Identifier: Apache-2.0
#include "graphql/schema_cache.hpp"

#include <fmt/format.h>

#include "airsql/error.hpp"
#include "graphql/schema_builder.hpp"

namespace airsql::graphql {

std::shared_ptr<const schema> schema_cache::get(database::hosted_database& db, access_mode mode) {
    const auto& db_id = db.id();
    auto version = db.schema_version();
    auto slot = static_cast<std::size_t>(mode);
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(db_id);
        if (it != entries_.end() && it->second.version == version && it->second.schemas[slot]) {
            return it->second.schemas[slot];
        }
    }
    // Read the model in one transaction, so it matches the version it was read at.
    std::shared_ptr<const database_model> model;
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(db_id);
        if (it != entries_.end() && it->second.version == version) model = it->second.model;
    }
    if (!model) {
        auto conn = db.reader();
        sqlite::transaction tx(*conn, sqlite::transaction::kind::deferred);
        model = std::make_shared<database_model>(read_database_model(*conn));
        tx.commit();
    }
    {
        // Keep the model even if no schema is built from it: refusing a large database again
        // must not read its whole schema again.
        std::lock_guard lock(mutex_);
        entry_for(db_id, model);
    }
    if (max_fields_ != 0) {
        std::size_t fields = 0;
        for (const auto& t : model->tables) fields += t.columns.size() + t.foreign_keys.size();
        if (fields > max_fields_) {
            throw error(errc::failed_precondition,
                        fmt::format("this database has {} columns and foreign keys; the GraphQL "
                                    "API serves databases with at most {}",
                                    fields, max_fields_));
        }
    }
    auto built = build_schema(model, mode);
    std::lock_guard lock(mutex_);
    entry_for(db_id, model).schemas[slot] = built;
    return built;
}

schema_cache::entry& schema_cache::entry_for(const std::string& db_id,
                                             const std::shared_ptr<const database_model>& model) {
    auto& e = entries_[db_id];
    if (e.version != model->schema_version) e = entry{model->schema_version, model, {}};
    return e;
}

void schema_cache::forget(const std::string& db_id) {
    std::lock_guard lock(mutex_);
    entries_.erase(db_id);
}

}  // namespace airsql::graphql
