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
    std::uint64_t epoch = 0;
    {
        std::lock_guard lock(mutex_);
        epoch = epochs_[db_id];
        auto it = entries_.find(db_id);
        if (it != entries_.end() && it->second.version == version && it->second.epoch == epoch &&
            it->second.schemas[slot]) {
            return it->second.schemas[slot];
        }
    }
    // Read the model in one transaction, so it matches the version it was read at.
    std::shared_ptr<const database_model> model;
    {
        std::lock_guard lock(mutex_);
        auto it = entries_.find(db_id);
        if (it != entries_.end() && it->second.version == version && it->second.epoch == epoch) {
            model = it->second.model;
        }
    }
    if (!model) {
        auto fresh = std::make_shared<database_model>();
        {
            auto conn = db.reader();
            sqlite::transaction tx(*conn, sqlite::transaction::kind::deferred);
            *fresh = read_database_model(*conn);
            tx.commit();
        }
        if (annotate_) annotate_(db_id, *fresh);
        model = std::move(fresh);
    }
    {
        // Keep the model even if no schema is built from it: refusing a large database again
        // must not read its whole schema again.
        std::lock_guard lock(mutex_);
        entry_for(db_id, model, epoch);
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
    entry_for(db_id, model, epoch).schemas[slot] = built;
    return built;
}

schema_cache::entry& schema_cache::entry_for(const std::string& db_id,
                                             const std::shared_ptr<const database_model>& model,
                                             std::uint64_t epoch) {
    auto& e = entries_[db_id];
    if (e.version != model->schema_version || e.epoch != epoch) {
        e = entry{model->schema_version, epoch, model, {}};
    }
    return e;
}

void schema_cache::refresh(const std::string& db_id) {
    std::lock_guard lock(mutex_);
    ++epochs_[db_id];
    entries_.erase(db_id);
}

void schema_cache::forget(const std::string& db_id) {
    std::lock_guard lock(mutex_);
    entries_.erase(db_id);
}

}  // namespace airsql::graphql
