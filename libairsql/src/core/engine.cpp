// SPDX-License-Identifier: Apache-2.0
#include "airsql/engine.hpp"

#include <sodium.h>
#include <sqlite3.h>

#include <algorithm>
#include <iostream>
#include <system_error>

#include "airsql/error.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"
#include "settings/server_settings_store.hpp"
#include "sqlite/memory_budget.hpp"
#include "tables/metadata.hpp"

namespace airsql {

namespace {

options prepared(options o) {
    if (sodium_init() < 0) throw error(errc::internal, "libsodium could not be initialised");
    std::error_code ec;
    std::filesystem::create_directories(o.data_dir, ec);
    if (ec) {
        throw error(errc::unavailable, "cannot create the data directory: " + ec.message());
    }
    o.data_dir = std::filesystem::absolute(o.data_dir);
    // Before anything initialises SQLite (the heap limit below does).
    sqlite::install_memory_accounting();
    if (o.sqlite_heap_limit_bytes > 0) {
        sqlite3_hard_heap_limit64(o.sqlite_heap_limit_bytes);
    } else {
        // Memory statistics serialise every SQLite allocation on one global mutex; without a
        // heap limit they are not needed. Only possible before SQLite initialises (else a no-op).
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
    return o;
}

}  // namespace

engine::impl::impl(options o)
    : opts(prepared(std::move(o))),
      lock(opts.data_dir),
      catalog(opts.data_dir / "catalog.sqlite"),
      databases(opts.data_dir / "databases", opts),
      graphql_schemas(opts.graphql_max_schema_fields,
                      [this](const std::string& db_id, graphql::database_model& model) {
                          tables::annotate_model(catalog, db_id, model);
                      }),
      graphql_responses(opts.graphql_response_cache_bytes) {
    settings = settings::load_server_settings(*this);
    databases.set_size_limit(
        [this](const std::string& id) { return settings::max_database_bytes_for(*this, id); });
    mailer.start();
    expiry_sweep.start(
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::max(opts.expiry_sweep_interval, std::chrono::seconds(1))),
        [this] {
            try {
                for (const auto& id : catalog.expired_databases(core::now_iso_utc())) {
                    catalog.delete_database(id);
                    graphql_schemas.forget(id);
                    databases.remove(id);
                    std::cerr << "airsql: expired database " << id << " deleted\n";
                }
            } catch (const std::exception& ex) {
                std::cerr << "airsql: expiry sweep: " << ex.what() << '\n';
            }
        });
}

engine::engine(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {}
engine::~engine() = default;

const options& engine::config() const noexcept { return impl_->opts; }

}  // namespace airsql
