// SPDX-License-Identifier: Apache-2.0
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include "catch.hpp"
#include "export/text_match.hpp"
#include "export_fixture.hpp"

using namespace airsql;
using test::code_of;

namespace {

constexpr const char* people =
    "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, city TEXT, bio TEXT, n INTEGER);"
    "INSERT INTO people (name, city, bio, n) VALUES "
    "('Ada Lovelace', 'London', 'first programmer', 1),"      // 1
    "('Grace Hopper', 'New York', 'compiler pioneer', 2),"     // 2
    "('Lovelace', 'Paris', NULL, 3),"                         // 3
    "('Alan Turing', 'Wilmslow', 'codebreaker; Lovelace fan', 4),"  // 4
    "('ÉMILIE du Châtelet', 'Paris', 'physicist', 5),"         // 5
    "('Ada', 'London', '100% sure_thing', 6),"                 // 6
    "('Charles Babbage', 'London', 'engine builder', 7),"      // 7
    "('Lovelaceson', 'Oslo', NULL, 8)";                        // 8

std::vector<std::int64_t> ids(const table_search_result& r) {
    std::vector<std::int64_t> out;
    for (const auto& row : r.rows) out.push_back(row.at("id").as_int64());
    return out;
}

table_search_result search(test::export_fixture& fx, const std::string& term,
                           std::size_t limit = 50, std::size_t offset = 0,
                           const std::string& table = "people") {
    return search_table(fx.eng, fx.ann, fx.db, table, {term, limit, offset});
}

}  // namespace

TEST_CASE("search ranks exact > prefix > word start > substring, ties in table order",
          "[export]") {
    test::export_fixture fx(people);
    auto r = search(fx, "lovelace");
    // 3: exact cell; 8: prefix of a cell; 1: at a word start; 4: at a word start too (bio).
    CHECK(ids(r) == std::vector<std::int64_t>{3, 8, 1, 4});
    CHECK(r.number_of_matches == 4);
    CHECK(r.table.number_of_rows == 8);
    CHECK(r.table.name == "people");
    CHECK(r.table.table_type == "Table");
    CHECK(r.table.rowid_column_name == std::optional<std::string>("id"));
    CHECK(r.rows[0].at("rowid").as_int64() == 3);
    CHECK(r.rows[0].at("name") == "Lovelace");

    // Substring inside a word ranks after word starts.
    auto s = search(fx, "ace");
    REQUIRE(s.rows.size() >= 2);
    CHECK(s.number_of_matches == 5);  // Lovelace x4 and Grace

    // Case-insensitive beyond ASCII.
    CHECK(ids(search(fx, "émilie")) == std::vector<std::int64_t>{5});
    CHECK(ids(search(fx, "CHÂTELET")) == std::vector<std::int64_t>{5});
}

TEST_CASE("search matches all words across columns, then small typos", "[export]") {
    test::export_fixture fx(people);
    // "ada" and "london" are in different columns of rows 1 and 6; row 6 has "Ada" exactly.
    CHECK(ids(search(fx, "ada")) == std::vector<std::int64_t>{6, 1});
    CHECK(ids(search(fx, "london ada")) == std::vector<std::int64_t>{1, 6});
    // One typo in a 5-letter word, a transposition in a long one.
    CHECK(ids(search(fx, "hoper")) == std::vector<std::int64_t>{2});
    CHECK(ids(search(fx, "babagge")) == std::vector<std::int64_t>{7});
    CHECK(ids(search(fx, "pionere")) == std::vector<std::int64_t>{2});
    // Short words must match exactly; too many typos match nothing.
    CHECK(search(fx, "xq").number_of_matches == 0);
    CHECK(search(fx, "zzzzzzz").number_of_matches == 0);
    // Exact matches rank before fuzzy ones.
    auto r = search(fx, "paris");
    CHECK(ids(r) == std::vector<std::int64_t>{3, 5});
}

TEST_CASE("search terms are text, never SQL or LIKE patterns", "[export]") {
    test::export_fixture fx(people);
    CHECK(ids(search(fx, "100%")) == std::vector<std::int64_t>{6});
    CHECK(search(fx, "%").number_of_matches == 1);
    CHECK(ids(search(fx, "sure_thing")) == std::vector<std::int64_t>{6});
    CHECK(search(fx, "_").number_of_matches == 1);
    CHECK(search(fx, "' OR 1=1 --").number_of_matches == 0);
    CHECK(search(fx, "\") OR (\"1\"=\"1").number_of_matches == 0);
}

