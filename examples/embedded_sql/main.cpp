// SPDX-License-Identifier: Apache-2.0
// Embedding airsql: an engine on a data directory, a user, a database, and SQL through the
// same library calls (and the same rules) as airsql-server.
#include <airsql/airsql.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <filesystem>
#include <iostream>

int main(int argc, char** argv) {
    auto dir = std::filesystem::temp_directory_path() / "airsql-example";
    std::filesystem::remove_all(dir);
    airsql::engine eng({.data_dir = argc > 1 ? std::filesystem::path(argv[1]) : dir});
    airsql::sign_up(eng, {}, {"ada", "ada@example.org", "correct horse battery"});
    auto session = airsql::login(eng, {}, {"ada", "correct horse battery"});
    auto ada = airsql::authenticate(eng, {.bearer = session.session_token});
    auto db = airsql::create_database(
        eng, ada, {"Notes", "ada", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", {}});
    airsql::run_sql(eng, ada, db.id, {"INSERT INTO notes (body) VALUES ('hello'), ('world')"});
    auto result = airsql::run_sql(eng, ada, db.id, {"SELECT id, body FROM notes ORDER BY id"});
    std::cout << boost::json::serialize(boost::json::value_from(result.rows)) << '\n';
    return result.rows.size() == 2 ? 0 : 1;
}
