// SPDX-License-Identifier: Apache-2.0
// The rules of `update_database`, shared with the settings routes (settings.hpp).
#pragma once

#include "airsql/databases.hpp"
#include "auth/access.hpp"

namespace airsql::database {

/// `db`'s record with `patch` applied, after checking who may change what: signed-in users
/// only (`permission_denied` for API tokens and read-only links); name, description,
/// environment, location and viewsTab need Editor rights, visibility, owner, auditing,
/// schemaLocked (and anything else when `other_admin_fields`) the Admin role (of both teams
/// when moving). Validates every field (`invalid_argument`). Writes nothing.
catalog::database_record patched_record(engine::impl& e, const principal& who,
                                        const auth::resolved_database& db,
                                        const database_patch& patch, bool other_admin_fields);

}  // namespace airsql::database
