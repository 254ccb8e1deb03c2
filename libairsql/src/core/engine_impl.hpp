// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>

#include "airsql/engine.hpp"
#include "catalog/catalog.hpp"
#include "core/data_dir_lock.hpp"
#include "database/registry.hpp"
#include "functions/deno_host.hpp"
#include "graphql/document_cache.hpp"
#include "graphql/response_cache.hpp"
#include "graphql/schema_cache.hpp"

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
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

}  // namespace airsql
