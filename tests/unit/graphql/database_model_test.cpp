// SPDX-License-Identifier: Apache-2.0
#include "graphql/database_model.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "catch.hpp"
#include "database/hosted_database.hpp"
#include "sqlite/connection.hpp"
#include "temp_dir.hpp"

using namespace airsql;
using namespace airsql::graphql;

namespace {

/// A database file created by `sql` (plain SQLite, so anything SQLite accepts, including
/// WITHOUT ROWID tables), read back through a hosted connection as the engine would.
struct model_db {
    test::temp_dir dir;
    options opts;
    std::unique_ptr<sqlite::connection> conn;

    explicit model_db(const std::string& sql) {
        auto file = dir.path() / "main.sqlite";
        {
            sqlite::connection create(file, sqlite::connection::mode::read_write_create);
            create.exec(sql);
        }
        conn = database::open_hosted_connection(file, opts, true);
    }

    database_model read() { return read_database_model(*conn); }
};

const table_model& table(const database_model& m, std::string_view name) {
    for (const auto& t : m.tables) {
        if (t.name == name) return t;
    }
    FAIL("no table " << name);
    throw std::logic_error("unreachable");
}

std::size_t table_index(const database_model& m, std::string_view name) {
    for (std::size_t i = 0; i < m.tables.size(); ++i) {
        if (m.tables[i].name == name) return i;
    }
    FAIL("no table " << name);
    return 0;
}

std::size_t column_index(const table_model& t, std::string_view name) {
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        if (t.columns[i].name == name) return i;
    }
    FAIL("no column " << name << " in " << t.name);
    return 0;
}

const column_model& column(const table_model& t, std::string_view name) {
    return t.columns[column_index(t, name)];
}

std::vector<std::string> column_names(const table_model& t) {
    std::vector<std::string> out;
    for (const auto& c : t.columns) out.push_back(c.name);
    return out;
}

std::vector<std::string> table_names(const database_model& m) {
    std::vector<std::string> out;
    for (const auto& t : m.tables) out.push_back(t.name);
    return out;
}

using options_list = std::vector<std::pair<std::string, std::vector<std::string>>>;

}  // namespace

// ---- the synthetic rowid ----

TEST_CASE("every rowid table gets a synthetic rowid column first", "[graphql]") {
    model_db db("CREATE TABLE notes (content TEXT, stars INTEGER);");
    auto m = db.read();
    REQUIRE(m.tables.size() == 1);
    const auto& t = m.tables[0];
    CHECK(t.name == "notes");
    CHECK(t.gql_name == "notes");
    CHECK_FALSE(t.is_view);
    CHECK(column_names(t) == std::vector<std::string>{"rowid", "content", "stars"});
    const auto& r = t.columns[0];
    CHECK(r.synthetic_rowid);
    CHECK(r.gql_name == "rowid");
    CHECK(r.declared_type == "INTEGER");
    CHECK(r.scalar == column_scalar::int_);
    CHECK(r.non_null);
    CHECK(r.primary_key);
    CHECK(r.omittable);
    CHECK_FALSE(r.generated);
    CHECK(r.comparison_type == "Int");
    CHECK(t.rowid == std::optional<std::size_t>(0));
    // No declared key: the rowid is the key of *_by_pk.
    CHECK(t.key == std::vector<std::size_t>{0});
    CHECK_FALSE(t.columns[1].synthetic_rowid);
    CHECK(m.schema_version > 0);
}

