// SPDX-License-Identifier: Apache-2.0
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;

namespace {
errc code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.code();
    }
    return errc::internal;
}
}  // namespace

TEST_CASE("a database is created from SQL and described with live facts", "[database]") {
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto id = fx.database(ann, "ann",
                          "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL "
                          "DEFAULT 'x'); CREATE VIEW names AS SELECT name FROM users;"
                          "PRAGMA user_version = 7;");
    auto info = get_database(fx.eng, ann, id);
    CHECK(info.id == id);
    CHECK(info.owner == "ann");
    CHECK(info.readonly_id.size() == 16);
    CHECK(info.user_version == 7);
    CHECK(info.schema_version > 0);
    CHECK(info.size > 0);
    CHECK(info.visibility == visibility::team_only);
    REQUIRE(info.tables.size() == 2);
    CHECK(info.tables[0].name == "users");
    CHECK(info.tables[0].table_type == "Table");
    CHECK(info.tables[1].table_type == "View");
    REQUIRE(info.tables[0].columns.size() == 2);
    CHECK(info.tables[0].columns[0].primary_key);
    CHECK(info.tables[0].columns[1].not_null);
    CHECK(info.tables[0].columns[1].default_sql == std::optional<std::string>("'x'"));
    auto list = list_databases(fx.eng, ann);
    CHECK(list.number_of_databases == 1);
    auto json = boost::json::serialize(boost::json::value_from(info));
    for (auto key : {"\"auditing\"", "\"createdUtc\"", "\"fileName\"", "\"lastModifiedUtc\"",
                     "\"readonlyId\"", "\"schemaLocked\"", "\"schemaVersion\"", "\"userVersion\"",
                     "\"viewsTab\"", "\"visibility\":\"private\""}) {
        CHECK_THAT(json, Catch::Contains(key));
    }
}

TEST_CASE("a failing creation script creates nothing", "[database]") {
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    CHECK(code_of([&] { fx.database(ann, "ann", "CREATE TABLE t (x); SELECT * FROM nope;"); }) ==
          errc::invalid_argument);
    CHECK(list_databases(fx.eng, ann).number_of_databases == 0);
    CHECK(get_status(fx.eng, ann).number_of_databases == 0);
}

TEST_CASE("roles decide who reads, writes and manages a database", "[database][auth]") {
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto vic = fx.user("vic");
    auto eddie = fx.user("eddie");
    auto stranger = fx.user("stranger");
    set_member_roles(fx.eng, ann, "ann", "vic", {{team_role::viewer}});
    set_member_roles(fx.eng, ann, "ann", "eddie", {{team_role::editor}});
    auto id = fx.database(ann, "ann", "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);");

    // Strangers cannot even learn that it exists.
    CHECK(code_of([&] { get_database(fx.eng, stranger, id); }) == errc::not_found);
    CHECK(code_of([&] { get_database(fx.eng, principal::anonymous(), id); }) == errc::not_found);
    CHECK(code_of([&] { run_sql(fx.eng, stranger, id, {"SELECT 1"}); }) == errc::not_found);

    // Viewers read, and their writes are refused inside the SQL result.
    CHECK(get_database(fx.eng, vic, id).id == id);
    CHECK(run_sql(fx.eng, vic, id, {"SELECT x FROM t"}).errors.empty());
    auto w = run_sql(fx.eng, vic, id, {"INSERT INTO t VALUES (2)"});
    REQUIRE(w.errors.size() == 1);
    CHECK_THAT(w.errors[0], Catch::Contains("read-only"));
    CHECK(code_of([&] { update_database(fx.eng, vic, id, {.name = "x"}); }) ==
          errc::permission_denied);

    // Editors write and rename, but only admins manage.
    CHECK(run_sql(fx.eng, eddie, id, {"INSERT INTO t VALUES (2)"}).num_changes == 1);
    update_database(fx.eng, eddie, id, {.name = "renamed"});
    CHECK(get_database(fx.eng, ann, id).name == "renamed");
    CHECK(code_of([&] {
              update_database(fx.eng, eddie, id, {.visibility = visibility::public_read});
          }) == errc::permission_denied);
    CHECK(code_of([&] { delete_database(fx.eng, eddie, id); }) == errc::permission_denied);

    // Public databases can be read by anyone who knows the id, not written.
    update_database(fx.eng, ann, id, {.visibility = visibility::public_read});
    CHECK(get_database(fx.eng, principal::anonymous(), id).name == "renamed");
    CHECK(run_sql(fx.eng, stranger, id, {"SELECT count(*) FROM t"}).errors.empty());
    CHECK_FALSE(run_sql(fx.eng, stranger, id, {"DELETE FROM t"}).errors.empty());

    // The read-only id is a capability for reading.
    auto ro = principal::readonly_link(get_database(fx.eng, ann, id).readonly_id);
    CHECK(get_database(fx.eng, ro, ro.readonly_id()).id == id);
    CHECK(code_of([&] { get_database(fx.eng, principal::readonly_link("nope"), "nope"); }) ==
          errc::not_found);

    delete_database(fx.eng, ann, id);
    CHECK(code_of([&] { get_database(fx.eng, ann, id); }) == errc::not_found);
}

