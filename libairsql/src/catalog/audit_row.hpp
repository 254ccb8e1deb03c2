// SPDX-License-Identifier: Apache-2.0
// One row of the catalog's audit log (kept apart from catalog.hpp so the write path of hosted
// databases can hold rows without the whole catalog).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace airsql::catalog {

/// One audit log entry. `principal`, `old_values` and `new_values` are JSON texts.
struct audit_row {
    std::int64_t id = 0;  ///< assigned when appended
    std::string db_id;
    std::string utc;
    std::string principal;
    std::optional<std::string> table_name;
    std::optional<std::int64_t> row_id;
    std::string operation;
    std::optional<std::string> old_values;
    std::optional<std::string> new_values;
};

}  // namespace airsql::catalog
