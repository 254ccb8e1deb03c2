// SPDX-License-Identifier: Apache-2.0
#include <sqlite3.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <sstream>
#include <thread>

#include "catch.hpp"
#include "export/cell_text.hpp"
#include "export_fixture.hpp"

using namespace airsql;
using test::code_of;

namespace {

constexpr const char* mixed_table =
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, score REAL, data BLOB, note);"
    "INSERT INTO t (name, score, data, note) VALUES "
    "('plain', 1.0, NULL, 42),"
    "('with, comma', 0.1, X'00FF10', NULL),"
    "('with \"quotes\"', -2.5e-300, X'', ''),"
    "('two' || char(10) || 'lines' || char(13) || char(10) || 'crlf', 1e308 * 10, NULL, 'x'),"
    "('ünïcödé 😀', 123456789.125, NULL, 9223372036854775807),"
    "(NULL, NULL, NULL, 'z')";

// Rows of a query as text "typeof:value" cells, one line per row, for comparisons.
std::string dump_rows(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::ostringstream out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        for (int i = 0; i < sqlite3_column_count(st); ++i) {
            auto type = sqlite3_column_type(st, i);
            out << type << ':';
            if (type == SQLITE_FLOAT) {
                out.precision(17);
                out << sqlite3_column_double(st, i);
            } else if (type != SQLITE_NULL) {
                out << std::string(static_cast<const char*>(sqlite3_column_blob(st, i)),
                                   static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
            }
            out << '|';
        }
        out << '\n';
    }
    sqlite3_finalize(st);
    return out.str();
}

std::string dump_file(const std::filesystem::path& file, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    auto rows = dump_rows(db, sql);
    sqlite3_close(db);
    return rows;
}

}  // namespace

TEST_CASE("CSV export quotes only what needs quoting and keeps NULL apart from ''",
          "[export]") {
    test::export_fixture fx(mixed_table);
    auto csv = fx.export_as("t", export_format::csv);
    std::string expected =
        "id,name,score,data,note\r\n"
        "1,plain,1.0,,42\r\n"
        "2,\"with, comma\",0.1,AP8Q,\r\n"
        "3,\"with \"\"quotes\"\"\",-2.5e-300,\"\",\"\"\r\n"
        "4,\"two\nlines\r\ncrlf\",Inf,,x\r\n"
        "5,ünïcödé 😀,123456789.125,,9223372036854775807\r\n"
        "6,,,,z\r\n";
    CHECK(csv == expected);
}

TEST_CASE("CSV export replaces invalid UTF-8 and quotes the header when needed", "[export]") {
    test::export_fixture fx("CREATE TABLE \"we,ird\" (\"a \"\"b\"\"\" TEXT);"
                            "INSERT INTO \"we,ird\" VALUES (CAST(X'61FF62' AS TEXT))");
    CHECK(fx.export_as("we,ird", export_format::csv) ==
          "\"a \"\"b\"\"\"\r\na\xEF\xBF\xBD" "b\r\n");
}

TEST_CASE("values keep full precision: REALs read back as the same double", "[export]") {
    for (double v : {0.1, 1.0 / 3.0, 2.5e-300, 1e21, 123456789.123456789, -0.0, 5e-324}) {
        std::string text;
        exporting::append_real(text, v, "Inf", "-Inf");
        CHECK(std::strtod(text.c_str(), nullptr) == v);
        CHECK(text.find_first_of(".e") != std::string::npos);
    }
    std::string b;
    exporting::append_base64(b, "Man");
    exporting::append_base64(b, "Ma");
    exporting::append_base64(b, "M");
    CHECK(b == "TWFuTWE=TQ==");
    std::string long_text;
    exporting::append_base64(long_text, "Many hands make light work.");
    CHECK(long_text == "TWFueSBoYW5kcyBtYWtlIGxpZ2h0IHdvcmsu");
}

TEST_CASE("JSON and NDJSON exports parse and hold every row", "[export]") {
    test::export_fixture fx(mixed_table);
    auto json = boost::json::parse(fx.export_as("t", export_format::json));
    REQUIRE(json.is_array());
    auto& rows = json.as_array();
    REQUIRE(rows.size() == 6);
    CHECK(rows[0].at("name") == "plain");
    CHECK(rows[0].at("score").as_double() == 1.0);
    CHECK(rows[1].at("score").as_double() == 0.1);
    CHECK(rows[1].at("data") == "AP8Q");
    CHECK(rows[1].at("note").is_null());
    CHECK(rows[3].at("name") == "two\nlines\r\ncrlf");
    CHECK(rows[4].at("name") == "ünïcödé 😀");
    CHECK(rows[4].at("note").as_int64() == 9223372036854775807);
    CHECK(rows[5].at("name").is_null());

    auto ndjson = fx.export_as("t", export_format::ndjson);
    std::istringstream lines(ndjson);
    std::string line;
    std::size_t n = 0;
    while (std::getline(lines, line)) {
        auto row = boost::json::parse(line);
        CHECK(row.at("id").as_int64() == static_cast<std::int64_t>(++n));
    }
    CHECK(n == 6);
    CHECK(ndjson.back() == '\n');

    test::export_fixture empty("CREATE TABLE e (x)");
    CHECK(boost::json::parse(empty.export_as("e", export_format::json)).as_array().empty());
    CHECK(empty.export_as("e", export_format::ndjson).empty());
    CHECK(empty.export_as("e", export_format::csv) == "x\r\n");
}

