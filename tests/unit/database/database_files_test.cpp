// SPDX-License-Identifier: Apache-2.0
// Whole databases as files through the library API: upload, download, replace, duplicate,
// vacuum, new ids.
#include <sqlite3.h>

#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "catch.hpp"
#include "engine_fixture.hpp"

namespace {

using namespace airsql;

// A SQLite file made with SQLite itself, as bytes.
std::string sqlite_file(const std::filesystem::path& dir, const std::string& script,
                        int page_size = 4096) {
    auto path = dir / "made.sqlite";
    std::filesystem::remove(path);
    sqlite3* db = nullptr;
    sqlite3_open(path.c_str(), &db);
    sqlite3_exec(db, ("PRAGMA page_size = " + std::to_string(page_size) + "; " + script).c_str(),
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::string rows(engine& eng, const principal& who, const std::string& db, const std::string& q) {
    auto r = run_sql(eng, who, db, {q});
    REQUIRE(r.errors.empty());
    return boost::json::serialize(r.rows);
}

}  // namespace

TEST_CASE("an uploaded SQLite file is served and downloads byte for byte", "[database_files]") {
    test::engine_fixture f;
    auto ann = f.user("ann");
    for (int page_size : {512, 4096, 65536}) {
        auto bytes = sqlite_file(f.dir.path(),
                                 "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT);"
                                 "INSERT INTO t (b) VALUES ('x'), ('y');",
                                 page_size);
        auto created = upload_database(f.eng, ann, {},
                                       byte_source::from_memory(bytes, "things.sqlite"));
        CHECK(created.owner_name == "ann");
        CHECK(get_database(f.eng, ann, created.id).name == "things");
        CHECK(rows(f.eng, ann, created.id, "SELECT b FROM t ORDER BY a") ==
              R"([{"b":"x"},{"b":"y"}])");
        string_sink out;
        auto meta = download_database(f.eng, ann, created.id, out);
        CHECK(out.data == bytes);
        CHECK(meta.media_type == "application/vnd.sqlite3");

        // After a write: a valid snapshot with the new row.
        rows(f.eng, ann, created.id, "INSERT INTO t (b) VALUES ('z')");
        string_sink after;
        download_database(f.eng, ann, created.id, after);
        auto copy = f.dir.path() / "copy.sqlite";
        std::ofstream(copy, std::ios::binary) << after.data;
        sqlite3* db = nullptr;
        sqlite3_open(copy.c_str(), &db);
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, nullptr);
        REQUIRE(sqlite3_step(st) == SQLITE_ROW);
        CHECK(sqlite3_column_int(st, 0) == 3);
        sqlite3_finalize(st);
        sqlite3_close(db);
        std::filesystem::remove(copy);
    }
}

TEST_CASE("bad uploads are refused and leave nothing behind", "[database_files]") {
    test::engine_fixture f;
    auto ann = f.user("ann");
    auto dbs = f.dir.path() / "databases";
    auto count = [&] {
        return std::distance(std::filesystem::directory_iterator(dbs),
                             std::filesystem::directory_iterator());
    };
    auto before = count();
    auto good = sqlite_file(f.dir.path(), "CREATE TABLE t (x); INSERT INTO t VALUES (1);");
    auto refused = [&](const std::string& bytes, const std::string& name, errc code) {
        try {
            upload_database(f.eng, ann, {}, byte_source::from_memory(bytes, name));
            FAIL("accepted " << name);
        } catch (const error& e) {
            CHECK(e.code() == code);
        }
    };
    refused("not a database at all", "x.sqlite", errc::invalid_argument);
    refused(good.substr(0, good.size() - 10), "cut.sqlite", errc::invalid_argument);
    refused("\x89PNG....", "image.png", errc::invalid_argument);
    refused("CREATE TABLE a (x); SELEC nonsense;", "bad.sql", errc::invalid_argument);
    refused(sqlite_file(f.dir.path(), "CREATE TABLE p (id INTEGER PRIMARY KEY);"
                                      "CREATE TABLE c (p INTEGER REFERENCES p(id));"
                                      "INSERT INTO c VALUES (9);"),
            "fk.sqlite", errc::invalid_argument);
    CHECK(count() == before);

}

TEST_CASE("files over the database size cap get payload_too_large", "[database_files]") {
    test::temp_dir dir;
    auto opts = test::engine_fixture::make_options(dir);
    opts.max_database_bytes = 8192;
    engine eng(opts);
    sign_up(eng, principal::anonymous(), {"bo", "bo@example.com", "password-bo"});
    auto who = authenticate(
        eng, credentials{.bearer = login(eng, principal::anonymous(), {"bo", "password-bo"}).session_token});
    std::string big(9000, 'x');
    try {
        upload_database(eng, who, {}, byte_source::from_memory(big, "big.sqlite"));
        FAIL("accepted");
    } catch (const error& e) {
        CHECK(e.code() == errc::payload_too_large);
    }
}

TEST_CASE("replace, duplicate, vacuum and new ids", "[database_files]") {
    test::engine_fixture f;
    auto ann = f.user("ann");
    auto bob = f.user("bob");
    auto db = f.database(ann, "ann", "CREATE TABLE t (x); INSERT INTO t VALUES (1), (2);");

    auto copy = duplicate_database(f.eng, ann, db, ann, "");
    CHECK(rows(f.eng, ann, copy.id, "SELECT sum(x) AS s FROM t") == R"([{"s":3}])");

    auto replacement = sqlite_file(f.dir.path(), "CREATE TABLE u (y); INSERT INTO u VALUES (7);");
    replace_database(f.eng, ann, db, byte_source::from_memory(replacement, "r.sqlite"));
    CHECK(rows(f.eng, ann, db, "SELECT y FROM u") == R"([{"y":7}])");
    CHECK(run_sql(f.eng, ann, db, {"SELECT x FROM t"}).errors.size() == 1);
    // Bob is not in ann's team: he may neither replace nor read.
    CHECK_THROWS_AS(replace_database(f.eng, bob, db, byte_source::from_memory(replacement, "r.sqlite")),
                    error);

    vacuum_database(f.eng, ann, db);
    CHECK(rows(f.eng, ann, db, "SELECT y FROM u") == R"([{"y":7}])");

    auto info = get_database(f.eng, ann, db);
    auto readonly = regenerate_readonly_id(f.eng, ann, db);
    CHECK(readonly != info.readonly_id);
    CHECK_THROWS_AS(get_database(f.eng, principal::readonly_link(info.readonly_id), info.readonly_id),
                    error);
    CHECK(get_database(f.eng, principal::readonly_link(readonly), readonly).id == db);

    auto new_id = regenerate_database_id(f.eng, ann, db);
    CHECK(new_id != db);
    CHECK_THROWS_AS(get_database(f.eng, ann, db), error);
    CHECK(rows(f.eng, ann, new_id, "SELECT y FROM u") == R"([{"y":7}])");

    // Through the read-only id, bob duplicates into his own team.
    auto his = duplicate_database(f.eng, principal::readonly_link(readonly), readonly, bob, "");
    CHECK(his.owner_name == "bob");
    CHECK(rows(f.eng, bob, his.id, "SELECT y FROM u") == R"([{"y":7}])");
}

namespace {

// A user on an engine whose options the test chooses.
principal signed_up(engine& eng, const std::string& name) {
    sign_up(eng, principal::anonymous(), {name, name + "@example.com", "password-" + name});
    auto res = login(eng, principal::anonymous(), {name, "password-" + name});
    return authenticate(eng, credentials{.bearer = res.session_token});
}

}  // namespace

TEST_CASE("an upload whose own expressions need more than a request's memory is refused",
          "[database_files][redteam]") {
    test::temp_dir dir;
    auto opts = test::engine_fixture::make_options(dir);
    opts.max_request_sqlite_memory = 16 * 1024 * 1024;
    engine eng(opts);
    auto ann = signed_up(eng, "ann");
    // integrity_check evaluates the CHECK: 20 MB of blobs at once, past the 16 MiB budget.
    auto heavy = sqlite_file(dir.path(),
                             "PRAGMA ignore_check_constraints = ON;"
                             "CREATE TABLE t (x CHECK (length(randomblob(10000000) || "
                             "randomblob(10000000)) > 0)); INSERT INTO t VALUES (1);");
    try {
        upload_database(eng, ann, {}, byte_source::from_memory(heavy, "heavy.sqlite"));
        FAIL("accepted");
    } catch (const error& e) {
        CHECK(e.code() == errc::invalid_argument);
        CHECK(std::string(e.what()).find("memory") != std::string::npos);
    }
    // Nothing is left behind: no database, no staged file.
    CHECK(list_databases(eng, ann).number_of_databases == 0);
    CHECK(std::filesystem::is_empty(dir.path() / "databases" / ".staging"));
    // Within the budget the same shape is accepted.
    auto light = sqlite_file(dir.path(),
                             "CREATE TABLE t (x CHECK (length(randomblob(1000)) > 0));"
                             "INSERT INTO t VALUES (1);");
    CHECK_NOTHROW(upload_database(eng, ann, {}, byte_source::from_memory(light, "light.sqlite")));
}

TEST_CASE("an export stops at max_export_bytes, even of a view that never ends",
          "[database_files][redteam]") {
    test::temp_dir dir;
    auto opts = test::engine_fixture::make_options(dir);
    opts.max_export_bytes = 100000;
    engine eng(opts);
    auto ann = signed_up(eng, "ann");
    auto db = create_database(eng, ann,
                              {"db", "ann",
                               "CREATE VIEW endless AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                               "SELECT i + 1 FROM n) SELECT i FROM n",
                               std::nullopt})
                  .id;
    for (auto format : {export_format::csv, export_format::json, export_format::ndjson,
                        export_format::sql}) {
        string_sink sink;
        try {
            export_table(eng, ann, db, "endless", format, sink);
            FAIL("the export ended");
        } catch (const error& e) {
            CHECK(e.code() == errc::payload_too_large);
        }
        CHECK(sink.data.size() <= 100000);
    }
}
