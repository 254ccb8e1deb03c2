// SPDX-License-Identifier: Apache-2.0
// Descriptions and order of tables and columns, from the catalog.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/engine_impl.hpp"
#include "graphql/database_model.hpp"

namespace airsql::tables {

/// `live` (names in creation order) in the stored table order of the database.
std::vector<std::string> table_order(engine::impl& e, const std::string& db_id,
                                     const std::vector<std::string>& live);

/// `live` columns of `table` in their stored order.
std::vector<std::string> column_order(engine::impl& e, const std::string& db_id,
                                      const std::string& table,
                                      const std::vector<std::string>& live);

/// Adds the table and column descriptions of the catalog to a GraphQL model (they become the
/// descriptions of the row types and their fields).
void annotate_model(catalog::catalog& catalog, const std::string& db_id,
                    graphql::database_model& model);

}  // namespace airsql::tables