TEST_CASE("moving a database needs Admin in both teams", "[database][auth]") {
    test::engine_fixture fx;
    fx.user("root");  // the first user is server admin; ann and bob are ordinary users
    auto ann = fx.user("ann");
    auto bob = fx.user("bob");
    auto id = fx.database(ann, "ann", "CREATE TABLE t (x)");
    CHECK(code_of([&] { update_database(fx.eng, ann, id, {.owner = "bob"}); }) ==
          errc::not_found);
    set_member_roles(fx.eng, bob, "bob", "ann", {{team_role::admin}});
    update_database(fx.eng, ann, id, {.owner = "bob"});
    CHECK(get_database(fx.eng, bob, id).owner == "bob");
    CHECK(get_team(fx.eng, bob, "bob").databases.size() == 1);
}

TEST_CASE("API tokens act with exactly their permission", "[database][auth]") {
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto id = fx.database(ann, "ann", "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);");
    auto other = fx.database(ann, "ann", "CREATE TABLE u (y)");
    auto make = [&](token_access a) {
        auto t = create_token(fx.eng, ann, {"t", "", std::nullopt, {{id, "", a}}, "ann"});
        CHECK(t.body.starts_with("ast_"));
        CHECK(t.permissions.at(0).db_name == "db");
        return std::pair{t.id, authenticate(fx.eng, credentials{.bearer = t.body})};
    };
    auto read_token = make(token_access::read);
    auto write_token = make(token_access::write);
    auto writeonly_token = make(token_access::writeonly);
    auto read_id = read_token.first;
    auto write_id = write_token.first;
    auto wo_id = writeonly_token.first;
    const principal& reader = read_token.second;
    const principal& writer = write_token.second;
    const principal& writeonly = writeonly_token.second;

    CHECK(run_sql(fx.eng, reader, id, {"SELECT * FROM t"}).errors.empty());
    CHECK_FALSE(run_sql(fx.eng, reader, id, {"DELETE FROM t"}).errors.empty());
    CHECK(run_sql(fx.eng, writer, id, {"INSERT INTO t VALUES (5)"}).num_changes == 1);
    CHECK(code_of([&] { run_sql(fx.eng, writeonly, id, {"SELECT 1"}); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { get_database(fx.eng, reader, other); }) == errc::not_found);
    CHECK(list_databases(fx.eng, reader).number_of_databases == 1);

    // Tokens are shown masked afterwards and revoked at once.
    auto shown = get_token(fx.eng, ann, read_id);
    CHECK(shown.body.ends_with("…"));
    CHECK(list_team_tokens(fx.eng, ann, "ann").tokens.size() == 3);
    delete_token(fx.eng, ann, read_id);
    CHECK(code_of([&] { run_sql(fx.eng, reader, id, {"SELECT 1"}); }) == errc::not_found);

    // Only team admins manage tokens, and only for their team's databases.
    auto bob = fx.user("bob");
    CHECK(code_of([&] { get_token(fx.eng, bob, write_id); }) == errc::not_found);
    auto bobs = fx.database(bob, "bob", "CREATE TABLE b (z)");
    CHECK(code_of([&] {
              create_token(fx.eng, ann, {"t", "", std::nullopt, {{bobs, "", token_access::read}}, "ann"});
          }) == errc::invalid_argument);
    CHECK(code_of([&] {
              create_token(fx.eng, ann,
                           {"t", "", std::string("2001-01-01T00:00:00Z"), {}, "ann"});
          }) == errc::invalid_argument);
    auto updated = update_token(fx.eng, ann, wo_id,
                                {.name = "renamed", .expiration_utc = std::optional<std::string>(
                                                        "2999-01-01T00:00:00Z")});
    CHECK(updated.name == "renamed");
    CHECK(updated.expiration_utc == std::optional<std::string>("2999-01-01T00:00:00.000Z"));
}

TEST_CASE("SQL text longer than the limit is refused before it runs", "[database][sql]") {
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto id = fx.database(ann, "ann", "CREATE TABLE t (x)");
    std::string q = "SELECT '" + std::string(100'000, 'a') + "'";
    try {
        run_sql(fx.eng, ann, id, {q});
        FAIL("accepted a too long query");
    } catch (const error& e) {
        CHECK(e.code() == errc::invalid_argument);
        CHECK_THAT(e.what(), Catch::Contains("too long"));
    }
    // Code points, not bytes: 50,000 two-byte characters are fine.
    std::string wide;
    for (int i = 0; i < 50'000; ++i) wide += "é";
    CHECK(run_sql(fx.eng, ann, id, {"SELECT '" + wide + "' AS w"}).errors.empty());
}
