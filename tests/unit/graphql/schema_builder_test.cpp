// SPDX-License-Identifier: Apache-2.0
#include "graphql/schema_builder.hpp"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "catch.hpp"
#include "database/hosted_database.hpp"
#include "graphql/database_model.hpp"
#include "sqlite/connection.hpp"
#include "temp_dir.hpp"

using namespace airsql;
using namespace airsql::graphql;

namespace {

// The fixture of the upstream tests (graphql-api.md §12).
constexpr const char* users_songs =
    "CREATE TABLE \"users\" (\"name\" TEXT, \"email\" TEXT NOT NULL UNIQUE, "
    "\"created_utc\" TEXT NOT NULL, \"number_of_logins\" INTEGER, \"progress\" REAL, "
    "PRIMARY KEY(\"email\"));"
    "CREATE TABLE \"songs\" (\"name\" TEXT NOT NULL, \"duration_seconds\" INTEGER NOT NULL);";

constexpr const char* artists_albums =
    "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL);"
    "CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT NOT NULL, "
    "  artist_id INTEGER REFERENCES artists(id));";

/// The schema of a database created by `sql`, for one access mode.
std::shared_ptr<const schema> build(const std::string& sql,
                                    access_mode mode = access_mode::read_write) {
    test::temp_dir dir;
    auto file = dir.path() / "main.sqlite";
    {
        sqlite::connection create(file, sqlite::connection::mode::read_write_create);
        create.exec(sql);
    }
    options opts;
    auto conn = database::open_hosted_connection(file, opts, false);
    return build_schema(std::make_shared<database_model>(read_database_model(*conn)), mode);
}

const type_def& type(const schema& s, std::string_view name) {
    const auto* t = s.find(name);
    if (!t) FAIL("no type " << name);
    return *t;
}

const field_def& field(const schema& s, std::string_view type_name, std::string_view name) {
    const auto* f = type(s, type_name).field(name);
    if (!f) FAIL("no field " << type_name << "." << name);
    return *f;
}

/// "name: Type", with " @deprecated" for deprecated members.
std::string input_sig(const input_value_def& v) {
    return v.name + ": " + v.type.to_string() + (v.deprecated ? " @deprecated" : "");
}

/// "name(arg: Type, …): Type", with " @deprecated" for deprecated members.
std::string field_sig(const field_def& f) {
    std::string out = f.name;
    if (!f.args.empty()) {
        out += "(";
        for (std::size_t i = 0; i < f.args.size(); ++i)
            out += (i ? ", " : "") + input_sig(f.args[i]);
        out += ")";
    }
    return out + ": " + f.type.to_string() + (f.deprecated ? " @deprecated" : "");
}

/// The members of a type as signatures: fields, input fields or enum values.
std::vector<std::string> members(const schema& s, std::string_view type_name) {
    const auto& t = type(s, type_name);
    std::vector<std::string> out;
    for (const auto& f : t.fields) out.push_back(field_sig(f));
    for (const auto& f : t.input_fields) out.push_back(input_sig(f));
    for (const auto& e : t.enum_values)
        out.push_back(e.name + (e.deprecated ? " @deprecated" : ""));
    return out;
}

std::vector<std::string> field_names(const schema& s, std::string_view type_name) {
    std::vector<std::string> out;
    for (const auto& f : type(s, type_name).fields) out.push_back(f.name);
    return out;
}

using strings = std::vector<std::string>;

}  // namespace

// ---- roots ----

TEST_CASE("Query has list fields, then by-pk fields, then aggregates, in table order",
          "[graphql]") {
    auto s = build(users_songs);
    CHECK(s->query_type == "Query");
    CHECK(members(*s, "Query") ==
          strings{
              "users(where: users_filter, filter: users_filter @deprecated, distinct_on: "
              "[users_column!], order_by: [users_order_by], limit: Int, offset: Int): [users_row!]!",
              "songs(where: songs_filter, filter: songs_filter @deprecated, distinct_on: "
              "[songs_column!], order_by: [songs_order_by], limit: Int, offset: Int): [songs_row!]!",
              "users_by_pk(email: String!): users_row",
              "songs_by_pk(rowid: Int!): songs_row",
              "users_aggregate(where: users_filter, distinct_on: [users_column!], order_by: [users_order_by], limit: Int, "
              "offset: Int): users_aggregate!",
              "songs_aggregate(where: songs_filter, distinct_on: [songs_column!], order_by: [songs_order_by], limit: Int, "
              "offset: Int): songs_aggregate!",
          });
    CHECK(field(*s, "Query", "users").role == field_role::table_list);
    CHECK(field(*s, "Query", "songs_by_pk").role == field_role::table_by_pk);
    CHECK(field(*s, "Query", "songs_by_pk").table == 1);
    CHECK(field(*s, "Query", "users_aggregate").role == field_role::table_aggregate);
}