TEST_CASE("the synthetic rowid is named _rowid_ or oid when rowid is taken", "[graphql]") {
    model_db db(
        "CREATE TABLE a (rowid TEXT, x TEXT);"
        "CREATE TABLE b (\"RowId\" TEXT);"  // taken case-insensitively, as SQLite resolves it
        "CREATE TABLE c (rowid TEXT, _rowid_ TEXT);"
        "CREATE TABLE d (rowid TEXT, _rowid_ TEXT, OID TEXT);");
    auto m = db.read();
    CHECK(column_names(table(m, "a")) == std::vector<std::string>{"_rowid_", "rowid", "x"});
    CHECK(table(m, "a").columns[0].synthetic_rowid);
    CHECK(table(m, "a").columns[0].gql_name == "_rowid_");
    CHECK_FALSE(table(m, "a").columns[1].synthetic_rowid);
    CHECK(table(m, "a").key == std::vector<std::size_t>{0});
    CHECK(column_names(table(m, "b")) == std::vector<std::string>{"_rowid_", "RowId"});
    CHECK(column_names(table(m, "c")) == std::vector<std::string>{"oid", "rowid", "_rowid_"});
    CHECK(table(m, "c").columns[0].synthetic_rowid);
    // All three names taken: SQLite itself cannot address the rowid any more.
    const auto& d = table(m, "d");
    CHECK(column_names(d) == std::vector<std::string>{"rowid", "_rowid_", "OID"});
    CHECK(std::none_of(d.columns.begin(), d.columns.end(),
                       [](const column_model& c) { return c.synthetic_rowid; }));
}

TEST_CASE("an INTEGER PRIMARY KEY aliases the rowid and becomes the key", "[graphql]") {
    model_db db(
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE loose (id INT PRIMARY KEY, name TEXT);"
        "CREATE TABLE big (id BIGINT PRIMARY KEY NOT NULL, name TEXT);");
    auto m = db.read();
    const auto& artists = table(m, "artists");
    CHECK(column_names(artists) == std::vector<std::string>{"rowid", "id", "name"});
    CHECK(artists.rowid == std::optional<std::size_t>(0));
    CHECK(artists.key == std::vector<std::size_t>{1});
    const auto& id = column(artists, "id");
    CHECK(id.rowid_alias);
    CHECK(id.primary_key);
    CHECK(id.non_null);
    CHECK(id.omittable);
    CHECK(id.scalar == column_scalar::int_);
    CHECK_FALSE(column(artists, "name").rowid_alias);

    // INT PRIMARY KEY is no alias in SQLite, but §2.4 still makes it omittable.
    const auto& loose = table(m, "loose");
    CHECK(loose.key == std::vector<std::size_t>{1});
    CHECK_FALSE(column(loose, "id").rowid_alias);
    CHECK(column(loose, "id").omittable);
    CHECK(column(loose, "id").non_null);
    CHECK(column(loose, "id").nullable_in_storage);

    // BIGINT PRIMARY KEY NOT NULL without a default must be given.
    const auto& bigt = table(m, "big");
    CHECK_FALSE(column(bigt, "id").rowid_alias);
    CHECK_FALSE(column(bigt, "id").omittable);
    CHECK(column(bigt, "id").non_null);
    CHECK_FALSE(column(bigt, "id").nullable_in_storage);
}

TEST_CASE("WITHOUT ROWID tables have no synthetic rowid and are keyed by their primary key",
          "[graphql]") {
    model_db db(
        "CREATE TABLE pairs (a TEXT, b INTEGER, note TEXT, PRIMARY KEY (b, a)) WITHOUT ROWID;"
        "CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER) WITHOUT ROWID;");
    auto m = db.read();
    const auto& pairs = table(m, "pairs");
    CHECK(column_names(pairs) == std::vector<std::string>{"a", "b", "note"});
    CHECK_FALSE(pairs.rowid.has_value());
    // The key lists the columns in column order, not in constraint order.
    CHECK(pairs.key == std::vector<std::size_t>{0, 1});
    CHECK(column(pairs, "a").primary_key);
    CHECK(column(pairs, "b").primary_key);
    CHECK(column(pairs, "a").non_null);
    CHECK(column(pairs, "b").non_null);
    CHECK_FALSE(column(pairs, "a").omittable);
    CHECK_FALSE(column(pairs, "note").primary_key);
    CHECK_FALSE(column(pairs, "note").non_null);

    const auto& counters = table(m, "counters");
    CHECK(column_names(counters) == std::vector<std::string>{"id", "n"});
    CHECK_FALSE(counters.rowid.has_value());
    CHECK(counters.key == std::vector<std::size_t>{0});
    const auto& id = column(counters, "id");
    CHECK_FALSE(id.rowid_alias);  // no rowid to alias
    CHECK(id.non_null);
    // Without a rowid SQLite assigns no value: leaving the column out of an insert fails with
    // "NOT NULL constraint failed", so it may not be omittable (column_model::omittable).
    CHECK_FALSE(id.omittable);
}

