// SPDX-License-Identifier: Apache-2.0
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include <fstream>
#include <random>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "csv/csv_import.hpp"
#include "csv/csv_parser.hpp"
#include "engine_fixture.hpp"
#include "hosted_scratch.hpp"

using namespace airsql;
using rows_t = std::vector<std::vector<std::string>>;

namespace {

struct parsed {
    rows_t rows;
    std::vector<std::uint64_t> lines;
    csv::text_encoding encoding = csv::text_encoding::utf8;
};

parsed parse_source(const byte_source& source, csv::parse_options opts = {}) {
    parsed out;
    csv::parser p(source, opts);
    csv::record r;
    while (p.next(r)) {
        out.rows.emplace_back(r.fields.begin(), r.fields.end());
        out.lines.push_back(r.line);
    }
    out.encoding = p.encoding();
    return out;
}

parsed parse(std::string_view bytes, csv::parse_options opts = {}) {
    return parse_source(byte_source::from_memory(bytes), opts);
}

rows_t rows(std::string_view bytes, csv::parse_options opts = {}) { return parse(bytes, opts).rows; }

// The error a call throws (code and message); fails the test when it throws nothing.
std::pair<errc, std::string> failure(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return {e.code(), e.what()};
    }
    FAIL("expected an airsql::error");
    return {errc::internal, ""};
}

std::string parse_error(std::string_view bytes, csv::parse_options opts = {}) {
    auto [code, message] = failure([&] { parse(bytes, opts); });
    CHECK(code == errc::invalid_argument);
    return message;
}

std::string utf16(std::u16string_view text, bool little_endian, bool bom) {
    std::string out;
    auto put = [&](char16_t u) {
        auto lo = static_cast<char>(u & 0xFF);
        auto hi = static_cast<char>(u >> 8);
        if (little_endian) {
            out += lo;
            out += hi;
        } else {
            out += hi;
            out += lo;
        }
    };
    if (bom) put(0xFEFF);
    for (auto u : text) put(u);
    return out;
}