TEST_CASE("Mutation has inserts, updates, deletes, then the by-pk variants", "[graphql]") {
    auto s = build(users_songs);
    CHECK(s->mutation_type == "Mutation");
    CHECK(members(*s, "Mutation") ==
          strings{
              "insert_users(objects: [users_insert_input!]!, on_conflict: "
              "[users_upsert_on_conflict!]): users_mutation_response!",
              "insert_songs(objects: [songs_insert_input!]!, on_conflict: "
              "[songs_upsert_on_conflict!]): songs_mutation_response!",
              "update_users(_set: users_set_input, set: users_set_input @deprecated, "
              "where: users_filter, filter: users_filter @deprecated, _inc: users_inc_input): "
              "users_mutation_response!",
              "update_songs(_set: songs_set_input, set: songs_set_input @deprecated, "
              "where: songs_filter, filter: songs_filter @deprecated, _inc: songs_inc_input): "
              "songs_mutation_response!",
              "delete_users(where: users_filter, filter: users_filter @deprecated): "
              "users_mutation_response!",
              "delete_songs(where: songs_filter, filter: songs_filter @deprecated): "
              "songs_mutation_response!",
              "update_users_by_pk(email: String!, _set: users_set_input, "
              "set: users_set_input @deprecated, _inc: users_inc_input): "
              "users_mutation_by_pk_response!",
              "update_songs_by_pk(rowid: Int!, _set: songs_set_input, "
              "set: songs_set_input @deprecated, _inc: songs_inc_input): "
              "songs_mutation_by_pk_response!",
              "delete_users_by_pk(email: String!): users_mutation_by_pk_response!",
              "delete_songs_by_pk(rowid: Int!): songs_mutation_by_pk_response!",
              // Hasura's forms (extensions), after AirGQL's fields.
              "insert_users_one(object: users_insert_input!, on_conflict: "
              "users_upsert_on_conflict): users_row",
              "insert_songs_one(object: songs_insert_input!, on_conflict: "
              "songs_upsert_on_conflict): songs_row",
              "update_users_many(updates: [users_updates!]!): [users_mutation_response]",
              "update_songs_many(updates: [songs_updates!]!): [songs_mutation_response]",
          });
    // All are extensions; the conformance suite pins Mutation's field count and update's
    // arguments in the default view, so only the current view shows them.
    for (const auto& f : type(*s, "Mutation").fields) {
        INFO(f.name);
        bool hasura = f.name.ends_with("_one") || f.name.ends_with("_many");
        CHECK(f.extension == hasura);
        CHECK(f.current_only == hasura);
        for (const auto& a : f.args) {
            CHECK(a.extension == (hasura || a.name == "_inc"));
            CHECK(a.current_only == (a.name == "_inc"));
        }
    }
    for (const auto& f : type(*s, "Query").fields) {
        INFO(f.name);
        for (const auto& a : f.args) {
            // Root lists only: distinct_on of aggregates is in the default view.
            CHECK(a.current_only == (a.name == "distinct_on" && f.role == field_role::table_list));
        }
    }
    // _inc: the numeric columns (rowid too), as their own scalar.
    CHECK(members(*s, "users_inc_input") ==
          strings{"rowid: Int", "number_of_logins: Int", "progress: Float"});
    CHECK(members(*s, "users_updates") ==
          strings{"where: users_filter!", "_set: users_set_input", "_inc: users_inc_input"});
    for (const char* t : {"users_inc_input", "users_updates", "songs_inc_input"}) {
        INFO(t);
        CHECK(type(*s, t).extension);
        CHECK(type(*s, t).current_only);
    }
    CHECK_FALSE(type(*s, "users_set_input").current_only);
    CHECK_FALSE(type(*s, "users_aggregate").current_only);
    CHECK(members(*s, "users_mutation_response") ==
          strings{"affected_rows: Int!", "returning: [users_row!]!"});
    CHECK(members(*s, "users_mutation_by_pk_response") ==
          strings{"affected_rows: Int!", "returning: users_row"});
}