TEST_CASE("views have no rowid, no key and only nullable columns", "[graphql]") {
    model_db db(
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
        "CREATE TABLE albums (id INTEGER PRIMARY KEY, artist_id INTEGER NOT NULL "
        "  REFERENCES artists(id), title TEXT);"
        "CREATE VIEW names AS SELECT id, name, id * 1.5 AS scaled, 'x' || name AS tagged "
        "  FROM artists;");
    auto m = db.read();
    const auto& v = table(m, "names");
    CHECK(v.is_view);
    CHECK(column_names(v) == std::vector<std::string>{"id", "name", "scaled", "tagged"});
    CHECK_FALSE(v.rowid.has_value());
    CHECK(v.key.empty());
    CHECK(v.foreign_keys.empty());
    for (const auto& c : v.columns) {
        INFO(c.name);
        CHECK_FALSE(c.non_null);
        CHECK_FALSE(c.primary_key);
        CHECK_FALSE(c.synthetic_rowid);
        CHECK_FALSE(c.rowid_alias);
    }
    // Column references keep their declared types, expressions have none (→ String).
    CHECK(column(v, "id").declared_type == "INTEGER");
    CHECK(column(v, "id").scalar == column_scalar::int_);
    CHECK(column(v, "name").scalar == column_scalar::string);
    CHECK(column(v, "scaled").declared_type.empty());
    CHECK(column(v, "scaled").scalar == column_scalar::string);
    CHECK(column(v, "scaled").comparison_type == "String");
}

// ---- non-null, primary key, omittable (§2.4) ----

TEST_CASE("non-null, primary key and omittable follow the rules of §2.4", "[graphql]") {
    model_db db(
        "CREATE TABLE nd (a TEXT NOT NULL, b TEXT NOT NULL DEFAULT 'x', c INTEGER PRIMARY KEY, "
        "  d TEXT, e INTEGER DEFAULT NULL);"
        "CREATE TABLE users (email TEXT PRIMARY KEY, name TEXT);"
        "CREATE TABLE liked (email TEXT, song_id INT, rating INT NOT NULL, "
        "  PRIMARY KEY (email, song_id));"
        "CREATE TABLE dist (start REAL NOT NULL, \"end\" REAL NOT NULL, "
        "  km REAL GENERATED ALWAYS AS (\"end\" - start) STORED, "
        "  miles REAL NOT NULL GENERATED ALWAYS AS (km * 1.6) VIRTUAL);");
    auto m = db.read();

    const auto& nd = table(m, "nd");
    struct expect {
        const char* name;
        bool non_null, primary_key, omittable;
    };
    for (auto e : {expect{"a", true, false, false}, expect{"b", true, false, true},
                   expect{"c", true, true, true}, expect{"d", false, false, true},
                   expect{"e", false, false, true}}) {
        INFO(e.name);
        const auto& c = column(nd, e.name);
        CHECK(c.non_null == e.non_null);
        CHECK(c.primary_key == e.primary_key);
        CHECK(c.omittable == e.omittable);
        CHECK_FALSE(c.generated);
    }
    CHECK(nd.key == std::vector<std::size_t>{column_index(nd, "c")});

    // A TEXT PRIMARY KEY is non-null in GraphQL although SQLite would store NULL there.
    const auto& users = table(m, "users");
    CHECK(column(users, "email").non_null);
    CHECK(column(users, "email").primary_key);
    CHECK(column(users, "email").nullable_in_storage);
    CHECK_FALSE(column(users, "email").omittable);
    CHECK(users.key == std::vector<std::size_t>{column_index(users, "email")});
    CHECK(users.rowid == std::optional<std::size_t>(0));

    // Every member of a composite key is a primary-key column; the key keeps column order.
    const auto& liked = table(m, "liked");
    CHECK(column(liked, "email").primary_key);
    CHECK(column(liked, "song_id").primary_key);
    CHECK_FALSE(column(liked, "rating").primary_key);
    CHECK(column(liked, "email").non_null);
    CHECK(column(liked, "song_id").non_null);
    CHECK_FALSE(column(liked, "email").omittable);
    // Only the first key column (pk = 1) with an integer type is omittable.
    CHECK_FALSE(column(liked, "song_id").omittable);
    CHECK_FALSE(column(liked, "rating").omittable);
    CHECK(liked.key ==
          std::vector<std::size_t>{column_index(liked, "email"), column_index(liked, "song_id")});

    // Generated columns (stored and virtual) are listed, readable, never written.
    const auto& dist = table(m, "dist");
    CHECK(column_names(dist) == std::vector<std::string>{"rowid", "start", "end", "km", "miles"});
    CHECK(column(dist, "km").generated);
    CHECK(column(dist, "miles").generated);
    CHECK(column(dist, "km").omittable);
    CHECK(column(dist, "miles").omittable);
    CHECK(column(dist, "miles").non_null);
    CHECK_FALSE(column(dist, "start").generated);
    CHECK_FALSE(column(dist, "start").omittable);
}

