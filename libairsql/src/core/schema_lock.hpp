// SPDX-License-Identifier: Apache-2.0
// The one wording of a refusal by a locked schema (settings `schemaLocked`), shared by the
// authorization checks (auth::require_schema) and the SQL endpoint (sql::execute_script).
#pragma once

namespace airsql::core {

inline constexpr const char* schema_locked_message =
    "the schema of this database is locked; an Admin can unlock it in the settings";

}  // namespace airsql::core
