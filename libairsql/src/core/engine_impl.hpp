// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "airsql/engine.hpp"
#include "airsql/server_settings.hpp"
#include "auth/rate_limiter.hpp"
#include "catalog/catalog.hpp"
#include "core/data_dir_lock.hpp"
#include "core/periodic_task.hpp"
#include "database/registry.hpp"
#include "functions/deno_host.hpp"
#include "functions/python_host.hpp"
#include "functions/event_dispatch.hpp"
#include "graphql/document_cache.hpp"
#include "graphql/persisted_queries.hpp"
#include "graphql/response_cache.hpp"
#include "graphql/schema_cache.hpp"
#include "graphql/subscription_hub.hpp"
#include "mail/mailer.hpp"

namespace airsql {

/// All state of an engine. Library code reaches it through `engine::internals()`.
class engine::impl {
  public:
    explicit impl(options o);

    options opts;
    core::data_dir_lock lock;  ///< before anything opens a file in the folder
    catalog::catalog catalog;
    database::registry databases;
    /// The current server settings (server_settings.hpp); replaced whole under the mutex.
    std::mutex settings_mutex;
    std::shared_ptr<const server_settings> settings;
    /// Serialises updates (read, validate, store, publish).
    std::mutex settings_update_mutex;
    /// Rate limits of account actions (options: login_per_address and the others).
    auth::rate_limiter limiter{opts.rate_limit_max_buckets};
    /// The outbox and its SMTP sender (started in the constructor, stopped first).
    mail::mailer mailer{*this};
    graphql::schema_cache graphql_schemas;
    graphql::document_cache graphql_documents;
    graphql::response_cache graphql_responses;
    graphql::persisted_queries graphql_persisted;
    functions::runtime_pool function_runtimes{opts};
    /// Python functions: a fresh bubblewrap sandbox per call.
    functions::python_sandbox python_functions{opts};
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::atomic<std::size_t> llm_calls{0};  ///< calls waiting on the language model now
    /// Live queries. Declared after the databases: destroyed before the databases it watches.
    graphql::subscription_hub subscriptions{*this};
    /// Deletes expired (anonymous) databases every `options::expiry_sweep_interval`. Last, so
    /// it stops first.
    core::periodic_task expiry_sweep;
    /// Event-trigger deliveries (started by the engine, stopped first).
    functions::event_dispatcher events;
};

}  // namespace airsql
