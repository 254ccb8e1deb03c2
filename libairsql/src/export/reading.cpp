// SPDX-License-Identifier: Apache-2.0
#include "export/reading.hpp"

#include <fmt/format.h>

#include "airsql/error.hpp"
#include "auth/access.hpp"

namespace airsql::exporting {

database_reader open_for_reading(engine::impl& e, const principal& who, std::string_view db_id) {
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_read(db);
    auto hosted = e.databases.open(db.record.id);
    auto conn = hosted->reader();
    return {std::move(hosted), std::move(conn)};
}

void time_limit::check_now() const {
    if (clock::now() >= until_) fail();
}

void time_limit::fail() const {
    throw error(errc::deadline_exceeded,
                fmt::format("{} ran longer than its time limit of {} ms", what_, limit_.count()));
}

}  // namespace airsql::exporting