TEST_CASE("views are queryable but get no mutations and no by-pk field", "[graphql]") {
    auto s = build(std::string(users_songs) +
                   "CREATE VIEW long_songs AS SELECT name, "
                   "duration_seconds FROM songs WHERE duration_seconds > 300;");
    CHECK(field_names(*s, "Query") == strings{"users", "songs", "long_songs", "users_by_pk",
                                              "songs_by_pk", "users_aggregate", "songs_aggregate",
                                              "long_songs_aggregate"});
    for (const auto& f : type(*s, "Mutation").fields)
        CHECK_THAT(f.name, !Catch::Contains("long_songs"));
    CHECK(members(*s, "long_songs_row") == strings{"name: String", "duration_seconds: Int"});
    CHECK(s->find("long_songs_filter"));
    CHECK(s->find("long_songs_order_by"));
    for (const char* absent :
         {"long_songs_insert_input", "long_songs_set_input", "long_songs_upsert_on_conflict",
          "long_songs_mutation_response", "long_songs_mutation_by_pk_response"}) {
        INFO(absent);
        CHECK_FALSE(s->find(absent));
    }
}

// ---- access modes ----

TEST_CASE("a read-only schema has no Mutation type at all", "[graphql]") {
    auto s = build(users_songs, access_mode::read_only);
    CHECK(s->mode == access_mode::read_only);
    CHECK(s->can_read());
    CHECK(s->mutation_type.empty());
    CHECK_FALSE(s->find("Mutation"));
    CHECK(field_names(*s, "Query") == strings{"users", "songs", "users_by_pk", "songs_by_pk",
                                              "users_aggregate", "songs_aggregate"});
}

TEST_CASE("a write-only schema mutates everything but returns nothing", "[graphql]") {
    auto s = build(users_songs, access_mode::write_only);
    CHECK_FALSE(s->can_read());
    CHECK(s->mutation_type == "Mutation");
    CHECK(field_names(*s, "Mutation") ==
          strings{"insert_users", "insert_songs", "update_users", "update_songs", "delete_users",
                  "delete_songs", "update_users_by_pk", "update_songs_by_pk",
                  "delete_users_by_pk", "delete_songs_by_pk", "insert_users_one",
                  "insert_songs_one", "update_users_many", "update_songs_many"});
    // insert_<t>_one still returns the row type: its fields are refused at run time.
    CHECK(members(*s, "users_mutation_response") == strings{"affected_rows: Int!"});
    CHECK(members(*s, "songs_mutation_by_pk_response") == strings{"affected_rows: Int!"});
    // Query stays a valid root; its fields are refused at run time.
    CHECK(field_names(*s, "Query").size() == 6);
}

TEST_CASE("an insert-only schema has only insert fields and no returning", "[graphql]") {
    auto s = build(users_songs, access_mode::insert_only);
    CHECK_FALSE(s->can_read());
    CHECK(members(*s, "Mutation") ==
          strings{"insert_users(objects: [users_insert_input!]!, on_conflict: "
                  "[users_upsert_on_conflict!]): users_mutation_response!",
                  "insert_songs(objects: [songs_insert_input!]!, on_conflict: "
                  "[songs_upsert_on_conflict!]): songs_mutation_response!",
                  "insert_users_one(object: users_insert_input!, on_conflict: "
                  "users_upsert_on_conflict): users_row",
                  "insert_songs_one(object: songs_insert_input!, on_conflict: "
                  "songs_upsert_on_conflict): songs_row"});
    CHECK(members(*s, "users_mutation_response") == strings{"affected_rows: Int!"});
    // No update forms: neither _inc nor update_<t>_many's types.
    CHECK_FALSE(s->find("users_inc_input"));
    CHECK_FALSE(s->find("users_updates"));
}

// ---- naming conflicts (§4.5) ----

TEST_CASE("by-pk names get underscores while they name a table", "[graphql]") {
    auto s = build(
        "CREATE TABLE foo (x TEXT); CREATE TABLE foo_by_pk (x TEXT);"
        "CREATE TABLE foo_by_pk_ (x TEXT);");
    CHECK(field_names(*s, "Query") == strings{"foo", "foo_by_pk", "foo_by_pk_", "foo_by_pk__",
                                              "foo_by_pk_by_pk", "foo_by_pk__by_pk",
                                              "foo_aggregate", "foo_by_pk_aggregate",
                                              "foo_by_pk__aggregate"});
    CHECK(field(*s, "Query", "foo_by_pk").role == field_role::table_list);
    CHECK(field(*s, "Query", "foo_by_pk__").role == field_role::table_by_pk);
    CHECK(field(*s, "Query", "foo_by_pk__").table == 0);
    CHECK(field(*s, "Query", "foo_by_pk_by_pk").table == 1);
    CHECK(field(*s, "Query", "foo_by_pk__by_pk").table == 2);
    CHECK(field_names(*s, "Mutation") ==
          strings{"insert_foo", "insert_foo_by_pk", "insert_foo_by_pk_", "update_foo",
                  "update_foo_by_pk", "update_foo_by_pk_", "delete_foo", "delete_foo_by_pk",
                  "delete_foo_by_pk_", "update_foo_by_pk__", "update_foo_by_pk_by_pk",
                  "update_foo_by_pk__by_pk", "delete_foo_by_pk__", "delete_foo_by_pk_by_pk",
                  "delete_foo_by_pk__by_pk", "insert_foo_one", "insert_foo_by_pk_one",
                  "insert_foo_by_pk__one", "update_foo_many", "update_foo_by_pk_many",
                  "update_foo_by_pk__many"});
    CHECK(field(*s, "Mutation", "update_foo_by_pk").role == field_role::update);
    CHECK(field(*s, "Mutation", "update_foo_by_pk__").role == field_role::update_by_pk);
}

