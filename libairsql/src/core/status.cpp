// SPDX-License-Identifier: Apache-2.0
#include "airsql/status.hpp"

#include "airsql/principal.hpp"
#include "airsql/version.hpp"
#include "core/engine_impl.hpp"

namespace airsql {

#ifndef AIRSQL_VERSION
#error "AIRSQL_VERSION must be defined by the build"
#endif

std::string_view version() noexcept { return AIRSQL_VERSION; }

server_status get_status(engine& eng, const principal& who) {
    auto& e = eng.internals();
    server_status s;
    s.version = std::string(version());
    s.uptime_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - e.started).count();
    if (who.is_server_admin()) s.number_of_databases = e.catalog.count_databases();
    return s;
}

}  // namespace airsql
