// SPDX-License-Identifier: Apache-2.0
// CSV import benchmark: airsql's csv::import_into_new_table (types inferred from all rows,
// two passes over the file, on a hosted-database connection: WAL, synchronous=FULL, the
// authorizer) against the sqlite3 command-line shell's `.import --csv` into the same schema,
// created beforehand with the types airsql infers. Both import the same generated file
// (rows × 6 columns: INTEGER, TEXT, REAL, INTEGER, TEXT, REAL, with some empty fields) into a
// fresh database file, interleaved, in the same run. A third contender is the alternative
// design: one parse inserting TEXT into a staging table, then INSERT … SELECT into the typed
// table (measured to choose between the two; the library uses the faster).
//
// Prints each run, the medians of wall-clock and CPU time (the shell's from its rusage as a
// child; CPU time is steadier on a shared machine, wall time includes waiting for the disk)
// and the ratios to the sqlite3 shell, and what one parse pass alone costs; checks that all three
// tables hold the same rows with the same types.
//
// Usage: csv_import_bench [rows [runs [sqlite3-binary]]]   (default 1000000 3 sqlite3)
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "airsql/options.hpp"
#include "csv/csv_import.hpp"
#include "database/hosted_database.hpp"
#include "sqlite/connection.hpp"
#include "temp_dir.hpp"

