// SPDX-License-Identifier: Apache-2.0
// Descriptions and order of tables and columns, from the catalog.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/engine_impl.hpp"

namespace airsql::tables {

/// `live` (names in creation order) in the stored table order of the database.
std::vector<std::string> table_order(engine::impl& e, const std::string& db_id,
                                     const std::vector<std::string>& live);

/// `live` columns of `table` in their stored order.
std::vector<std::string> column_order(engine::impl& e, const std::string& db_id,
                                      const std::string& table,
                                      const std::vector<std::string>& live);

}  // namespace airsql::tables
