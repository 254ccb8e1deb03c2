// SPDX-License-Identifier: Apache-2.0
// Embedding airsql: an engine on a data directory, a user, a database, SQL and GraphQL through
// the same library calls (and the same rules) as airsql-server.
#include <airsql/airsql.hpp>
#include <boost/json/value_from.hpp>
#include <filesystem>
#include <iostream>

int main(int argc, char** argv) {
    auto dir = argc > 1 ? std::filesystem::path(argv[1])
                        : std::filesystem::temp_directory_path() / "airsql-example";
    std::filesystem::remove_all(dir);  // a fresh start each run
    airsql::engine eng({.data_dir = dir});
    airsql::sign_up(eng, {}, {"ada", "ada@example.org", "correct horse battery"});
    auto session = airsql::login(eng, {}, {"ada", "correct horse battery"});
    auto ada = airsql::authenticate(eng, {.bearer = session.session_token});
    auto db = airsql::create_database(
        eng, ada, {"Notes", "ada", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", {}});
    airsql::run_sql(eng, ada, db.id, {"INSERT INTO notes (body) VALUES ('hello'), ('world')"});
    auto result = airsql::run_sql(eng, ada, db.id, {"SELECT id, body FROM notes ORDER BY id"});
    std::cout << airsql::to_json(boost::json::value_from(result.rows)) << '\n';
    airsql::graphql_request query{.query = "{ notes(order_by: [{id: DESC}]) { id body } }"};
    std::cout << airsql::execute_graphql(eng, ada, db.id, query).body << '\n';
    return result.rows.size() == 2 ? 0 : 1;
}