void write_file(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

// ---- the parser ----

TEST_CASE("csv: plain records, LF, CRLF and CR line breaks, a missing final newline", "[csv]") {
    rows_t expected = {{"a", "b"}, {"1", "2"}, {"3", "4"}};
    CHECK(rows("a,b\n1,2\n3,4\n") == expected);
    CHECK(rows("a,b\r\n1,2\r\n3,4\r\n") == expected);
    CHECK(rows("a,b\r1,2\r3,4\r") == expected);
    CHECK(rows("a,b\n1,2\n3,4") == expected);
    CHECK(rows("a,b\r\n1,2\n3,4\r") == expected);
    CHECK(parse("a,b\r\n1,2\r\n3,4").lines == std::vector<std::uint64_t>{1, 2, 3});
    // Empty fields, a trailing delimiter.
    CHECK(rows("a,b,c\n,,\n1,,\n,,3") ==
          rows_t{{"a", "b", "c"}, {"", "", ""}, {"1", "", ""}, {"", "", "3"}});
    // Other delimiters.
    CHECK(rows("a;b\n1;\"x;y\"\n", {.delimiter = ';'}) == rows_t{{"a", "b"}, {"1", "x;y"}});
    CHECK(rows("a\tb\n1\t2\n", {.delimiter = '\t'}) == rows_t{{"a", "b"}, {"1", "2"}});
}

TEST_CASE("csv: quoted fields, doubled quotes, quotes inside unquoted fields", "[csv]") {
    CHECK(rows("a,b\n\"x, y\",\"say \"\"hi\"\"\"\n") ==
          rows_t{{"a", "b"}, {"x, y", "say \"hi\""}});
    CHECK(rows("a\n\"\"\"\"\n") == rows_t{{"a"}, {"\""}});
    CHECK(rows("a,b\n5\" screen,x\"y\"\n") == rows_t{{"a", "b"}, {"5\" screen", "x\"y\""}});
    CHECK(rows("a,b\n\"\",\"\"\n") == rows_t{{"a", "b"}, {"", ""}});
    CHECK(rows("\"a\",\"b\"") == rows_t{{"a", "b"}});
    CHECK_THAT(parse_error("a,b\n\"x\"y,1\n"),
               Catch::Contains("line 2: unexpected text after the closing quote"));
    CHECK_THAT(parse_error("a,b\n1,2\n\"open,3\n4,5\n"),
               Catch::Contains("a quoted field is not closed (its opening quote is on line 3)"));
}

TEST_CASE("csv: line breaks inside quoted fields are kept and counted", "[csv]") {
    auto p = parse("id,note\n1,\"two\nlines\"\n2,\"crlf\r\ninside\"\n3,\"\r\n\r\n\"\n4,x\n");
    CHECK(p.rows == rows_t{{"id", "note"},
                           {"1", "two\nlines"},
                           {"2", "crlf\r\ninside"},
                           {"3", "\r\n\r\n"},
                           {"4", "x"}});
    CHECK(p.lines == std::vector<std::uint64_t>{1, 2, 4, 6, 9});
    // Errors after them name the right line.
    CHECK_THAT(parse_error("id,note\n1,\"two\nlines\"\n2\n"),
               Catch::Contains("line 4 has 1 field, the header has 2"));
}

TEST_CASE("csv: blank lines are skipped, a lone empty field is written as two quotes", "[csv]") {
    CHECK(rows("\n\na,b\n\n1,2\r\n\r\n3,4\n\n\n") == rows_t{{"a", "b"}, {"1", "2"}, {"3", "4"}});
    CHECK(parse("a,b\n\n1,2\n").lines == std::vector<std::uint64_t>{1, 3});
    CHECK(rows("name\n\"\"\nx\n") == rows_t{{"name"}, {""}, {"x"}});
}

TEST_CASE("csv: empty input and header-only input", "[csv]") {
    CHECK(rows("").empty());
    CHECK(rows("\xEF\xBB\xBF").empty());
    CHECK(rows("\n\r\n").empty());
    CHECK(rows("a,b") == rows_t{{"a", "b"}});
    CHECK(rows("a,b\n") == rows_t{{"a", "b"}});
}

TEST_CASE("csv: a UTF-8 byte-order mark is dropped", "[csv]") {
    auto p = parse("\xEF\xBB\xBF" "name,city\nJosé,Zürich\n");
    CHECK(p.rows == rows_t{{"name", "city"}, {"José", "Zürich"}});
    CHECK(p.encoding == csv::text_encoding::utf8_bom);
    CHECK(parse("name\nx\n").encoding == csv::text_encoding::utf8);
}

TEST_CASE("csv: UTF-16 LE and BE, with or without a byte-order mark, become UTF-8", "[csv]") {
    std::u16string text = u"name,emoji\r\nJosé,\"😀 \"\"x\"\"\"\r\n日本,b\r\n";
    rows_t expected = {{"name", "emoji"}, {"José", "😀 \"x\""}, {"日本", "b"}};
    struct variant {
        bool le, bom;
        csv::text_encoding encoding;
    };
    for (auto v : {variant{true, true, csv::text_encoding::utf16le},
                   variant{false, true, csv::text_encoding::utf16be},
                   variant{true, false, csv::text_encoding::utf16le},
                   variant{false, false, csv::text_encoding::utf16be}}) {
        INFO("little endian " << v.le << ", BOM " << v.bom);
        auto p = parse(utf16(text, v.le, v.bom));
        CHECK(p.rows == expected);
        CHECK(p.encoding == v.encoding);
        CHECK(p.lines == std::vector<std::uint64_t>{1, 2, 3});
    }
    // Large enough that code units and surrogate pairs straddle read chunks.
    std::u16string big = u"a,b\n";
    for (int i = 0; i < 60'000; ++i) big += u"\U0001F600x,\"é\nü\"\n";
    auto p = parse(utf16(big, true, false));
    REQUIRE(p.rows.size() == 60'001);
    CHECK(p.rows.back() == std::vector<std::string>{"😀x", "é\nü"});
    CHECK(p.lines.back() == 120'000);
}

TEST_CASE("csv: malformed UTF-16 and UTF-32 are refused", "[csv]") {
    CHECK_THAT(parse_error(utf16(u"a\n\xD800x\n", true, true)),
               Catch::Contains("line 2: the file is not valid UTF-16 (an unpaired surrogate"));
    CHECK_THAT(parse_error(utf16(u"a\nb\n\xDC00", false, true)),
               Catch::Contains("line 3: the file is not valid UTF-16"));
    CHECK_THAT(parse_error(utf16(u"a\nb", true, true) + "x"),
               Catch::Contains("ends in the middle of a UTF-16 character"));
    CHECK_THAT(parse_error(std::string("\xFF\xFE\0\0a\0\0\0", 8)), Catch::Contains("UTF-32"));
}

TEST_CASE("csv: invalid UTF-8 and NUL characters are refused naming the line", "[csv]") {
    CHECK_THAT(parse_error("a,b\n1,2\n3,\xC3\x28\n"),
               Catch::Contains("line 3: the file is not valid UTF-8 (byte 0xC3)"));
    CHECK_THAT(parse_error("a,b\n1,\"x\ny\xFF\"\n"), Catch::Contains("line 3: the file is not valid UTF-8"));
    // A sequence split by a delimiter is invalid in both fields.
    CHECK_THAT(parse_error("a,b\n\xC3,\xA9\n"), Catch::Contains("line 2"));
    // Overlong forms and surrogates encoded in UTF-8.
    CHECK_THAT(parse_error("a\n\xC0\xAF\n"), Catch::Contains("not valid UTF-8"));
    CHECK_THAT(parse_error("a\n\xED\xA0\x80\n"), Catch::Contains("not valid UTF-8"));
    CHECK_THAT(parse_error(std::string("a,b\n1,x\0y\n", 10)),
               Catch::Contains("line 2: the file contains a NUL character"));
}

TEST_CASE("csv: a ragged record names its line and both counts", "[csv]") {
    CHECK_THAT(parse_error("a,b,c\n1,2,3\n1,2\n"),
               Catch::Equals("line 3 has 2 fields, the header has 3"));
    CHECK_THAT(parse_error("a,b\n1,2\n\n1,2,3,4,5\n"),
               Catch::Equals("line 4 has 5 fields, the header has 2"));
    CHECK_THAT(parse_error("a\n1\n2,3"), Catch::Equals("line 3 has 2 fields, the header has 1"));
    // Without the check, records keep their own counts.
    CHECK(rows("a,b\n1\n1,2,3\n", {.same_field_count = false}) ==
          rows_t{{"a", "b"}, {"1"}, {"1", "2", "3"}});
}

TEST_CASE("csv: too many fields, and records over the size cap, are refused", "[csv]") {
    std::string wide(2000, ',');  // 2001 fields
    CHECK_THAT(parse_error(wide + "\n"),
               Catch::Equals("line 1 has more than 2000 fields, the most a record may have"));
    CHECK(rows(std::string(1999, ',')).front().size() == 2000);
    // The cap counts the record's contents.
    csv::parse_options small{.max_record_bytes = 10};
    CHECK(rows("a,b\n12345,67890\n", small).size() == 2);
    CHECK_THAT(parse_error("a,b\n12345,678901\n", small),
               Catch::Contains("line 2: the record is longer than 10 bytes"));
    CHECK_THAT(parse_error("a\n\"12345678901\"\n", small), Catch::Contains("line 2"));
}

TEST_CASE("csv: a 10 MB field is fine, a field over the default 16 MiB cap is not", "[csv]") {
    test::temp_dir dir;
    std::string big(10'000'000, 'x');
    big[5'000'000] = '\n';
    big[6'000'000] = '"';
    std::string escaped;
    for (char c : big) {
        escaped += c;
        if (c == '"') escaped += '"';
    }
    write_file(dir.path() / "ten.csv", "id,blob\r\n1,\"" + escaped + "\"\r\n2,y\r\n");
    auto p = parse_source(byte_source::from_file(dir.path() / "ten.csv"));
    REQUIRE(p.rows.size() == 3);
    CHECK(p.rows[1][1] == big);
    CHECK(p.lines == std::vector<std::uint64_t>{1, 2, 4});

    write_file(dir.path() / "huge.csv", "id,blob\n1,2\n3," + std::string(17u << 20, 'y') + "\n");
    auto [code, message] =
        failure([&] { parse_source(byte_source::from_file(dir.path() / "huge.csv")); });
    CHECK(code == errc::invalid_argument);
    CHECK_THAT(message, Catch::StartsWith("line 3: the record is longer than 16777216 bytes"));
}

namespace {

// A random CSV and the records it encodes: quotes, doubled quotes, line breaks of all kinds
// inside and between records, empty fields, multibyte characters.
std::pair<std::string, rows_t> random_csv(std::mt19937& rng, std::size_t records,
                                          std::size_t columns) {
    const std::vector<std::string> pieces = {"a", "bc", "1", "-2.5", "é", "😀", " ", "\"",
                                             ",", "\n", "\r\n", "\r", "x\"y", ""};
    const std::vector<std::string> breaks = {"\n", "\r\n", "\r"};
    std::string text;
    rows_t expected;
    for (std::size_t r = 0; r < records; ++r) {
        std::vector<std::string> row;
        for (std::size_t c = 0; c < columns; ++c) {
            std::string value;
            auto n = rng() % 4;
            for (std::size_t k = 0; k < n; ++k) value += pieces[rng() % pieces.size()];
            // A record of one empty field would be a blank line: quote it.
            bool must_quote = value.empty() && columns == 1;
            bool needs_quotes = value.find_first_of(",\"\r\n") != std::string::npos;
            // Unquoted fields may hold quotes, except at their start.
            bool quote = must_quote || needs_quotes || rng() % 3 == 0;
            if (!quote && !value.empty() && value.front() == '"') quote = true;
            if (quote && value.find('"') == std::string::npos && !needs_quotes && rng() % 2) {
                quote = must_quote;
            }
            if (c) text += ',';
            if (quote) {
                text += '"';
                for (char ch : value) {
                    text += ch;
                    if (ch == '"') text += '"';
                }
                text += '"';
            } else {
                text += value;
            }
            row.push_back(value);
        }
        text += breaks[rng() % breaks.size()];
        expected.push_back(std::move(row));
    }
    return {text, expected};
}

}  // namespace

TEST_CASE("csv: random files parse the same from memory and from files, across chunks", "[csv]") {
    test::temp_dir dir;
    std::mt19937 rng(4189);
    for (int round = 0; round < 6; ++round) {
        auto columns = 1 + rng() % 5;
        auto [text, expected] = random_csv(rng, round < 3 ? 50 : 40'000, columns);
        INFO("round " << round);
        CHECK(rows(text) == expected);
        write_file(dir.path() / "r.csv", text);
        CHECK(parse_source(byte_source::from_file(dir.path() / "r.csv")).rows == expected);
        // A byte range of a bigger file, as multipart parts are.
        write_file(dir.path() / "part.bin", "--head--" + text + "--tail--");
        auto part = byte_source::from_file(dir.path() / "part.bin");
        part.offset = 8;
        part.length = text.size();
        CHECK(parse_source(part).rows == expected);
    }
}

// ---- type inference ----

TEST_CASE("csv: values are classified without losing what they say", "[csv]") {
    using csv::value_kind;
    for (auto v : {"0", "7", "-7", "42", "9223372036854775807", "-9223372036854775808"}) {
        INFO(v);
        CHECK(csv::classify(v) == value_kind::integer);
    }
    for (auto v : {"0.5", "-0.5", "1.0", "1e5", "1E-5", "2.5e+10", "-0.0", "0e0",
                   "1.7976931348623157e308"}) {
        INFO(v);
        CHECK(csv::classify(v) == value_kind::real);
    }
    // Leading zeros and '+' signs are not canonical (zip codes, phone numbers, ids); integers
    // beyond 64 bits would lose digits as REAL; the rest is not a number.
    for (auto v : {"007", "00", "+1", "-0", "-007", "01.5", "9223372036854775808",
                   "-9223372036854775809", "123456789012345678901234567890", " 1", "1 ", "1.",
                   ".5", "-", "1e", "1e+", "1e999", "-1e999", "NaN", "inf", "Infinity", "0x10",
                   "1,5", "١٢", "1_000", "--1", "1e5.5"}) {
        INFO(v);
        CHECK(csv::classify(v) == value_kind::text);
    }
    CHECK(csv::classify("") == value_kind::empty);
}

TEST_CASE("csv: header names are trimmed, filled in and de-duplicated", "[csv]") {
    std::vector<std::string_view> header = {" name ", "Name", "", "column_3", "NAME", "\tcity",
                                            "a \"quoted\" one", "name_2", "", "x"};
    CHECK(csv::column_names(header) ==
          std::vector<std::string>{"name", "Name_2", "column_3", "column_3_2", "NAME_3", "city",
                                   "a \"quoted\" one", "name_2_2", "column_9", "x"});
}

// ---- import into a new table ----

namespace {

struct scratch : test::hosted_scratch {
    csv::new_table_result create(std::string_view text, std::string_view table = "people",
                                 csv::import_limits limits = {}) {
        return csv::import_into_new_table(*conn, byte_source::from_memory(text), table, limits);
    }
    std::string query(const std::string& sql) {
        auto st = conn->prepare(sql);
        std::string out;
        while (st.step()) {
            for (int i = 0; i < st.column_count(); ++i) {
                out += (i ? "|" : "") + (st.is_null(i) ? std::string("NULL") : st.text(i));
            }
            out += "\n";
        }
        return out;
    }
    bool has_table(const std::string& name) {
        return !query("SELECT 1 FROM sqlite_master WHERE name = '" + name + "'").empty();
    }
};

}  // namespace

TEST_CASE("csv: a new table gets inferred types and typed values", "[csv]") {
    scratch s;
    auto r = s.create(
        "id,name,score,zip,big,note,empty\n"
        "1,Ann,1.5,00501,9223372036854775807,,\n"
        "2,Bob,2,10001,1,x,\n"
        "-3,\"Smith, Jo\",-1e3,94105,99999999999999999999,,\n"
        ",,,,,,\n");
    CHECK(r.rows == 4);
    CHECK(r.columns == std::vector<std::string>{"id", "name", "score", "zip", "big", "note", "empty"});
    CHECK(r.types == std::vector<std::string>{"INTEGER", "TEXT", "REAL", "TEXT", "TEXT", "TEXT", "TEXT"});
    CHECK(s.query("SELECT type FROM pragma_table_info('people')") ==
          "INTEGER\nTEXT\nREAL\nTEXT\nTEXT\nTEXT\nTEXT\n");
    CHECK(s.query("SELECT typeof(id), typeof(score), typeof(zip), zip, typeof(big), big, "
                  "typeof(note), typeof(empty) FROM people ORDER BY rowid") ==
          "integer|real|text|00501|text|9223372036854775807|null|null\n"
          "integer|real|text|10001|text|1|text|null\n"
          "integer|real|text|94105|text|99999999999999999999|null|null\n"
          "null|null|null|NULL|null|NULL|null|null\n");
    CHECK(s.query("SELECT id, name, score FROM people WHERE id = -3") == "-3|Smith, Jo|-1000.0\n");
}

TEST_CASE("csv: one value decides: leading zeros, '+' and words keep a column TEXT", "[csv]") {
    scratch s;
    s.create("a,b,c,d\n1,1,1,1\n2,2.5,+3,x\n007,3,4,5\n", "t");
    CHECK(s.query("SELECT type FROM pragma_table_info('t')") == "TEXT\nREAL\nTEXT\nTEXT\n");
    CHECK(s.query("SELECT a, typeof(a), b, typeof(b), c FROM t") ==
          "1|text|1.0|real|1\n2|text|2.5|real|+3\n007|text|3.0|real|4\n");
}

TEST_CASE("csv: header-only files make empty tables, empty files are refused", "[csv]") {
    scratch s;
    auto r = s.create("a, b ,,a\r\n", "t");
    CHECK(r.rows == 0);
    CHECK(r.columns == std::vector<std::string>{"a", "b", "column_3", "a_2"});
    CHECK(s.query("SELECT name, type FROM pragma_table_info('t')") ==
          "a|TEXT\nb|TEXT\ncolumn_3|TEXT\na_2|TEXT\n");
    CHECK(s.query("SELECT count(*) FROM t") == "0\n");
    for (auto empty : {"", "\n\n", "\xEF\xBB\xBF"}) {
        auto [code, message] = failure([&] { s.create(empty, "e"); });
        CHECK(code == errc::invalid_argument);
        CHECK_THAT(message, Catch::Contains("the CSV file is empty"));
    }
    CHECK_FALSE(s.has_table("e"));
}

TEST_CASE("csv: odd names are quoted, not interpreted", "[csv]") {
    scratch s;
    s.create("\"x\"\"); DROP TABLE t; --\",\"with space\",sélect\n1,2,3\n",
             "my \"table\"; DROP TABLE x");
    CHECK(s.query("SELECT name FROM sqlite_master") == "my \"table\"; DROP TABLE x\n");
    CHECK(s.query("SELECT name FROM pragma_table_info('my \"table\"; DROP TABLE x')") ==
          "x\"); DROP TABLE t; --\nwith space\nsélect\n");
}

TEST_CASE("csv: a failing import leaves nothing behind", "[csv]") {
    scratch s;
    s.create("a\n1\n", "keep");
    // A ragged record at the end: found in the first pass, before anything is written.
    auto [code, message] = failure([&] { s.create("a,b\n1,2\n3,4\n5\n", "t1"); });
    CHECK(code == errc::invalid_argument);
    CHECK(message == "line 4 has 1 field, the header has 2");
    CHECK_FALSE(s.has_table("t1"));
    // A name taken: the table stays as it was.
    std::tie(code, message) = failure([&] { s.create("a\n2\n", "KEEP"); });
    CHECK(code == errc::already_exists);
    CHECK(s.query("SELECT a FROM keep") == "1\n");
    // Too many rows: rolled back.
    std::tie(code, message) = failure([&] { s.create("a\n1\n2\n3\n", "t2", {.max_rows = 2}); });
    CHECK(code == errc::invalid_argument);
    CHECK_THAT(message, Catch::Contains("line 4: the CSV file has more than 2 rows"));
    CHECK_FALSE(s.has_table("t2"));
    // Too large.
    std::tie(code, message) = failure([&] { s.create("a\n1\n2\n3\n", "t3", {.max_bytes = 5}); });
    CHECK(code == errc::payload_too_large);
    CHECK_FALSE(s.has_table("t3"));
    // Out of time (a zero time limit).
    std::tie(code, message) =
        failure([&] { s.create("a\n1\n", "t4", {.timeout = std::chrono::milliseconds(0)}); });
    CHECK(code == errc::deadline_exceeded);
    CHECK_FALSE(s.has_table("t4"));
    // The database size cap (max_page_count): the rows are written, then rolled back.
    s.conn->exec("PRAGMA max_page_count = 30");
    std::string many = "v\n";
    for (int i = 0; i < 20'000; ++i) many += "some text to fill pages " + std::to_string(i) + "\n";
    std::tie(code, message) = failure([&] { s.create(many, "t5"); });
    CHECK(code == errc::resource_exhausted);
    CHECK_THAT(message, Catch::Contains("size limit"));
    CHECK_FALSE(s.has_table("t5"));
    CHECK(s.query("SELECT a FROM keep") == "1\n");
}

TEST_CASE("csv: inside a caller's transaction the import is a savepoint", "[csv]") {
    scratch s;
    s.conn->exec("CREATE TABLE log (x)");
    {
        sqlite::transaction tx(*s.conn);
        s.conn->exec("INSERT INTO log VALUES ('before')");
        CHECK_THROWS(s.create("a,b\n1,2\n1\n", "t"));
        s.create("a\n1\n", "t2");
        tx.commit();
    }
    CHECK(s.query("SELECT x FROM log") == "before\n");
    CHECK_FALSE(s.has_table("t"));
    CHECK(s.query("SELECT a FROM t2") == "1\n");
}

TEST_CASE("csv: .tsv files and text/tab-separated-values are split at tabs", "[csv]") {
    CHECK(csv::delimiter_for(byte_source::from_memory("", "people.csv", "text/csv")) == ',');
    CHECK(csv::delimiter_for(byte_source::from_memory("")) == ',');
    CHECK(csv::delimiter_for(byte_source::from_memory("", "People.TSV")) == '\t');
    CHECK(csv::delimiter_for(
              byte_source::from_memory("", "", "Text/Tab-Separated-Values; charset=utf-8")) == '\t');
    scratch s;
    auto r = csv::import_into_new_table(
        *s.conn, byte_source::from_memory("a\tb,c\n1\tx,y\n", "t.tsv"), "t", {});
    CHECK(r.columns == std::vector<std::string>{"a", "b,c"});
    CHECK(s.query("SELECT a, \"b,c\" FROM t") == "1|x,y\n");
}

TEST_CASE("csv: a file source is read twice, from its byte range", "[csv]") {
    scratch s;
    std::string text = "n,sq\n";
    for (int i = 0; i < 50'000; ++i) text += std::to_string(i) + "," + std::to_string(i * 0.5) + "\n";
    write_file(s.dir.path() / "upload.bin", "preamble" + text + "epilogue");
    auto source = byte_source::from_file(s.dir.path() / "upload.bin");
    source.offset = 8;
    source.length = text.size();
    auto r = csv::import_into_new_table(*s.conn, source, "squares", {});
    CHECK(r.rows == 50'000);
    CHECK(r.types == std::vector<std::string>{"INTEGER", "REAL"});
    CHECK(s.query("SELECT count(*), sum(n), max(sq) FROM squares") == "50000|1249975000|24999.5\n");
}

// ---- import_csv into an existing table ----

namespace {

struct import_fixture : test::engine_fixture {
    principal ann = user("ann");
    std::string db = database(ann, "ann",
                              "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                              "age INTEGER, score REAL, tags TEXT DEFAULT 'none', "
                              "name_upper TEXT GENERATED ALWAYS AS (upper(name)), "
                              "email TEXT UNIQUE);"
                              "CREATE TABLE audit (n INTEGER);"
                              "CREATE TRIGGER people_audit AFTER INSERT ON people "
                              "BEGIN INSERT INTO audit VALUES (new.id); END;");

    csv_import_result import(std::string_view text, const principal& who, std::string_view table = "people") {
        return import_csv(eng, who, db, table, byte_source::from_memory(text));
    }
    csv_import_result import(std::string_view text) { return import(text, ann); }
    std::string sql(const std::string& query) {
        auto r = run_sql(eng, ann, db, {query});
        REQUIRE(r.errors.empty());
        return boost::json::serialize(r.rows);
    }
};

}  // namespace

TEST_CASE("csv: import_csv appends rows by header name, with affinity and defaults", "[csv]") {
    import_fixture fx;
    auto r = fx.import(" NAME ,Age,score,EMAIL\r\nAnn,42,1.5,ann@x\r\nBob,007,2,\r\n\"Cy, Jr\",,x,cy@x\r\n");
    CHECK(r.number_of_rows == 3);
    CHECK(r.columns == std::vector<std::string>{"name", "age", "score", "email"});
    CHECK(r.encoding == "UTF-8");
    CHECK(fx.sql("SELECT id, name, age, typeof(age) AS ta, score, typeof(score) AS ts, tags, "
                 "name_upper, email FROM people ORDER BY id") ==
          R"([{"id":1,"name":"Ann","age":42,"ta":"integer","score":1.5E0,"ts":"real","tags":"none","name_upper":"ANN","email":"ann@x"},)"
          R"({"id":2,"name":"Bob","age":7,"ta":"integer","score":2E0,"ts":"real","tags":"none","name_upper":"BOB","email":null},)"
          R"({"id":3,"name":"Cy, Jr","age":null,"ta":"null","score":"x","ts":"text","tags":"none","name_upper":"CY, JR","email":"cy@x"}])");
    // The trigger ran for every row.
    CHECK(fx.sql("SELECT count(*) AS n FROM audit") == R"([{"n":3}])");
    CHECK(boost::json::serialize(boost::json::value_from(r)).starts_with(
        R"({"numberOfRows":3,"columns":["name","age","score","email"],"encoding":"UTF-8","runtimeSeconds":)"));
    // UTF-16 works here too; the table name is matched case-insensitively.
    auto u = fx.import(utf16(u"name\r\nZoë\r\n", true, true), fx.ann, "PEOPLE");
    CHECK(u.number_of_rows == 1);
    CHECK(u.encoding == "UTF-16 LE");
    CHECK(fx.sql("SELECT name FROM people WHERE id = 4") == R"([{"name":"Zoë"}])");
}

TEST_CASE("csv: import_csv refuses headers the table does not match", "[csv]") {
    import_fixture fx;
    auto [code, message] = failure([&] { fx.import("name,colour,size\nAnn,red,3\n"); });
    CHECK(code == errc::invalid_argument);
    CHECK(message == "table \"people\" has no columns \"colour\", \"size\" (its columns: id, name, "
                     "age, score, tags, email)");
    std::tie(code, message) = failure([&] { fx.import("name,Name\nA,B\n"); });
    CHECK(code == errc::invalid_argument);
    CHECK(message == "the CSV header names column \"name\" twice");
    std::tie(code, message) = failure([&] { fx.import("name,name_upper\nA,B\n"); });
    CHECK(code == errc::invalid_argument);
    CHECK_THAT(message, Catch::Contains("is generated"));
    std::tie(code, message) = failure([&] { fx.import("name\nA\n", fx.ann, "nope"); });
    CHECK(code == errc::not_found);
    std::tie(code, message) = failure([&] { fx.import("x\n1\n", fx.ann, "sqlite_master"); });
    CHECK(code == errc::not_found);
    std::tie(code, message) = failure([&] { fx.import(""); });
    CHECK(code == errc::invalid_argument);
    CHECK(fx.sql("SELECT count(*) AS n FROM people") == R"([{"n":0}])");
}

TEST_CASE("csv: a failing row rolls the whole import back and names its line", "[csv]") {
    import_fixture fx;
    fx.import("name,email\nFirst,first@x\n");
    // NOT NULL (an empty field is NULL), UNIQUE, a ragged record, invalid UTF-8.
    struct bad {
        std::string csv;
        std::string message;
    };
    for (const auto& b : {bad{"name,email\nA,a@x\n,b@x\n", "line 3: NOT NULL constraint failed: people.name"},
                          bad{"name,email\nA,a@x\n\"B\nB\",a@x\n", "line 3: UNIQUE constraint failed: people.email"},
                          bad{"name,email\nA,a@x\nB,first@x\n", "line 3: UNIQUE constraint failed: people.email"},
                          bad{"name,email\nA,a@x\nB\n", "line 3 has 1 field, the header has 2"},
                          bad{"name,email\nA,a@x\nB,\xFF\n", "line 3: the file is not valid UTF-8 (byte 0xFF); save it as UTF-8"}}) {
        INFO(b.csv);
        auto [code, message] = failure([&] { fx.import(b.csv); });
        CHECK(code == errc::invalid_argument);
        CHECK(message == b.message);
    }
    CHECK(fx.sql("SELECT name FROM people") == R"([{"name":"First"}])");
    CHECK(fx.sql("SELECT count(*) AS n FROM audit") == R"([{"n":1}])");
    // A trigger's RAISE is the row's fault too.
    fx.sql("SELECT 1");
    auto r = run_sql(fx.eng, fx.ann, fx.db,
                     {"CREATE TRIGGER no_bobs BEFORE INSERT ON people WHEN new.name = 'Bob' "
                      "BEGIN SELECT RAISE(ABORT, 'no Bobs'); END"});
    REQUIRE(r.errors.empty());
    auto [code, message] = failure([&] { fx.import("name\nAnn\nBob\n"); });
    CHECK(code == errc::invalid_argument);
    CHECK(message == "line 3: no Bobs");
    CHECK(fx.sql("SELECT count(*) AS n FROM people") == R"([{"n":1}])");
}

TEST_CASE("csv: import_csv needs insert access", "[csv]") {
    import_fixture fx;
    auto vic = fx.user("vic");
    auto eddie = fx.user("eddie");
    auto stranger = fx.user("stranger");
    set_member_roles(fx.eng, fx.ann, "ann", "vic", {{team_role::viewer}});
    set_member_roles(fx.eng, fx.ann, "ann", "eddie", {{team_role::editor}});
    CHECK(failure([&] { fx.import("name\nx\n", vic); }).first == errc::permission_denied);
    CHECK(failure([&] { fx.import("name\nx\n", stranger); }).first == errc::not_found);
    CHECK(failure([&] { fx.import("name\nx\n", principal::anonymous()); }).first == errc::not_found);
    auto ro = principal::readonly_link(get_database(fx.eng, fx.ann, fx.db).readonly_id);
    CHECK(failure([&] { import_csv(fx.eng, ro, ro.readonly_id(), "people", byte_source::from_memory("name\nx\n")); })
              .first == errc::permission_denied);
    CHECK(fx.import("name\nx\n", eddie).number_of_rows == 1);
    // Insert-only tokens may import.
    create_token_request request;
    request.name = "ins";
    request.team_name = "ann";
    request.permissions = {{fx.db, "", token_access::insertonly}};
    auto token = create_token(fx.eng, fx.ann, request);
    auto as_token = authenticate(fx.eng, credentials{.bearer = token.body});
    CHECK(fx.import("name\ny\n", as_token).number_of_rows == 1);
    CHECK(fx.sql("SELECT count(*) AS n FROM people") == R"([{"n":2}])");
}

TEST_CASE("csv: import_csv enforces the engine's size and row limits", "[csv]") {
    test::temp_dir dir;
    auto opts = test::engine_fixture::make_options(dir);
    opts.max_import_bytes = 64;
    opts.max_import_rows = 2;
    engine eng(opts);
    sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
    auto who = authenticate(eng, credentials{.bearer = login(eng, principal::anonymous(),
                                                             {"ann", "password-ann"}).session_token});
    auto db = create_database(eng, who, {"db", "ann", "CREATE TABLE t (x)", std::nullopt}).id;
    auto run = [&](std::string_view text) {
        return import_csv(eng, who, db, "t", byte_source::from_memory(text));
    };
    CHECK(run("x\n1\n2\n").number_of_rows == 2);
    CHECK(failure([&] { run("x\n1\n2\n3\n"); }).first == errc::invalid_argument);
    CHECK(failure([&] { run("x\n" + std::string(70, '1') + "\n"); }).first ==
          errc::payload_too_large);
    auto r = run_sql(eng, who, db, {"SELECT count(*) AS n FROM t"});
    CHECK(boost::json::serialize(r.rows) == R"([{"n":2}])");
}

TEST_CASE("a new table that would pass max_schema_bytes is not created", "[csv][limits]") {
    scratch s;
    std::string header;
    for (int i = 0; i < 400; ++i) header += (i ? ",h" : "h") + std::to_string(i);
    csv::import_limits limits;
    limits.max_schema_bytes = 4096;  // 400 columns take about 10 KiB
    CHECK_THROWS_WITH(s.create(header + "\n" + std::string(399, ',') + "\n", "wide", limits),
                      Catch::Contains("schema would take"));
    CHECK_FALSE(s.has_table("wide"));
    limits.max_schema_bytes = 1024 * 1024;
    CHECK(s.create(header + "\n" + std::string(399, ',') + "\n", "wide", limits).rows == 1);
}