TEST_CASE("the set arguments of update-by-pk step aside for key columns named _set or set",
          "[graphql]") {
    auto s = build(
        "CREATE TABLE foo (\"_set\" INT PRIMARY KEY, v TEXT);"
        "CREATE TABLE bar (\"set\" TEXT PRIMARY KEY, v TEXT);");
    CHECK(field_sig(field(*s, "Mutation", "update_foo_by_pk")) ==
          "update_foo_by_pk(_set: Int!, _set_: foo_set_input, set: foo_set_input @deprecated, "
          "_inc: foo_inc_input): foo_mutation_by_pk_response!");
    CHECK(field_sig(field(*s, "Mutation", "update_bar_by_pk")) ==
          "update_bar_by_pk(set: String!, _set: bar_set_input, set_: bar_set_input @deprecated, "
          "_inc: bar_inc_input): bar_mutation_by_pk_response!");
    CHECK(field_sig(field(*s, "Query", "foo_by_pk")) == "foo_by_pk(_set: Int!): foo_row");
    CHECK(field_sig(field(*s, "Mutation", "delete_foo_by_pk")) ==
          "delete_foo_by_pk(_set: Int!): foo_mutation_by_pk_response!");
}

TEST_CASE("Hasura's generated mutation names yield to AirGQL's", "[graphql]") {
    // insert_a_one is table a_one's insert; a's insert_<t>_one becomes insert_a_one_.
    auto s = build(
        "CREATE TABLE a (id INTEGER PRIMARY KEY, \"_inc\" TEXT); CREATE TABLE a_one (x TEXT);"
        "CREATE TABLE a_many (x TEXT); CREATE TABLE k (\"_inc\" INTEGER PRIMARY KEY, t TEXT);");
    CHECK(field(*s, "Mutation", "insert_a_one").role == field_role::insert);
    CHECK(field(*s, "Mutation", "insert_a_one").table == 1);
    CHECK(field(*s, "Mutation", "insert_a_one_").role == field_role::insert_one);
    CHECK(field(*s, "Mutation", "insert_a_one_").table == 0);
    CHECK(field(*s, "Mutation", "insert_a_one_one").table == 1);
    CHECK(field(*s, "Mutation", "update_a_many").role == field_role::update);
    CHECK(field(*s, "Mutation", "update_a_many_").role == field_role::update_many);
    CHECK(field(*s, "Mutation", "update_a_many_").table == 0);
    // A key column named _inc moves the increments of update-by-pk to _inc_; a text column
    // named _inc is not numeric.
    CHECK(field_sig(field(*s, "Mutation", "update_k_by_pk")) ==
          "update_k_by_pk(_inc: Int!, _set: k_set_input, set: k_set_input @deprecated, _inc_: "
          "k_inc_input): k_mutation_by_pk_response!");
    CHECK(members(*s, "a_inc_input") == strings{"rowid: Int", "id: Int"});
    // A table without numeric columns (a WITHOUT ROWID table of text) has no _inc.
    auto t = build("CREATE TABLE w (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;");
    CHECK_FALSE(t->find("w_inc_input"));
    CHECK(members(*t, "w_updates") == strings{"where: w_filter!", "_set: w_set_input"});
    CHECK(field_sig(field(*t, "Mutation", "update_w")) ==
          "update_w(_set: w_set_input, set: w_set_input @deprecated, where: w_filter, filter: "
          "w_filter @deprecated): w_mutation_response!");
}

// ---- per-table types ----

