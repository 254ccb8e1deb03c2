// SPDX-License-Identifier: Apache-2.0
// A host application that found libairsql with find_package(airsql).
#include <airsql/airsql.hpp>
#include <filesystem>
#include <iostream>

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    std::filesystem::remove_all(argv[1]);
    airsql::engine eng({.data_dir = argv[1]});
    airsql::sign_up(eng, {}, {"host", "host@example.org", "a long password"});
    auto token = airsql::login(eng, {}, {"host", "a long password"}).session_token;
    auto who = airsql::authenticate(eng, {.bearer = token});
    auto db = airsql::create_database(eng, who, {"pkg", "host", "CREATE TABLE t (x)", {}});
    auto r = airsql::run_sql(eng, who, db.id, {"INSERT INTO t VALUES (42); SELECT x FROM t"});
    std::cout << "airsql " << airsql::version() << " rows=" << r.rows.size() << '\n';
    return r.rows.size() == 1 && r.errors.empty() ? 0 : 1;
}
