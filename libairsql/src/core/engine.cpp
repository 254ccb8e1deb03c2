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
#include "sqlite/temp_files.hpp"
#include "settings/server_settings_store.hpp"
#include "sqlite/memory_budget.hpp"
#include "tables/metadata.hpp"
#include "sqlite/internal_tables.hpp"

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
    if (!o.deno_executable.empty())
        o.deno_executable = std::filesystem::absolute(o.deno_executable);
    if (!o.function_runner_dir.empty()) {
        o.function_runner_dir = std::filesystem::absolute(o.function_runner_dir);
    }
    // Before anything initialises SQLite. The counting allocator enforces the heap limit
    // too; SQLite's own (sqlite3_hard_heap_limit64) would need its memory statistics, a global
    // mutex on every allocation. Without the allocator (SQLite initialised before us), SQLite's
    // limit is the fallback.
    if (sqlite::install_memory_accounting()) {
        sqlite::set_heap_limit(o.sqlite_heap_limit_bytes);
    } else if (o.sqlite_heap_limit_bytes > 0) {
        sqlite3_hard_heap_limit64(o.sqlite_heap_limit_bytes);
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
      graphql_responses(opts.graphql_response_cache_bytes),
      graphql_persisted(opts.graphql_persisted_query_bytes) {
    sqlite::set_temp_file_limit(opts.max_temp_file_bytes);
    databases.set_listeners(
        [this](const std::string& db_id, const database::commit_touch& touched) {
            subscriptions.on_commit(db_id, touched);
            if (touched.all || touched.tables.contains(AIRSQL_EVENT_QUEUE_TABLE)) events.wake(db_id);
        },
        [this](const std::string& db_id) {
            subscriptions.on_gone(db_id);
            events.forget(db_id);
        });
    databases.set_event_triggers(
        [this](const std::string& db_id) {
            std::vector<database::event_trigger_spec> specs;
            for (const auto& t : catalog.database_triggers(db_id)) {
                for (const auto& ev : t.events) specs.push_back({t.function_id, t.table, ev});
            }
            return specs;
        },
        opts.event_max_queue_rows, opts.event_max_payload_bytes);
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

engine::engine(options opts) : impl_(std::make_unique<impl>(std::move(opts))) {
    impl_->events.start(*this);
}
engine::~engine() {
    // Deliveries call into the engine: they end before any of it goes.
    impl_->events.stop();
}

const options& engine::config() const noexcept { return impl_->opts; }

}  // namespace airsql