TEST_CASE("row, filter, order, insert and set types follow the column rules", "[graphql]") {
    auto s = build(users_songs);
    CHECK(members(*s, "users_row") == strings{"rowid: Int!", "name: String", "email: String!",
                                              "created_utc: String!", "number_of_logins: Int",
                                              "progress: Float"});
    CHECK(members(*s, "songs_row") ==
          strings{"rowid: Int!", "name: String!", "duration_seconds: Int!"});
    CHECK(members(*s, "users_insert_input") == strings{"rowid: Int", "name: String",
                                                       "email: String!", "created_utc: String!",
                                                       "number_of_logins: Int", "progress: Float"});
    CHECK(members(*s, "users_set_input") == strings{"rowid: Int", "name: String", "email: String",
                                                    "created_utc: String", "number_of_logins: Int",
                                                    "progress: Float"});
    CHECK(members(*s, "users_filter") ==
          strings{"rowid: IntComparison", "name: StringComparison", "email: StringComparison",
                  "created_utc: StringComparison", "number_of_logins: IntComparison",
                  "progress: FloatComparison", "_and: [users_filter!]", "_or: [users_filter!]",
                  "_not: users_filter"});
    CHECK(members(*s, "users_order_by") ==
          strings{"rowid: OrderingTerm", "name: OrderingTerm", "email: OrderingTerm",
                  "created_utc: OrderingTerm", "number_of_logins: OrderingTerm",
                  "progress: OrderingTerm"});
    CHECK(members(*s, "users_column") ==
          strings{"rowid", "name", "email", "created_utc", "number_of_logins", "progress",
                  "users_pkey"});  // the primary key's name, for on_conflict (an extension)
    CHECK(members(*s, "users_upsert_on_conflict") == strings{"constraint: [users_column!]!",
                                                             "update_columns: [users_column!]!",
                                                             "where: users_filter"});
    CHECK(type(*s, "users_row").kind == type_kind::object);
    CHECK(type(*s, "users_filter").kind == type_kind::input_object);
    CHECK(type(*s, "users_column").kind == type_kind::enum_);
}

TEST_CASE("defaults, integer keys and generated columns shape the inputs", "[graphql]") {
    auto s = build(
        "CREATE TABLE nd (a TEXT NOT NULL, b TEXT NOT NULL DEFAULT 'x', c INTEGER PRIMARY KEY, "
        "  d TEXT, flag BOOLEAN NOT NULL DEFAULT 0, doc BLOB);"
        "CREATE TABLE dist (start REAL NOT NULL, \"end\" REAL NOT NULL, "
        "  km REAL GENERATED ALWAYS AS (\"end\" - start) STORED);");
    CHECK(members(*s, "nd_row") == strings{"rowid: Int!", "a: String!", "b: String!", "c: Int!",
                                           "d: String", "flag: Boolean!", "doc: String"});
    CHECK(members(*s, "nd_insert_input") == strings{"rowid: Int", "a: String!", "b: String",
                                                    "c: Int", "d: String", "flag: Boolean",
                                                    "doc: String"});
    CHECK(members(*s, "nd_set_input") == strings{"rowid: Int", "a: String", "b: String", "c: Int",
                                                 "d: String", "flag: Boolean", "doc: String"});
    REQUIRE(type(*s, "nd_filter").input_field("flag") != nullptr);
    CHECK(type(*s, "nd_filter").input_field("flag")->type.to_string() == "BooleanComparison");
    // Generated columns: readable and filterable, never written (D8).
    CHECK(members(*s, "dist_row") ==
          strings{"rowid: Int!", "start: Float!", "end: Float!", "km: Float"});
    CHECK(members(*s, "dist_insert_input") ==
          strings{"rowid: Int", "start: Float!", "end: Float!"});
    CHECK(members(*s, "dist_set_input") == strings{"rowid: Int", "start: Float", "end: Float"});
    CHECK(type(*s, "dist_filter").input_field("km"));
    CHECK(members(*s, "dist_column") == strings{"rowid", "start", "end", "km"});
}

TEST_CASE("comparison types have every operator with its deprecated alias", "[graphql]") {
    auto s = build(users_songs + std::string("CREATE TABLE checks (color TEXT CHECK "
                                             "(color IN ('red', 'green')) NOT NULL);"));
    CHECK(members(*s, "IntComparison") ==
          strings{"eq: Int @deprecated",   "_eq: Int",   "neq: Int @deprecated",   "_neq: Int",
                  "gt: Int @deprecated",   "_gt: Int",   "gte: Int @deprecated",   "_gte: Int",
                  "lt: Int @deprecated",   "_lt: Int",   "lte: Int @deprecated",   "_lte: Int",
                  "like: Int @deprecated", "_like: Int", "ilike: Int @deprecated", "_ilike: Int",
                  "in: [Int] @deprecated", "_in: [Int]", "nin: [Int] @deprecated", "_nin: [Int]",
                  "_is_null: Boolean", "_nlike: Int", "_nilike: Int", "_similar: Int",
                  "_nsimilar: Int", "_regex: Int", "_iregex: Int", "_nregex: Int", "_niregex: Int"});
    CHECK(type(*s, "StringComparison").input_field("_ilike")->type.to_string() == "String");
    CHECK(type(*s, "FloatComparison").input_field("_nin")->type.to_string() == "[Float]");
    // A select-option column compares through its own type, with the column's scalar.
    CHECK(type(*s, "checks_filter").input_field("color")->type.to_string() ==
          "checks_color_StringComparison");
    CHECK(type(*s, "checks_color_StringComparison").input_field("_eq")->type.to_string() ==
          "String");
    CHECK_FALSE(s->find("BooleanComparison"));  // no boolean column here
    CHECK(members(*s, "OrderingTerm") ==
          strings{"ASC", "asc @deprecated", "DESC", "desc @deprecated", "asc_nulls_first",
                  "asc_nulls_last", "desc_nulls_first", "desc_nulls_last"});
    for (const auto& v : type(*s, "OrderingTerm").enum_values) {
        if (v.deprecated) CHECK_FALSE(v.deprecation_reason.empty());
    }
}

