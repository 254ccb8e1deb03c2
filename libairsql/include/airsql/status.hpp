// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>

namespace airsql {

class engine;
class principal;

/// `GET /api/status` response. Any principal may ask; only server admins learn how many
/// databases the server holds (`numberOfDatabases` is left out for everyone else).
struct server_status {
    std::string status = "ok";
    std::string version;
    double uptime_seconds = 0;
    std::optional<std::int64_t> number_of_databases;
    bool operator==(const server_status&) const = default;
};

server_status get_status(engine& eng, const principal& who);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const server_status& v);

}  // namespace airsql
