// SPDX-License-Identifier: Apache-2.0
// Settings changes in the audit log: who switched auditing off is part of the record.
#pragma once

#include <string>
#include <vector>

#include "airsql/principal.hpp"
#include "catalog/catalog.hpp"
#include "core/engine_impl.hpp"

namespace airsql::settings {

/// Logs a "SETTINGS" entry with the fields that differ between `before` and `after` (old and
/// new values; environment variables by name only: `env_before` / `env_after` when they
/// changed, else null) when auditing is on in either. Never throws: a failure is reported on
/// stderr (the change itself has been written).
void log_settings_change(engine::impl& e, const principal& who,
                         const catalog::database_record& before,
                         const catalog::database_record& after,
                         const std::pair<std::vector<std::string>, std::vector<std::string>>*
                             env_names) noexcept;

}  // namespace airsql::settings