TEST_CASE("aggregate types cover count and the numeric and comparable columns", "[graphql]") {
    auto s = build(users_songs);
    CHECK(members(*s, "users_aggregate") ==
          strings{"aggregate: users_aggregate_fields", "nodes: [users_row!]!"});
    CHECK(members(*s, "users_aggregate_fields") ==
          strings{"count(columns: [users_column!], distinct: Boolean): Int!",
                  "sum: users_sum_fields", "avg: users_avg_fields", "max: users_max_fields",
                  "min: users_min_fields", "stddev: users_stddev_fields",
                  "stddev_pop: users_stddev_pop_fields", "stddev_samp: users_stddev_samp_fields",
                  "variance: users_variance_fields", "var_pop: users_var_pop_fields",
                  "var_samp: users_var_samp_fields"});
    CHECK(members(*s, "users_sum_fields") ==
          strings{"rowid: Int", "number_of_logins: Int", "progress: Float"});
    CHECK(members(*s, "users_avg_fields") ==
          strings{"rowid: Float", "number_of_logins: Float", "progress: Float"});
    CHECK(members(*s, "users_max_fields") == strings{"rowid: Int", "name: String", "email: String",
                                                     "created_utc: String", "number_of_logins: Int",
                                                     "progress: Float"});
    CHECK(members(*s, "users_min_fields") == members(*s, "users_max_fields"));
}

// ---- relationships ----

TEST_CASE("a foreign key gives an object field on the child and array fields on the parent",
          "[graphql]") {
    auto s = build(artists_albums);
    CHECK(members(*s, "albums_row") == strings{"rowid: Int!", "id: Int!", "title: String!",
                                               "artist_id: Int", "artist: artists_row"});
    CHECK(members(*s, "artists_row") ==
          strings{"rowid: Int!", "id: Int!", "name: String!",
                  "albums(where: albums_filter, distinct_on: [albums_column!], order_by: [albums_order_by], limit: Int, "
                  "offset: Int): [albums_row!]!",
                  "albums_aggregate(where: albums_filter, distinct_on: [albums_column!], order_by: [albums_order_by], "
                  "limit: Int, offset: Int): albums_aggregate!"});
    CHECK(field(*s, "albums_row", "artist").role == field_role::object_relationship);
    CHECK(field(*s, "artists_row", "albums").role == field_role::array_relationship);
    CHECK(field(*s, "artists_row", "albums_aggregate").role == field_role::array_aggregate);
    // Filters follow relationships both ways; ordering only through object relationships.
    CHECK(type(*s, "albums_filter").input_field("artist")->type.to_string() == "artists_filter");
    CHECK(type(*s, "artists_filter").input_field("albums")->type.to_string() == "albums_filter");
    CHECK(type(*s, "albums_order_by").input_field("artist")->type.to_string() ==
          "artists_order_by");
    CHECK_FALSE(type(*s, "artists_order_by").input_field("albums"));

    REQUIRE(s->relationships.size() == 2);
    REQUIRE(s->relationships[1].size() == 1);
    const auto& obj = s->relationships[1][0];
    CHECK(obj.k == relationship::kind::object);
    CHECK(obj.name == "artist");
    CHECK(obj.table == 1);
    CHECK(obj.other == 0);
    CHECK(obj.child == 1);
    REQUIRE(s->relationships[0].size() == 1);
    const auto& arr = s->relationships[0][0];
    CHECK(arr.k == relationship::kind::array);
    CHECK(arr.name == "albums");
    CHECK(arr.table == 0);
    CHECK(arr.other == 1);
    CHECK(arr.child == 1);
}

