// SPDX-License-Identifier: Apache-2.0
// In-process benchmark: a GraphQL request through airsql::execute_graphql (access check,
// schema cache, parse, validate, compile, SQLite, JSON) against the hand-written SQL that
// produces the same JSON, run on the same data in the same process. Prints the median time
// per request of each and their ratio, for the three workloads of ../shared/bench, d (lists
// nested two deep), e (an object relationship per row), and a with a variable (v: compiled on every run, where a reuses its
// compiled plan): once with the response cache off (the work of running the query) and once
// with it on (a repeated query, answered from memory). The hand-written SQL's connection has
// the page cache of airsql's reader connections (1 MiB; SQLite's default is 2 MiB), so that
// d, whose tracks are spread over more pages than that, compares the same reads.
//
// Usage: graphql_vs_sql [iterations [workloads]]   (default 2000 per workload and side, "abcdev")
#include <sqlite3.h>

#include <boost/json/parse.hpp>

#include <airsql/airsql.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

// The bench dataset's shape (../shared/bench/make_data.py): 1,000 artists, 10,000 albums,
// 100,000 tracks, with the same keys and indexes; values from a fixed seed.
std::string dataset_sql() {
    std::mt19937 rng(20261127);
    std::string sql =
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
        "CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT NOT NULL,"
        " artist_id INTEGER NOT NULL REFERENCES artists(id));"
        "CREATE INDEX albums_artist_id_idx ON albums(artist_id);"
        "CREATE TABLE tracks (id INTEGER PRIMARY KEY, album_id INTEGER REFERENCES albums(id),"
        " name TEXT, milliseconds INTEGER, unit_price REAL);"
        "CREATE INDEX tracks_album_id_idx ON tracks(album_id);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
        "INSERT INTO artists SELECT i, 'Artist ' || i FROM n;";
    sql += "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000) "
           "INSERT INTO albums SELECT i, 'Album ' || i, 1 + abs(random()) % 1000 FROM n;";
    sql += "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
           "INSERT INTO tracks SELECT i, 1 + abs(random()) % 10000, 'Track ' || i, "
           "60000 + abs(random()) % 300000, round(0.5 + (abs(random()) % 100) / 100.0, 2) FROM n;";
    (void)rng;
    return sql;
}

struct workload {
    const char* name;
    const char* graphql;
    const char* sql;                  // the hand-written equivalent, building the same JSON
    const char* variables = nullptr;  // JSON object, if the query takes variables
};

