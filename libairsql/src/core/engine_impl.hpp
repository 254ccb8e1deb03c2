// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <atomic>
#include <chrono>

#include "airsql/engine.hpp"
#include "catalog/catalog.hpp"
#include "core/data_dir_lock.hpp"
#include "database/registry.hpp"
#include "functions/deno_host.hpp"
#include "graphql/document_cache.hpp"
#include "graphql/response_cache.hpp"
#include "graphql/schema_cache.hpp"
#include "graphql/subscription_hub.hpp"

namespace airsql {

/// All state of an engine. Library code reaches it through `engine::internals()`.
class engine::impl {
public:
    explicit impl(options o);

    options opts;
    core::data_dir_lock lock;  ///< before anything opens a file in the folder
    catalog::catalog catalog;
    database::registry databases;
    graphql::schema_cache graphql_schemas;
    graphql::document_cache graphql_documents;
    graphql::response_cache graphql_responses;
    functions::runtime_pool function_runtimes{opts};
    /// Live queries. Declared last: destroyed first, before the databases it watches.
    graphql::subscription_hub subscriptions{*this};
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    std::atomic<std::size_t> llm_calls{0};  ///< calls waiting on the language model now
};

}  // namespace airsql