TEST_CASE("two foreign keys to one parent get array names by column", "[graphql]") {
    auto s = build(
        "CREATE TABLE teams (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE matches (id INTEGER PRIMARY KEY, home_team_id INTEGER REFERENCES teams(id), "
        "  away_team_id INTEGER REFERENCES teams(id));");
    // (Relationship fields follow SQLite's foreign-key order, so compare as sets.)
    auto names = [&](std::string_view t) {
        auto v = field_names(*s, t);
        return std::set<std::string>(v.begin(), v.end());
    };
    CHECK(names("matches_row") == std::set<std::string>{"rowid", "id", "home_team_id",
                                                        "away_team_id", "home_team", "away_team"});
    CHECK(names("teams_row") ==
          std::set<std::string>{"rowid", "id", "name", "matches_by_home_team_id",
                                "matches_by_home_team_id_aggregate", "matches_by_away_team_id",
                                "matches_by_away_team_id_aggregate"});
    CHECK(field(*s, "matches_row", "home_team").type.to_string() == "teams_row");
    CHECK(field(*s, "teams_row", "matches_by_away_team_id").type.to_string() == "[matches_row!]!");
    // Each name belongs to the foreign key of its column.
    const auto& matches = s->model->tables[1];
    for (const auto* rels : {&s->relationships[0], &s->relationships[1]}) {
        for (const auto& rel : *rels) {
            const auto& fk = s->model->tables[rel.child].foreign_keys[rel.foreign_key];
            const auto& from = matches.columns[fk.from.at(0)].name;
            INFO(rel.name);
            CHECK((rel.name.find("home_team") != std::string::npos) == (from == "home_team_id"));
        }
    }
}

TEST_CASE("relationship names avoid columns and follow camelCase ids", "[graphql]") {
    auto s = build(
        "CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT);"
        "CREATE TABLE albums (id INTEGER PRIMARY KEY, artist TEXT, "
        "  artist_id INTEGER REFERENCES artists(id));"
        "CREATE TABLE tracks (id INTEGER PRIMARY KEY, albumId INTEGER REFERENCES albums(id));");
    // "artist" is a column, so the parent's name is used.
    CHECK(field(*s, "albums_row", "artists").role == field_role::object_relationship);
    CHECK(field(*s, "albums_row", "artist").role == field_role::column);
    CHECK(field(*s, "tracks_row", "album").role == field_role::object_relationship);
    CHECK(field(*s, "albums_row", "tracks").role == field_role::array_relationship);
}

TEST_CASE("a self reference gives an object field and a by-column array field", "[graphql]") {
    auto s = build(
        "CREATE TABLE staff (id INTEGER PRIMARY KEY, name TEXT, "
        "  manager_id INTEGER REFERENCES staff(id));");
    CHECK(members(*s, "staff_row") ==
          strings{"rowid: Int!", "id: Int!", "name: String", "manager_id: Int",
                  "manager: staff_row",
                  "staff_by_manager_id(where: staff_filter, distinct_on: [staff_column!], order_by: [staff_order_by], "
                  "limit: Int, offset: Int): [staff_row!]!",
                  "staff_by_manager_id_aggregate(where: staff_filter, distinct_on: [staff_column!], order_by: [staff_order_by], "
                  "limit: Int, offset: Int): staff_aggregate!"});
}

TEST_CASE("a composite foreign key is named after the parent", "[graphql]") {
    auto s = build(
        "CREATE TABLE p (a TEXT, b INTEGER, PRIMARY KEY (a, b));"
        "CREATE TABLE c (x TEXT, y INTEGER, FOREIGN KEY (x, y) REFERENCES p (a, b));");
    CHECK(field(*s, "c_row", "p").role == field_role::object_relationship);
    CHECK(field(*s, "p_row", "c").role == field_role::array_relationship);
    CHECK(field(*s, "p_row", "c_aggregate").role == field_role::array_aggregate);
}

// ---- the airsql additions ----

namespace {

// Every member flagged `extension`, outermost only (members of a flagged type or field are not
// listed again).
std::set<std::string> flagged(const schema& s) {
    std::set<std::string> out;
    for (const auto& t : s.types) {
        if (t.extension) {
            out.insert("type " + t.name);
            continue;
        }
        for (const auto& f : t.fields) {
            if (f.extension) {
                out.insert("field " + t.name + "." + f.name);
                continue;
            }
            for (const auto& a : f.args) {
                if (a.extension) out.insert("arg " + t.name + "." + f.name + "(" + a.name + ")");
            }
        }
        for (const auto& f : t.input_fields) {
            if (f.extension) out.insert("input " + t.name + "." + f.name);
        }
        for (const auto& e : t.enum_values) {
            if (e.extension) out.insert("enum " + t.name + "." + e.name);
        }
    }
    for (const auto& d : s.directives) {
        for (const auto& a : d.args) {
            if (a.extension) out.insert("directive arg @" + d.name + "(" + a.name + ")");
        }
    }
    return out;
}

}  // namespace