// ---- type mapping (D1) ----

TEST_CASE("declared types map to scalars by decision D1, first match wins", "[graphql]") {
    struct row {
        const char* declared;
        column_scalar scalar;
    };
    for (auto r : {
             row{"INTEGER", column_scalar::int_},
             row{"int", column_scalar::int_},
             row{"BIGINT", column_scalar::int_},
             row{"TINYINT", column_scalar::int_},
             row{"UNSIGNED BIG INT", column_scalar::int_},
             row{"POINT", column_scalar::int_},           // contains INT
             row{"FLOATING POINT", column_scalar::int_},  // INT wins over FLOA
             row{"VARCHAR(20)", column_scalar::string},
             row{"NVARCHAR", column_scalar::string},
             row{"CHARACTER(5)", column_scalar::string},
             row{"CLOB", column_scalar::string},
             row{"text", column_scalar::string},
             row{"TEXT BLOB", column_scalar::string},  // TEXT before BLOB
             row{"BLOB", column_scalar::file},
             row{"blob", column_scalar::file},  // the prefix test ignores case
             row{"BLOB_FILE", column_scalar::file},
             row{"MYBLOB", column_scalar::string},  // contains, but does not start with, BLOB
             row{"REAL", column_scalar::float_},
             row{"FLOAT", column_scalar::float_},
             row{"DOUBLE", column_scalar::float_},
             row{"DOUBLE PRECISION", column_scalar::float_},
             row{"BOOLEAN", column_scalar::boolean},
             row{"bool", column_scalar::boolean},
             row{"NUMERIC", column_scalar::float_},
             row{"DECIMAL(10,2)", column_scalar::float_},
             row{"NUMBER", column_scalar::float_},
             row{"MONEY", column_scalar::float_},
             row{"DATE", column_scalar::string},
             row{"DATETIME", column_scalar::string},
             row{"TIMESTAMP", column_scalar::string},
             row{"JSON", column_scalar::string},
             row{"ANY", column_scalar::string},
             row{"STRING", column_scalar::string},
             row{"", column_scalar::string},
         }) {
        INFO("declared type: '" << r.declared << "'");
        CHECK(scalar_for(r.declared) == r.scalar);
    }
}

