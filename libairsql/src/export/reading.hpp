// SPDX-License-Identifier: Apache-2.0
// What every call of this module starts with: the caller's read access to a database, and a
// pooled reader connection of it.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "airsql/principal.hpp"
#include "core/engine_impl.hpp"
#include "database/hosted_database.hpp"
#include "sqlite/pool.hpp"

namespace airsql::exporting {

/// A reader connection of a database the caller may read (`not_found` / `permission_denied`
/// otherwise, from auth::resolve_database and auth::require_read).
struct database_reader {
    std::shared_ptr<database::hosted_database> hosted;
    sqlite::reader_pool::lease conn;
};

database_reader open_for_reading(engine::impl& e, const principal& who, std::string_view db_id);

/// Throws `deadline_exceeded` for `what` ("the export") once `until` has passed.
class time_limit {
public:
    using clock = std::chrono::steady_clock;
    time_limit(std::chrono::milliseconds limit, std::string_view what)
        : until_(clock::now() + limit), limit_(limit), what_(what) {}
    clock::time_point until() const noexcept { return until_; }
    /// Cheap enough for every row: reads the clock every 256th call only.
    void check() {
        if ((++calls_ & 255) == 0) check_now();
    }
    void check_now() const;
    [[noreturn]] void fail() const;

private:
    clock::time_point until_;
    std::chrono::milliseconds limit_;
    std::string_view what_;
    unsigned calls_ = 0;
};

}  // namespace airsql::exporting