TEST_CASE("exactly the airsql additions are flagged as extensions", "[graphql]") {
    auto s = build(std::string(artists_albums) + "CREATE VIEW titles AS SELECT title FROM albums;");
    std::set<std::string> expected;
    for (std::string t : {"artists", "albums", "titles"}) {
        for (const char* suffix : {"_aggregate", "_aggregate_fields", "_sum_fields", "_avg_fields",
                                   "_max_fields", "_min_fields", "_stddev_fields", "_stddev_pop_fields",
                                   "_stddev_samp_fields", "_variance_fields", "_var_pop_fields",
                                   "_var_samp_fields"}) {
            expected.insert("type " + t + suffix);
        }
        expected.insert("field Query." + t + "_aggregate");
        for (const char* f : {"_and", "_or", "_not"})
            expected.insert("input " + t + "_filter." + f);
    }
    // titles has only a String column: no sum/avg types.
    expected.erase("type titles_sum_fields");
    expected.erase("type titles_avg_fields");
    for (const char* stat : {"stddev", "stddev_pop", "stddev_samp", "variance", "var_pop", "var_samp"}) {
        expected.erase(std::string("type titles_") + stat + "_fields");
    }
    // The column enum of a view only serves the aggregates.
    expected.insert("type titles_column");
    for (const char* cmp : {"IntComparison", "StringComparison"}) {
        for (const char* op : {"._is_null", "._nlike", "._nilike", "._similar", "._nsimilar", "._regex",
                               "._iregex", "._nregex", "._niregex"}) {
            expected.insert(std::string("input ") + cmp + op);
        }
    }
    for (const char* v :
         {"asc_nulls_first", "asc_nulls_last", "desc_nulls_first", "desc_nulls_last"}) {
        expected.insert(std::string("enum OrderingTerm.") + v);
    }
    expected.insert("field albums_row.artist");
    expected.insert("field artists_row.albums");
    expected.insert("field artists_row.albums_aggregate");
    expected.insert("input albums_filter.artist");
    expected.insert("input artists_filter.albums");
    expected.insert("input albums_order_by.artist");
    // Ordering artists by an aggregate of their albums.
    expected.insert("input artists_order_by.albums_aggregate");
    for (const char* t : {"albums_aggregate_order_by", "albums_sum_order_by", "albums_avg_order_by",
                          "albums_max_order_by", "albums_min_order_by"}) {
        expected.insert(std::string("type ") + t);
    }
    expected.insert("enum albums_column.albums_pkey");
    expected.insert("enum artists_column.artists_pkey");
    // Hasura's forms: distinct_on on root lists (views too), the mutation forms.
    for (std::string t : {"artists", "albums", "titles"}) expected.insert("arg Query." + t + "(distinct_on)");
    for (std::string t : {"artists", "albums"}) {
        expected.insert("field Mutation.insert_" + t + "_one");
        expected.insert("field Mutation.update_" + t + "_many");
        expected.insert("arg Mutation.update_" + t + "(_inc)");
        expected.insert("arg Mutation.update_" + t + "_by_pk(_inc)");
        expected.insert("type " + t + "_inc_input");
        expected.insert("type " + t + "_updates");
    }
    expected.insert("type Subscription");  // live queries
    for (std::string t : {"artists", "albums"}) {  // and streams (not of views)
        expected.insert("type " + t + "_stream_cursor_input");
        expected.insert("type " + t + "_stream_cursor_value_input");
    }
    expected.insert("type cursor_ordering");
    CHECK(flagged(*s) == expected);
}

TEST_CASE("the AirGQL-compatible part never refers to an addition", "[graphql]") {
    for (auto mode : {access_mode::read_write, access_mode::read_only, access_mode::write_only,
                      access_mode::insert_only}) {
        auto s = build(std::string(artists_albums) + users_songs +
                           "CREATE VIEW titles AS SELECT title FROM albums;",
                       mode);
        auto visible = [&](const std::string& name) {
            const auto* t = s->find(name);
            return t && !t->extension;
        };
        for (const auto& t : s->types) {
            if (t.extension) continue;
            for (const auto& f : t.fields) {
                if (f.extension) continue;
                INFO(t.name << "." << f.name);
                CHECK(visible(f.type.name));
                for (const auto& a : f.args) {
                    if (!a.extension) CHECK(visible(a.type.name));
                }
            }
            for (const auto& f : t.input_fields) {
                INFO(t.name << "." << f.name);
                if (!f.extension) CHECK(visible(f.type.name));
            }
        }
    }
}