TEST_CASE("an SQL export re-imported into a fresh SQLite gives the same rows", "[export]") {
    test::export_fixture fx(std::string(mixed_table) +
                            "; INSERT INTO t (name) VALUES (CAST(X'41004200FF' AS TEXT));"
                            "CREATE INDEX t_name ON t (name);"
                            "CREATE TABLE g (a INTEGER, b AS (a * 2));"
                            "INSERT INTO g (a) VALUES (1), (2)");
    auto sql = fx.export_as("t", export_format::sql);
    CHECK(sql.rfind("PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t (", 0) == 0);
    CHECK_THAT(sql, Catch::Contains("INSERT INTO t VALUES(2,'with, comma',0.1,X'00FF10',NULL);"));
    CHECK_THAT(sql, Catch::Contains("CREATE INDEX t_name ON t (name);\nCOMMIT;\n"));

    sqlite3* fresh = nullptr;
    REQUIRE(sqlite3_open(":memory:", &fresh) == SQLITE_OK);
    char* message = nullptr;
    auto rc = sqlite3_exec(fresh, sql.c_str(), nullptr, nullptr, &message);
    INFO((message ? message : ""));
    sqlite3_free(message);
    REQUIRE(rc == SQLITE_OK);
    auto original = dump_file(fx.file(), "SELECT * FROM t ORDER BY id");
    CHECK(dump_rows(fresh, "SELECT * FROM t ORDER BY id") == original);
    CHECK(original.find("3:A") != std::string::npos);  // the NUL-containing text survived

    // Generated columns are left out of INSERT and computed again.
    auto gsql = fx.export_as("g", export_format::sql);
    CHECK_THAT(gsql, Catch::Contains("INSERT INTO g VALUES(1);"));
    REQUIRE(sqlite3_exec(fresh, gsql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    CHECK(dump_rows(fresh, "SELECT * FROM g") == "1:1|1:2|\n1:2|1:4|\n");
    sqlite3_close(fresh);
}

TEST_CASE("views export their rows; names match case-insensitively; unknown names are 404",
          "[export]") {
    test::export_fixture fx(
        "CREATE TABLE \"Order Items\" (qty INTEGER, price REAL);"
        "INSERT INTO \"Order Items\" VALUES (2, 1.5), (3, 2.0);"
        "CREATE VIEW totals AS SELECT qty * price AS total FROM \"Order Items\"");
    CHECK(fx.export_as("totals", export_format::csv) == "total\r\n3.0\r\n6.0\r\n");
    auto sql = fx.export_as("TOTALS", export_format::sql);
    CHECK_THAT(sql, Catch::Contains("CREATE TABLE totals(total);\nINSERT INTO totals VALUES(3.0);"));
    CHECK_THAT(fx.export_as("order items", export_format::sql),
               Catch::Contains("INSERT INTO \"Order Items\" VALUES(2,1.5);"));
    CHECK(code_of([&] { fx.export_as("nope", export_format::csv); }) == errc::not_found);
    CHECK(code_of([&] { fx.export_as("sqlite_schema", export_format::csv); }) == errc::not_found);
    CHECK(code_of([&] { parse_export_format("xml"); }) == errc::invalid_argument);
    CHECK(parse_export_format("ndjson") == export_format::ndjson);
}

TEST_CASE("exports need read access: write-only and insert-only tokens are refused",
          "[export]") {
    test::export_fixture fx("CREATE TABLE t (x); INSERT INTO t VALUES (1)");
    CHECK(fx.export_as(fx.token(token_access::read), "t", export_format::csv) == "x\r\n1\r\n");
    CHECK(fx.export_as(fx.token(token_access::write), "t", export_format::csv) == "x\r\n1\r\n");
    CHECK(code_of([&] { fx.export_as(fx.token(token_access::writeonly), "t", export_format::csv); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { fx.export_as(fx.token(token_access::insertonly), "t", export_format::csv); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { fx.export_as(principal::anonymous(), "t", export_format::csv); }) ==
          errc::not_found);
    auto info = get_database(fx.eng, fx.ann, fx.db);
    string_sink sink;
    export_table(fx.eng, principal::readonly_link(info.readonly_id), info.readonly_id, "t",
                 export_format::csv, sink);
    CHECK(sink.data == "x\r\n1\r\n");
}

TEST_CASE("an export past options::export_timeout stops with deadline_exceeded", "[export]") {
    test::export_fixture fx(
        "CREATE TABLE big (n INTEGER, s TEXT);"
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 200000) "
        "INSERT INTO big SELECT n, printf('row %d', n) FROM c",
        [](options& o) { o.export_timeout = std::chrono::milliseconds(20); });
    // A slow sink makes the export outlast its limit even on a fast machine.
    struct slow_sink : byte_sink {
        void write(std::string_view) override {
            std::this_thread::sleep_for(std::chrono::milliseconds(30));
        }
    } sink;
    CHECK(code_of([&] { export_table(fx.eng, fx.ann, fx.db, "big", export_format::csv, sink); }) ==
          errc::deadline_exceeded);
    // The reader it used is fine afterwards.
    CHECK(get_database(fx.eng, fx.ann, fx.db).tables.size() == 1);
}

TEST_CASE("an export holds a bounded buffer, not the table", "[export]") {
    test::export_fixture fx(
        "CREATE TABLE big (n INTEGER, s TEXT);"
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 100000) "
        "INSERT INTO big SELECT n, printf('%.40c', 'x') FROM c");
    struct counting_sink : byte_sink {
        std::size_t writes = 0, largest = 0, total = 0;
        void write(std::string_view b) override {
            ++writes;
            largest = std::max(largest, b.size());
            total += b.size();
        }
    } sink;
    export_table(fx.eng, fx.ann, fx.db, "big", export_format::ndjson, sink);
    CHECK(sink.total > 5'000'000);
    CHECK(sink.largest < 300 * 1024);
    CHECK(sink.writes > 10);
}