const workload workloads[] = {
    {"a: 20 artists",
     "{ artists(order_by: [{id: ASC}], limit: 20) { id name } }",
     "SELECT json_object('data', json_object('artists', json_group_array(json_object('id', id, "
     "'name', name)))) FROM (SELECT id, name FROM artists ORDER BY id LIMIT 20)"},
    {"b: 20 artists with albums",
     "{ artists(order_by: [{id: ASC}], limit: 20) { id name albums { id title } } }",
     "SELECT json_object('data', json_object('artists', json_group_array(json_object('id', a.id, "
     "'name', a.name, 'albums', (SELECT json_group_array(json_object('id', b.id, 'title', "
     "b.title)) FROM albums b WHERE b.artist_id = a.id))))) FROM (SELECT id, name FROM artists "
     "ORDER BY id LIMIT 20) a"},
    {"c: filtered tracks",
     "{ tracks(where: {unit_price: {_gt: 0.9}, milliseconds: {_lt: 200000}}, "
     "order_by: [{id: ASC}], limit: 50) { id name } }",
     "SELECT json_object('data', json_object('tracks', json_group_array(json_object('id', id, "
     "'name', name)))) FROM (SELECT id, name FROM tracks WHERE unit_price > 0.9 AND "
     "milliseconds < 200000 ORDER BY id LIMIT 50)"},
    {"d: 5 artists, albums, tracks",
     "{ artists(order_by: [{id: ASC}], limit: 5) { id name albums { id title tracks { id name } } } }",
     "SELECT json_object('data', json_object('artists', json_group_array(json_object('id', a.id, "
     "'name', a.name, 'albums', (SELECT json_group_array(json_object('id', b.id, 'title', "
     "b.title, 'tracks', (SELECT json_group_array(json_object('id', t.id, 'name', t.name)) FROM "
     "tracks t WHERE t.album_id = b.id))) FROM albums b WHERE b.artist_id = a.id))))) FROM "
     "(SELECT id, name FROM artists ORDER BY id LIMIT 5) a"},
    {"e: 50 tracks with their album",
     "{ tracks(order_by: [{id: ASC}], limit: 50) { id name album { id title } } }",
     "SELECT json_object('data', json_object('tracks', json_group_array(json_object('id', t.id, "
     "'name', t.name, 'album', (SELECT json_object('id', b.id, 'title', b.title) FROM albums b "
     "WHERE b.id = t.album_id))))) FROM (SELECT id, name, album_id FROM tracks ORDER BY id "
     "LIMIT 50) t"},
    // Workload a again, its limit a variable: a query with variables is compiled on every run
    // (no compiled plan), so v against a shows what the plan cache saves.
    {"v: a, limit as a variable",
     "query ($n: Int!) { artists(order_by: [{id: ASC}], limit: $n) { id name } }",
     "SELECT json_object('data', json_object('artists', json_group_array(json_object('id', id, "
     "'name', name)))) FROM (SELECT id, name FROM artists ORDER BY id LIMIT 20)",
     R"({"n": 20})"},
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int iterations = argc > 1 ? std::max(10, std::atoi(argv[1])) : 2000;
    std::string selected = argc > 2 ? argv[2] : "abcdev";
    auto dir =
        std::filesystem::temp_directory_path() / ("airsql-bench-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    int status = 0;
    for (bool cached : {false, true}) {
        airsql::options opts;
        opts.data_dir = dir;
        opts.graphql_response_cache_bytes = cached ? 64u * 1024 * 1024 : 0;
        std::filesystem::remove_all(dir);
        airsql::engine eng(opts);
        airsql::sign_up(eng, {}, {"bench", "bench@example.org", "bench-password"});
        auto token = airsql::login(eng, {}, {"bench", "bench-password"}).session_token;
        auto who = airsql::authenticate(eng, {.bearer = token});
        auto db = airsql::create_database(eng, who, {"bench", "bench", dataset_sql(), {}});
        auto file = dir / "databases" / db.id / "main.sqlite";

        sqlite3* raw = nullptr;
        sqlite3_open_v2(file.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
        sqlite3_exec(raw, "PRAGMA cache_size = -1024", nullptr, nullptr, nullptr);

        std::printf("\nresponse cache %s\n%-28s %14s %14s %8s\n", cached ? "on" : "off", "workload",
                    "graphql µs", "hand SQL µs", "ratio");
        for (const auto& w : workloads) {
            if (selected.find(w.name[0]) == std::string::npos) continue;
            // The same JSON from both sides, or the comparison means nothing.
            airsql::graphql_request req;
            req.query = w.graphql;
            if (w.variables) req.variables = boost::json::parse(w.variables).as_object();
            auto first = airsql::execute_graphql(eng, who, db.id, req).body;
            sqlite3_stmt* st = nullptr;
            sqlite3_prepare_v3(raw, w.sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr);
            sqlite3_step(st);
            std::string hand(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
            sqlite3_reset(st);
            if (first != hand) {
                std::printf("%s: results differ\n graphql: %.200s\n sql:     %.200s\n", w.name,
                            first.c_str(), hand.c_str());
                status = 1;
            }
            std::vector<double> g, s;
            g.reserve(static_cast<std::size_t>(iterations));
            s.reserve(static_cast<std::size_t>(iterations));
            for (int i = 0; i < iterations; ++i) {
                // Interleaved, so drift of the machine touches both sides alike.
                auto t0 = clock_type::now();
                auto body = airsql::execute_graphql(eng, who, db.id, req).body;
                auto t1 = clock_type::now();
                sqlite3_step(st);
                std::string out(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
                sqlite3_reset(st);
                auto t2 = clock_type::now();
                g.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
                s.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
                if (body.size() != out.size()) status = 1;
            }
            auto gm = median(g);
            auto sm = median(s);
            std::printf("%-28s %14.1f %14.1f %7.2fx\n", w.name, gm, sm, gm / sm);
            sqlite3_finalize(st);
        }
        sqlite3_close(raw);
    }
    std::filesystem::remove_all(dir);
    return status;
}
