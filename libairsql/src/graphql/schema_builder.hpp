// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "graphql/schema.hpp"

namespace airsql::graphql {

/// Derives the GraphQL schema of a database for one access mode: AirGQL's generated API
/// (graphql-api.md §4, with airsql's decisions D1–D12) plus the extensions — `_and`/`_or`/
/// `_not`, `_is_null`, relationships from foreign keys, `<t>_aggregate` — flagged
/// `extension` so introspection can show the AirGQL-compatible view.
std::shared_ptr<const schema> build_schema(std::shared_ptr<const database_model> model,
                                           access_mode mode);

}  // namespace airsql::graphql