TEST_CASE("columns carry their scalar and comparison type from the declared type", "[graphql]") {
    model_db db(
        "CREATE TABLE t (i INTEGER, s VARCHAR(10), f BLOB, r DOUBLE, b BOOLEAN, n DECIMAL(10,2), "
        "  d DATETIME, untyped);");
    auto m = db.read();
    const auto& t = table(m, "t");
    CHECK(column(t, "i").comparison_type == "Int");
    CHECK(column(t, "s").comparison_type == "String");
    CHECK(column(t, "f").scalar == column_scalar::file);
    CHECK(column(t, "f").comparison_type == "String");
    CHECK(column(t, "r").comparison_type == "Float");
    CHECK(column(t, "b").comparison_type == "Boolean");
    CHECK(column(t, "n").comparison_type == "Float");
    CHECK(column(t, "d").comparison_type == "String");
    CHECK(column(t, "untyped").declared_type.empty());
    CHECK(column(t, "untyped").scalar == column_scalar::string);
    CHECK(column(t, "untyped").comparison_type == "String");
}

// ---- select options ----

TEST_CASE("a column-level CHECK (col IN (...)) lists the column's options", "[graphql]") {
    CHECK(parse_select_options(
              "CREATE TABLE books (title TEXT, genre TEXT CHECK (genre IN ('novel', 'poetry')))") ==
          options_list{{"genre", {"novel", "poetry"}}});
    // Quotes inside strings are unescaped; commas and parentheses inside strings are text.
    CHECK(parse_select_options("CREATE TABLE t (x TEXT CHECK (x IN ('it''s', 'a,b', 'c)', '')))") ==
          options_list{{"x", {"it's", "a,b", "c)", ""}}});
    // Numbers keep their text, signs included.
    CHECK(parse_select_options("CREATE TABLE t (n INT CHECK (n IN (1, 2.5, -3, +4, 1e3)))") ==
          options_list{{"n", {"1", "2.5", "-3", "4", "1e3"}}});
    // Keywords in any case; the column name lower-cased.
    CHECK(parse_select_options("create table t (Genre text check (GENRE in ('a')) not null)") ==
          options_list{{"genre", {"a"}}});
    // Other constraints of the column before the CHECK do not confuse it.
    CHECK(parse_select_options(
              "CREATE TABLE t (x TEXT NOT NULL DEFAULT ('a') CHECK (x IN ('a', 'b')), y INT)") ==
          options_list{{"x", {"a", "b"}}});
}

TEST_CASE("table-level CHECK (col IN (...)) constraints list options too", "[graphql]") {
    CHECK(parse_select_options("CREATE TABLE t (a TEXT, b INT, CHECK (b IN (1, 2)), "
                               "CONSTRAINT a_values CHECK (\"a\" IN ('x', 'y')))") ==
          options_list{{"b", {"1", "2"}}, {"a", {"x", "y"}}});
    CHECK(parse_select_options("CREATE TABLE t (a TEXT, PRIMARY KEY (a), CHECK (a IN ('q')))") ==
          options_list{{"a", {"q"}}});
}

TEST_CASE("select options accept quoted identifiers and skip comments", "[graphql]") {
    CHECK(parse_select_options(
              "CREATE TABLE \"my table\" (\"my col\" TEXT CHECK (\"my col\" IN ('a')), "
              "[br col] TEXT CHECK ([br col] IN ('b')), `bt` TEXT CHECK (`bt` IN ('c')))") ==
          options_list{{"my col", {"a"}}, {"br col", {"b"}}, {"bt", {"c"}}});
    CHECK(parse_select_options("CREATE TABLE t ( -- x TEXT CHECK (x IN ('no'))\n"
                               "  x TEXT /* CHECK (x IN ('nope')) */ CHECK (x IN ('yes')),\n"
                               "  y TEXT -- , CHECK (y IN ('never'))\n"
                               ")") == options_list{{"x", {"yes"}}});
}

TEST_CASE("checks that are not a plain IN list are no select options", "[graphql]") {
    CHECK(parse_select_options("CREATE TABLE t (x TEXT CHECK (length(x) > 2))").empty());
    CHECK(parse_select_options("CREATE TABLE t (x TEXT CHECK (x NOT IN ('a')))").empty());
    CHECK(parse_select_options("CREATE TABLE t (x TEXT CHECK (x IN ('a') OR x IS NULL))").empty());
    CHECK(parse_select_options("CREATE TABLE t (x TEXT CHECK (x IN (SELECT 1)))").empty());
    CHECK(parse_select_options("CREATE TABLE t (x TEXT CHECK (x IN (y)), y TEXT)").empty());
    // A column-level check about another column is not that column's option list.
    CHECK(parse_select_options("CREATE TABLE t (a TEXT CHECK (b IN ('x')), b TEXT)").empty());
    CHECK(parse_select_options("CREATE VIEW v AS SELECT 1").empty());
    CHECK(parse_select_options("").empty());
}

