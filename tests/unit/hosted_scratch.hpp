// SPDX-License-Identifier: Apache-2.0
// A hosted-database connection (airsql's configuration: authorizer, bounded functions, limits)
// on a fresh file in a temporary directory.
#pragma once

#include <memory>

#include "airsql/options.hpp"
#include "database/hosted_database.hpp"
#include "sqlite/connection.hpp"
#include "temp_dir.hpp"

namespace airsql::test {

struct hosted_scratch {
    temp_dir dir;
    options opts;
    std::unique_ptr<sqlite::connection> conn;
    hosted_scratch() {
        auto file = dir.path() / "main.sqlite";
        { sqlite::connection create(file, sqlite::connection::mode::read_write_create); }
        conn = database::open_hosted_connection(file, opts, true);
    }
};

}  // namespace airsql::test
