// SPDX-License-Identifier: Apache-2.0
// In-process benchmark: what auditing costs a write. N single-row INSERTs through
// airsql::run_sql (each its own transaction, as a client sending one row per request would),
// on a database with auditing off and then on the same kind of database with auditing on,
// in the same run. Prints the time per insert of each and their ratio, for the hosted
// databases' default `synchronous = FULL` and for `NORMAL` (the catalog, where the audit log
// goes, is always FULL). A second pair does N rows in one transaction (one catalog write).
//
// Usage: audit_overhead [inserts]   (default 10000)
#include <airsql/airsql.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

using clock_type = std::chrono::steady_clock;

struct scratch {
    std::filesystem::path dir;
    scratch() {
        char tmpl[] = "/tmp/airsql-audit-bench-XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    ~scratch() { std::filesystem::remove_all(dir); }
};

double seconds_since(clock_type::time_point t) {
    return std::chrono::duration<double>(clock_type::now() - t).count();
}

struct result {
    double off_per_insert = 0;
    double on_per_insert = 0;
    double off_batch = 0;
    double on_batch = 0;
};

result measure(const std::string& synchronous, int inserts) {
    scratch tmp;
    airsql::options o;
    o.data_dir = tmp.dir;
    o.password_hash_ops = 1;
    o.password_hash_memory = 8 * 1024;
    o.synchronous = synchronous;
    airsql::engine eng(o);
    auto anon = airsql::principal::anonymous();
    airsql::sign_up(eng, anon, {"bench", "bench@example.com", "password-bench"});
    auto session = airsql::login(eng, anon, {"bench", "password-bench"});
    auto who = airsql::authenticate(eng, airsql::credentials{.bearer = session.session_token});
    const char* schema = "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER)";
    auto off = airsql::create_database(eng, who, {"off", "bench", schema, std::nullopt}).id;
    auto on = airsql::create_database(eng, who, {"on", "bench", schema, std::nullopt}).id;
    airsql::settings_patch audit;
    audit.auditing = true;
    airsql::update_settings(eng, who, on, audit);

    auto run = [&](const std::string& db, bool batch) {
        auto started = clock_type::now();
        if (batch) {
            std::string sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                              "WHERE i < " + std::to_string(inserts) +
                              ") INSERT INTO items (name, qty) SELECT 'row ' || i, i FROM n";
            auto r = airsql::run_sql(eng, who, db, {sql});
            if (!r.errors.empty()) std::abort();
        } else {
            for (int i = 0; i < inserts; ++i) {
                auto r = airsql::run_sql(
                    eng, who, db,
                    {"INSERT INTO items (name, qty) VALUES ('row " + std::to_string(i) + "', " +
                     std::to_string(i) + ")"});
                if (!r.errors.empty()) std::abort();
            }
        }
        return seconds_since(started);
    };
    result out;
    out.off_per_insert = run(off, false) / inserts;
    out.on_per_insert = run(on, false) / inserts;
    out.off_batch = run(off, true);
    out.on_batch = run(on, true);
    // Every audited row is in the log (and the first page reads back).
    airsql::audit_query q;
    q.limit = 10;
    if (airsql::read_audit_log(eng, who, on, q).entries.size() != 10) std::abort();
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    int inserts = argc > 1 ? std::atoi(argv[1]) : 10'000;
    if (inserts < 1) inserts = 1;
    std::printf("audit overhead: %d single-row INSERTs through run_sql, each its own "
                "transaction; then %d rows in one transaction\n",
                inserts, inserts);
    for (const char* sync : {"FULL", "NORMAL"}) {
        auto r = measure(sync, inserts);
        std::printf(
            "synchronous=%-6s  one row per transaction: off %7.1f us, on %7.1f us per insert "
            "(ratio %.2f, +%.1f us)\n",
            sync, r.off_per_insert * 1e6, r.on_per_insert * 1e6,
            r.on_per_insert / r.off_per_insert, (r.on_per_insert - r.off_per_insert) * 1e6);
        std::printf(
            "synchronous=%-6s  %d rows in one transaction: off %7.1f ms, on %7.1f ms "
            "(ratio %.2f)\n",
            sync, inserts, r.off_batch * 1e3, r.on_batch * 1e3, r.on_batch / r.off_batch);
    }
    return 0;
}