TEST_CASE("select-option columns get their own comparison type name", "[graphql]") {
    model_db db(
        "CREATE TABLE \"book list\" (title TEXT, genre TEXT CHECK (genre IN ('novel', 'poetry')),"
        "  stars INTEGER CHECK (stars IN (1, 2, 3)));");
    auto m = db.read();
    const auto& t = table(m, "book list");
    CHECK(t.gql_name == "bookXX0list");
    const auto& genre = column(t, "genre");
    REQUIRE(genre.select_options.has_value());
    CHECK(*genre.select_options == std::vector<std::string>{"novel", "poetry"});
    CHECK(genre.scalar == column_scalar::string);
    CHECK(genre.comparison_type == "bookXX0list_genre_String");
    const auto& stars = column(t, "stars");
    REQUIRE(stars.select_options.has_value());
    CHECK(*stars.select_options == std::vector<std::string>{"1", "2", "3"});
    CHECK(stars.comparison_type == "bookXX0list_stars_Int");
    CHECK_FALSE(column(t, "title").select_options.has_value());
    CHECK(column(t, "title").comparison_type == "String");
}

// ---- what is exposed ----

TEST_CASE("internal sqlite_ tables and FTS5 shadow tables are not exposed", "[graphql]") {
    model_db db(
        "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT);"
        "INSERT INTO a (x) VALUES ('one'), ('two');"
        "CREATE INDEX a_x ON a(x);"
        "ANALYZE;"
        "CREATE VIRTUAL TABLE docs USING fts5(body);"
        "CREATE TABLE z (y TEXT);");
    auto m = db.read();
    // sqlite_sequence, sqlite_stat1 and docs_data/_idx/_content/_docsize/_config are hidden;
    // the rest keeps sqlite_master order.
    CHECK(table_names(m) == std::vector<std::string>{"a", "docs", "z"});
    const auto& docs = table(m, "docs");
    // The FTS5 table's hidden columns (docs, rank) are not listed.
    CHECK(column_names(docs) == std::vector<std::string>{"rowid", "body"});
}

TEST_CASE("table and column names are encoded for GraphQL", "[graphql]") {
    model_db db("CREATE TABLE \"my table\" (\"e-mail\" TEXT, \"the column\" TEXT, \"group\" INT);");
    auto m = db.read();
    const auto& t = table(m, "my table");
    CHECK(t.gql_name == "myXX0table");
    CHECK(column(t, "e-mail").gql_name == "eXXDmail");
    CHECK(column(t, "the column").gql_name == "theXX0column");
    CHECK(column(t, "group").gql_name == "group");
    CHECK(t.column_by_gql("eXXDmail") == std::optional<std::size_t>(column_index(t, "e-mail")));
    CHECK(t.column_by_gql("rowid") == std::optional<std::size_t>(0));
    CHECK_FALSE(t.column_by_gql("e-mail").has_value());
}

// ---- foreign keys ----

