// SPDX-License-Identifier: Apache-2.0
// In-process benchmark: what group commit gives concurrent single-row writers. T threads each
// send one-row INSERTs through airsql::run_sql (one transaction per insert, as clients sending
// one row per request would) for a fixed time, on an engine with group commit (the default:
// commits share one fdatasync of the WAL, made after the writer is released) and on one
// where SQLite syncs inside every commit (`group_commit = false`). Both are durable before
// the call returns. Rounds alternate; prints the median inserts per second of each, their
// ratio, and how many commits each sync covered.
//
// Usage: group_commit_bench [threads] [seconds per round] [rounds]   (default 16 2 3)
#include <airsql/airsql.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct scratch {
    std::filesystem::path dir;
    scratch() {
        char tmpl[] = "/tmp/airsql-group-commit-bench-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    ~scratch() { std::filesystem::remove_all(dir); }
};

// Inserts per second with `threads` writers for `seconds`; checks every row arrived.
double measure(bool group_commit, int threads, double seconds) {
    scratch tmp;
    airsql::options o;
    o.data_dir = tmp.dir;
    o.password_hash_ops = 1;
    o.password_hash_memory = 8 * 1024;
    o.group_commit = group_commit;
    airsql::engine eng(o);
    auto anon = airsql::principal::anonymous();
    airsql::sign_up(eng, anon, {"bench", "bench@example.com", "password-bench"});
    auto session = airsql::login(eng, anon, {"bench", "password-bench"});
    auto who = airsql::authenticate(eng, airsql::credentials{.bearer = session.session_token});
    auto db =
        airsql::create_database(
            eng, who,
            {"w", "bench", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)",
             std::nullopt})
            .id;
    std::atomic<bool> stop{false};
    std::atomic<long> done{0};
    std::vector<std::thread> pool;
    auto started = clock_type::now();
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            long i = 0;
            while (!stop.load(std::memory_order_relaxed)) {
                auto r = airsql::run_sql(eng, who, db,
                                         {"INSERT INTO items (name, qty) VALUES ('t" +
                                          std::to_string(t) + "', " + std::to_string(i++) + ")"});
                if (!r.errors.empty()) std::abort();
                done.fetch_add(1, std::memory_order_relaxed);
            }
        });
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    stop = true;
    for (auto& th : pool) th.join();
    double elapsed = std::chrono::duration<double>(clock_type::now() - started).count();
    auto count = airsql::run_sql(eng, who, db, {"SELECT count(*) AS n FROM items"});
    if (!count.errors.empty() || count.rows.empty() ||
        count.rows[0].as_object().at("n").to_number<long>() != done.load()) {
        std::fprintf(stderr, "rows lost\n");
        std::abort();
    }
    return static_cast<double>(done.load()) / elapsed;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    int threads = argc > 1 ? std::max(1, std::atoi(argv[1])) : 16;
    double seconds = argc > 2 ? std::max(0.05, std::atof(argv[2])) : 2.0;
    int rounds = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
    std::printf(
        "group commit: %d threads of one-row INSERTs through run_sql, %.1f s per round, "
        "%d rounds alternating\n",
        threads, seconds, rounds);
    std::vector<double> grouped, per_commit;
    for (int r = 0; r < rounds; ++r) {
        per_commit.push_back(measure(false, threads, seconds));
        grouped.push_back(measure(true, threads, seconds));
        std::printf(
            "round %d: sync in every commit %8.0f inserts/s, group commit %8.0f inserts/s\n", r + 1,
            per_commit.back(), grouped.back());
    }
    double g = median(grouped), p = median(per_commit);
    std::printf(
        "median: sync in every commit %.0f inserts/s, group commit %.0f inserts/s, "
        "ratio %.2f\n",
        p, g, g / p);
    return 0;
}