namespace {

using clock_type = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* schema =
    "CREATE TABLE t (\"id\" INTEGER, \"name\" TEXT, \"score\" REAL, \"qty\" INTEGER, "
    "\"city\" TEXT, \"price\" REAL)";

void generate(const fs::path& file, long rows) {
    std::mt19937 rng(4189);
    const char* cities[] = {"Zürich", "Berlin", "New York, NY", "São Paulo", "Tokyo", "Paris"};
    std::ofstream out(file, std::ios::binary);
    std::string buf = "id,name,score,qty,city,price\n";
    char line[256];
    for (long i = 1; i <= rows; ++i) {
        auto r = static_cast<unsigned>(rng());
        const char* city = cities[r % 6];
        bool quote = std::string_view(city).find(',') != std::string_view::npos;
        int n = std::snprintf(line, sizeof line, "%ld,Person %u %s,%.3f,%s,%s%s%s,%u.%02u\n", i,
                              r % 100000, (r & 64) ? "Smith" : "Jones",
                              static_cast<double>(r % 1000000) / 1000.0 - 250.0,
                              (r % 17 == 0) ? "" : std::to_string(r % 5000).c_str(),
                              quote ? "\"" : "", city, quote ? "\"" : "", (r >> 8) % 1000,
                              (r >> 4) % 100);
        buf.append(line, static_cast<std::size_t>(n));
        if (buf.size() > (1 << 20)) {
            out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
            buf.clear();
        }
    }
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
}

std::unique_ptr<airsql::sqlite::connection> fresh_hosted(const fs::path& file) {
    fs::remove(file);
    fs::remove(fs::path(file.string() + "-wal"));
    fs::remove(fs::path(file.string() + "-shm"));
    { airsql::sqlite::connection create(file, airsql::sqlite::connection::mode::read_write_create); }
    return airsql::database::open_hosted_connection(file, airsql::options{}, true);
}

// CPU seconds (user + system) of this process, or of its finished children.
double cpu_seconds(int who) {
    rusage u{};
    getrusage(who, &u);
    auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
    return s(u.ru_utime) + s(u.ru_stime);
}

// Wall-clock and CPU seconds of one contender.
struct timing {
    double wall = 0;
    double cpu = 0;
};

template <class F>
timing measure(int who, F&& f) {
    double cpu0 = cpu_seconds(who);
    double wall = f();
    return {wall, cpu_seconds(who) - cpu0};
}

double airsql_two_pass(const fs::path& csv, const fs::path& db) {
    auto conn = fresh_hosted(db);
    auto source = airsql::byte_source::from_file(csv);
    auto start = clock_type::now();
    auto r = airsql::csv::import_into_new_table(*conn, source, "t", {});
    double s = std::chrono::duration<double>(clock_type::now() - start).count();
    if (r.types != std::vector<std::string>{"INTEGER", "TEXT", "REAL", "INTEGER", "TEXT", "REAL"}) {
        std::fprintf(stderr, "unexpected inferred types\n");
        std::exit(1);
    }
    return s;
}

// The alternative: one parse, TEXT into a staging table while inferring, then converted in SQL.
double airsql_staging(const fs::path& csv, const fs::path& db) {
    using namespace airsql;
    auto conn = fresh_hosted(db);
    auto source = byte_source::from_file(csv);
    auto start = clock_type::now();
    sqlite::transaction tx(*conn);
    conn->exec("CREATE TABLE staging (c1, c2, c3, c4, c5, c6)");
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v3(conn->handle(), "INSERT INTO staging VALUES (?, ?, ?, ?, ?, ?)", -1,
                       SQLITE_PREPARE_PERSISTENT, &ins, nullptr);
    csv::parser p(source);
    csv::record r;
    p.next(r);
    std::vector<csv::type_inference> types(r.fields.size());
    while (p.next(r)) {
        for (std::size_t i = 0; i < r.fields.size(); ++i) {
            auto v = r.fields[i];
            if (!types[i].settled_as_text()) types[i].add(csv::classify(v));
            if (v.empty()) {
                sqlite3_bind_null(ins, static_cast<int>(i) + 1);
            } else {
                sqlite3_bind_text(ins, static_cast<int>(i) + 1, v.data(), static_cast<int>(v.size()),
                                  SQLITE_STATIC);
            }
        }
        sqlite3_step(ins);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    std::string create = "CREATE TABLE t (";
    const char* names[] = {"id", "name", "score", "qty", "city", "price"};
    for (std::size_t i = 0; i < types.size(); ++i) {
        create += std::string(i ? ", " : "") + "\"" + names[i] + "\" " + std::string(types[i].sql_type());
    }
    conn->exec(create + ")");
    conn->exec("INSERT INTO t SELECT * FROM staging");
    conn->exec("DROP TABLE staging");
    tx.commit();
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// One pass of the parser with type inference, no SQLite: what the first pass costs.
double parse_only(const fs::path& csv) {
    using namespace airsql;
    auto source = byte_source::from_file(csv);
    auto start = clock_type::now();
    csv::parser p(source);
    csv::record r;
    p.next(r);
    std::vector<csv::type_inference> types(r.fields.size());
    while (p.next(r)) {
        for (std::size_t i = 0; i < r.fields.size(); ++i) {
            if (!types[i].settled_as_text()) types[i].add(csv::classify(r.fields[i]));
        }
    }
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// A fresh database file with the typed schema, made by the shell (not timed).
void prepare_shell_db(const std::string& shell, const fs::path& db) {
    fs::remove(db);
    fs::remove(fs::path(db.string() + "-journal"));
    std::string create = shell + " '" + db.string() + "' '" + schema + "'";
    if (std::system(create.c_str()) != 0) {
        std::fprintf(stderr, "cannot run %s\n", shell.c_str());
        std::exit(1);
    }
}

double sqlite3_shell(const std::string& shell, const fs::path& csv, const fs::path& db) {
    std::string import =
        shell + " '" + db.string() + "' '.import --csv --skip 1 " + csv.string() + " t'";
    auto start = clock_type::now();
    if (std::system(import.c_str()) != 0) {
        std::fprintf(stderr, "sqlite3 .import failed\n");
        std::exit(1);
    }
    return std::chrono::duration<double>(clock_type::now() - start).count();
}

// count, sums and type counts: equal tables give equal fingerprints. (The shell imports an
// empty field as '', airsql as NULL: both count as empty.)
std::string fingerprint(const fs::path& db) {
    airsql::sqlite::connection conn(db, airsql::sqlite::connection::mode::read_only);
    auto st = conn.prepare(
        "SELECT count(*), sum(id), total(score), total(qty), total(price), "
        "sum(typeof(id) = 'integer'), sum(typeof(score) = 'real'), sum(coalesce(qty, '') = ''), "
        "sum(typeof(price) = 'real'), sum(length(name)), sum(length(city)) FROM t");
    st.step();
    std::string out;
    for (int i = 0; i < st.column_count(); ++i) out += st.text(i) + " ";
    return out;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    long rows = argc > 1 ? std::atol(argv[1]) : 1'000'000;
    int runs = argc > 2 ? std::atoi(argv[2]) : 3;
    std::string shell = argc > 3 ? argv[3] : "sqlite3";
    airsql::test::temp_dir dir;
    auto csv = dir.path() / "data.csv";
    generate(csv, rows);
    std::printf("%ld rows x 6 columns, %.1f MB of CSV, %d runs\n", rows,
                static_cast<double>(fs::file_size(csv)) / 1e6, runs);

    std::vector<timing> shell_t, two_pass_t, staging_t, parse_t;
    for (int run = 0; run < runs; ++run) {
        prepare_shell_db(shell, dir.path() / "shell.sqlite");
        shell_t.push_back(measure(RUSAGE_CHILDREN,
                                  [&] { return sqlite3_shell(shell, csv, dir.path() / "shell.sqlite"); }));
        two_pass_t.push_back(
            measure(RUSAGE_SELF, [&] { return airsql_two_pass(csv, dir.path() / "airsql.sqlite"); }));
        staging_t.push_back(
            measure(RUSAGE_SELF, [&] { return airsql_staging(csv, dir.path() / "staging.sqlite"); }));
        parse_t.push_back(measure(RUSAGE_SELF, [&] { return parse_only(csv); }));
        std::printf("run %d (wall / CPU s): sqlite3 .import %.3f / %.3f, airsql two passes %.3f / "
                    "%.3f, airsql staging table %.3f / %.3f, one parse pass alone %.3f / %.3f\n",
                    run + 1, shell_t.back().wall, shell_t.back().cpu, two_pass_t.back().wall,
                    two_pass_t.back().cpu, staging_t.back().wall, staging_t.back().cpu,
                    parse_t.back().wall, parse_t.back().cpu);
    }
    auto a = fingerprint(dir.path() / "shell.sqlite");
    auto b = fingerprint(dir.path() / "airsql.sqlite");
    auto c = fingerprint(dir.path() / "staging.sqlite");
    if (a != b || a != c) {
        std::fprintf(stderr, "tables differ:\n  sqlite3  %s\n  airsql   %s\n  staging  %s\n",
                     a.c_str(), b.c_str(), c.c_str());
        return 1;
    }
    auto med = [](const std::vector<timing>& v, double timing::*field) {
        std::vector<double> x;
        for (const auto& t : v) x.push_back(t.*field);
        return median(x);
    };
    for (auto [label, field] : {std::pair{"wall", &timing::wall}, std::pair{"CPU", &timing::cpu}}) {
        double base = med(shell_t, field);
        std::printf("median %s: sqlite3 .import %.3f s, airsql two passes %.3f s (ratio %.2f), "
                    "airsql staging table %.3f s (ratio %.2f), one parse pass %.3f s\n",
                    label, base, med(two_pass_t, field), med(two_pass_t, field) / base,
                    med(staging_t, field), med(staging_t, field) / base, med(parse_t, field));
    }
    return 0;
}