TEST_CASE("search pages through matches with limit and offset, and checks them", "[export]") {
    test::export_fixture fx(
        "CREATE TABLE items (label TEXT);"
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 300) "
        "INSERT INTO items SELECT printf('item %03d', n) FROM c");
    auto page1 = search(fx, "item", 100, 0, "items");
    auto page3 = search(fx, "item", 100, 200, "items");
    CHECK(page1.number_of_matches == 300);
    CHECK(page1.rows.size() == 100);
    CHECK(page1.rows[0].at("label") == "item 001");
    CHECK(page1.rows[0].at("rowid").as_int64() == 1);
    CHECK(page3.rows.size() == 100);
    CHECK(page3.rows[0].at("label") == "item 201");
    CHECK(search(fx, "item", 50, 300, "items").rows.empty());
    CHECK(page1.table.rowid_column_name == std::optional<std::string>("rowid"));
    CHECK(search(fx, "ITEM 150", 50, 0, "items").rows[0].at("rowid").as_int64() == 150);

    CHECK(code_of([&] { search(fx, "", 50, 0, "items"); }) == errc::invalid_argument);
    CHECK(code_of([&] { search(fx, "   ", 50, 0, "items"); }) == errc::invalid_argument);
    CHECK(code_of([&] { search(fx, std::string(1001, 'a'), 50, 0, "items"); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] { search(fx, "item", 0, 0, "items"); }) == errc::invalid_argument);
    CHECK(code_of([&] { search(fx, "item", 1001, 0, "items"); }) == errc::invalid_argument);
    CHECK(code_of([&] { search(fx, "item", 10, 100'001, "items"); }) == errc::invalid_argument);
    CHECK(search(fx, "item", 1000, 100'000, "items").rows.empty());
    CHECK(code_of([&] { search(fx, "item", 10, 0, "nope"); }) == errc::not_found);
}

TEST_CASE("search works on views and answers the documented table shape", "[export]") {
    test::export_fixture fx(std::string(people) +
                            "; CREATE VIEW londoners AS SELECT name, bio FROM people "
                            "WHERE city = 'London'");
    auto r = search(fx, "engine", 50, 0, "londoners");
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0].at("name") == "Charles Babbage");
    CHECK(r.rows[0].at("rowid").is_null());
    CHECK(r.table.table_type == "View");
    CHECK(!r.table.rowid_column_name);
    CHECK(r.table.number_of_rows == 3);
    auto json = boost::json::value_from(r).as_object();
    for (auto key : {"columns", "description", "maxCellLimitReached", "name", "numberOfRows",
                     "rowidColumnName", "tableType", "rows", "numberOfMatches"}) {
        CHECK(json.contains(key));
    }
    CHECK(json.at("rowidColumnName").is_null());
    CHECK(json.at("columns").as_array().size() == 2);
}

TEST_CASE("search needs read access and stops at options::search_timeout", "[export]") {
    test::export_fixture fx(
        "CREATE TABLE big (s TEXT);"
        "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 300000) "
        "INSERT INTO big SELECT printf('some longer text value number %d here', n) FROM c",
        [](options& o) { o.search_timeout = std::chrono::milliseconds(5); });
    CHECK(code_of([&] { search(fx, "qwertyuiop", 50, 0, "big"); }) == errc::deadline_exceeded);
    auto writeonly = fx.token(token_access::writeonly);
    CHECK(code_of([&] { search_table(fx.eng, writeonly, fx.db, "big", {"x", 50, 0}); }) ==
          errc::permission_denied);
}

TEST_CASE("edit distance counts a transposition as one edit and gives up past its bound",
          "[export]") {
    using exporting::edit_distance;
    CHECK(edit_distance(U"kitten", U"sitting", 5) == 3);
    CHECK(edit_distance(U"kitten", U"sitting", 2) == 3);
    CHECK(edit_distance(U"abcd", U"abdc", 2) == 1);
    CHECK(edit_distance(U"", U"abc", 5) == 3);
    CHECK(edit_distance(U"same", U"same", 0) == 0);
    std::u32string folded;
    exporting::fold_case("ÀÉÎ Straße ΣΑΣ", folded);
    CHECK(folded == U"àéî straße σασ");
}

TEST_CASE("options::search_max_limit and search_max_offset bound a page", "[export]") {
    test::export_fixture fx("CREATE TABLE t (s TEXT); INSERT INTO t VALUES ('a'), ('ab'), ('abc')",
                            [](options& o) {
                                o.search_max_limit = 2;
                                o.search_max_offset = 1;
                            });
    CHECK(search(fx, "a", 2, 1, "t").rows.size() == 2);
    CHECK(code_of([&] { search(fx, "a", 3, 0, "t"); }) == errc::invalid_argument);
    CHECK(code_of([&] { search(fx, "a", 2, 2, "t"); }) == errc::invalid_argument);
}