TEST_CASE("foreign keys resolve to column indices, explicitly or to the parent's key",
          "[graphql]") {
    model_db db(
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT, "
        "  artist_id INTEGER REFERENCES artists(id));"
        "CREATE TABLE tracks (title TEXT, album INTEGER REFERENCES ALBUMS);"  // implicit, any case
        "CREATE TABLE staff (id INTEGER PRIMARY KEY, boss_id INTEGER REFERENCES staff(id));");
    auto m = db.read();
    auto artists = table_index(m, "artists");
    auto albums = table_index(m, "albums");

    const auto& al = m.tables[albums];
    REQUIRE(al.foreign_keys.size() == 1);
    CHECK(al.foreign_keys[0].parent == artists);
    CHECK(al.foreign_keys[0].from == std::vector<std::size_t>{column_index(al, "artist_id")});
    CHECK(al.foreign_keys[0].to == std::vector<std::size_t>{column_index(m.tables[artists], "id")});
    CHECK(m.tables[artists].foreign_keys.empty());

    const auto& tr = table(m, "tracks");
    REQUIRE(tr.foreign_keys.size() == 1);
    CHECK(tr.foreign_keys[0].parent == albums);
    CHECK(tr.foreign_keys[0].from == std::vector<std::size_t>{column_index(tr, "album")});
    CHECK(tr.foreign_keys[0].to == std::vector<std::size_t>{column_index(al, "id")});

    const auto& staff = table(m, "staff");
    REQUIRE(staff.foreign_keys.size() == 1);
    CHECK(staff.foreign_keys[0].parent == table_index(m, "staff"));
    CHECK(staff.foreign_keys[0].from == std::vector<std::size_t>{column_index(staff, "boss_id")});
    CHECK(staff.foreign_keys[0].to == std::vector<std::size_t>{column_index(staff, "id")});
}

TEST_CASE("composite foreign keys keep their column pairs in order", "[graphql]") {
    model_db db(
        "CREATE TABLE p (a TEXT, b INTEGER, PRIMARY KEY (a, b));"
        "CREATE TABLE c1 (x TEXT, y INTEGER, FOREIGN KEY (x, y) REFERENCES p (a, b));"
        "CREATE TABLE c2 (x TEXT, y INTEGER, FOREIGN KEY (y, x) REFERENCES p (b, a));"
        "CREATE TABLE c3 (x TEXT, y INTEGER, FOREIGN KEY (x, y) REFERENCES p);");
    auto m = db.read();
    auto pi = table_index(m, "p");
    const auto& p = m.tables[pi];
    auto a = column_index(p, "a");
    auto b = column_index(p, "b");
    for (const char* name : {"c1", "c2", "c3"}) {
        INFO(name);
        const auto& c = table(m, name);
        REQUIRE(c.foreign_keys.size() == 1);
        const auto& fk = c.foreign_keys[0];
        CHECK(fk.parent == pi);
        REQUIRE(fk.from.size() == 2);
        REQUIRE(fk.to.size() == 2);
        // Whatever the order, x pairs with a and y with b.
        for (std::size_t i = 0; i < 2; ++i) {
            if (fk.from[i] == column_index(c, "x")) {
                CHECK(fk.to[i] == a);
            } else {
                CHECK(fk.from[i] == column_index(c, "y"));
                CHECK(fk.to[i] == b);
            }
        }
    }
    CHECK(table(m, "c1").foreign_keys[0].from ==
          std::vector<std::size_t>{column_index(table(m, "c1"), "x"),
                                   column_index(table(m, "c1"), "y")});
    CHECK(table(m, "c2").foreign_keys[0].from ==
          std::vector<std::size_t>{column_index(table(m, "c2"), "y"),
                                   column_index(table(m, "c2"), "x")});
}

TEST_CASE("foreign keys naming unknown tables or columns are skipped", "[graphql]") {
    model_db db(
        "CREATE TABLE plain (x TEXT);"
        "CREATE TABLE keyed (id INTEGER PRIMARY KEY);"
        "CREATE TABLE c (a INTEGER REFERENCES nowhere(id), b INTEGER REFERENCES keyed(missing), "
        "  d INTEGER REFERENCES plain, e INTEGER REFERENCES keyed(id));");
    auto m = db.read();
    const auto& c = table(m, "c");
    // Only e → keyed(id) resolves (plain has no declared key to reference implicitly).
    REQUIRE(c.foreign_keys.size() == 1);
    CHECK(c.foreign_keys[0].from == std::vector<std::size_t>{column_index(c, "e")});
    CHECK(c.foreign_keys[0].parent == table_index(m, "keyed"));
}
