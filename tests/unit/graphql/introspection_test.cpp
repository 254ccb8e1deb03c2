// SPDX-License-Identifier: Apache-2.0
// Introspection through the public entry point, against a golden file written from
// graphql-api.md §4, §8 and §12 (the USERS_SONGS fixture of the upstream tests).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;
namespace json = boost::json;

namespace {

constexpr const char* users_songs = R"(
CREATE TABLE "users" ("name" TEXT, "email" TEXT NOT NULL UNIQUE, "created_utc" TEXT NOT NULL,
  "number_of_logins" INTEGER, "progress" REAL, PRIMARY KEY("email"));
CREATE TABLE "songs" ("name" TEXT NOT NULL, "duration_seconds" INTEGER NOT NULL);
)";

// GraphiQL's standard introspection query (graphql-js getIntrospectionQuery with descriptions).
constexpr const char* introspection_query = R"(
query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives {
      name
      description
      locations
      args { ...InputValue }
    }
  }
}

fragment FullType on __Type {
  kind
  name
  description
  fields(includeDeprecated: true) {
    name
    description
    args { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}

fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
}

fragment TypeRef on __Type {
  kind
  name
  ofType {
    kind
    name
    ofType {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType { kind name }
            }
          }
        }
      }
    }
  }
}
)";

std::filesystem::path golden_path() {
    return std::filesystem::path(AIRSQL_TEST_DATA_DIR) / "graphql" / "users_songs_introspection.json";
}

json::value read_json(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str());
}

struct fixture {
    test::engine_fixture fx;
    principal ann = fx.user("ann");
    std::string db = fx.database(ann, "ann", users_songs);

    json::value run(const principal& who, std::string_view db_id, const std::string& query,
                    introspection_view view = introspection_view::airgql_compatible) {
        graphql_request r;
        r.query = query;
        r.view = view;
        return json::parse(execute_graphql(fx.eng, who, db_id, r).body);
    }

    json::value data(const std::string& query,
                     introspection_view view = introspection_view::airgql_compatible) {
        auto r = run(ann, db, query, view);
        INFO(json::serialize(r));
        REQUIRE_FALSE(r.as_object().contains("errors"));
        return r.at("data");
    }
};

std::map<std::string, json::value> types_by_name(const json::value& schema) {
    std::map<std::string, json::value> out;
    for (const auto& t : schema.at("types").as_array()) {
        out.emplace(std::string(t.at("name").as_string()), t);
    }
    return out;
}

std::set<std::string> names(const std::map<std::string, json::value>& types) {
    std::set<std::string> out;
    for (const auto& [n, t] : types) out.insert(n);
    return out;
}

std::vector<std::string> names(const json::value& list) {
    std::vector<std::string> out;
    for (const auto& v : list.as_array()) out.emplace_back(v.at("name").as_string());
    return out;
}

}  // namespace

TEST_CASE("GraphiQL's introspection of the USERS_SONGS schema matches the golden file",
          "[graphql]") {
    fixture f;
    auto schema = f.data(introspection_query).at("__schema");
    auto golden = read_json(golden_path()).at("__schema");
    auto actual_types = types_by_name(schema);
    auto golden_types = types_by_name(golden);
    // On a difference, keep the actual output for whoever has to look into it.
    bool same = actual_types == golden_types;
    for (const char* key : {"queryType", "mutationType", "subscriptionType", "directives"}) {
        same = same && schema.at(key) == golden.at(key);
    }
    if (!same) {
        auto path =
            std::filesystem::temp_directory_path() / "users_songs_introspection.actual.json";
        std::ofstream(path) << json::serialize(json::object{{"__schema", schema}});
        UNSCOPED_INFO("actual introspection written to " << path.string());
    }

    CHECK(schema.at("queryType") == golden.at("queryType"));
    CHECK(schema.at("mutationType") == golden.at("mutationType"));
    CHECK(schema.at("subscriptionType") == golden.at("subscriptionType"));
    CHECK(schema.at("directives") == golden.at("directives"));
    // Type order is not part of the contract: compare by name.
    CHECK(golden_types.size() == 37);
    CHECK(names(actual_types) == names(golden_types));
    for (const auto& [name, expected] : golden_types) {
        auto it = actual_types.find(name);
        if (it == actual_types.end()) continue;
        INFO("type " << name);
        INFO("actual:   " << json::serialize(it->second));
        INFO("expected: " << json::serialize(expected));
        CHECK(it->second == expected);
    }
}

TEST_CASE("a read-only caller's introspection lists only types reachable from Query", "[graphql]") {
    fixture f;
    auto ro = get_database(f.fx.eng, f.ann, f.db).readonly_id;
    auto r = f.run(principal::readonly_link(ro), ro,
                   "{ __schema { mutationType { name } types { name } } }");
    INFO(json::serialize(r));
    REQUIRE_FALSE(r.as_object().contains("errors"));
    auto schema = r.at("data").at("__schema");
    CHECK(schema.at("mutationType").is_null());
    // §8: the types reachable from Query (there is no Mutation), the scalars and the
    // introspection types; no insert, set, upsert, column or mutation response types.
    auto types = names(schema.at("types"));
    CHECK(std::set<std::string>(types.begin(), types.end()) ==
          std::set<std::string>{"users_row",
                                "users_filter",
                                "users_order_by",
                                "songs_row",
                                "songs_filter",
                                "songs_order_by",
                                "IntComparison",
                                "FloatComparison",
                                "StringComparison",
                                "OrderingTerm",
                                "Query",
                                "Int",
                                "Float",
                                "String",
                                "Boolean",
                                "ID",
                                "__Schema",
                                "__Type",
                                "__TypeKind",
                                "__Field",
                                "__InputValue",
                                "__EnumValue",
                                "__Directive",
                                "__DirectiveLocation"});
}

TEST_CASE("__type answers one type by name, and null for unknown ones", "[graphql]") {
    fixture f;
    CHECK(f.data("{ __type(name: \"songs_row\") { kind name fields { name type { kind ofType "
                 "{ name } } } } }") ==
          json::parse(R"({"__type": {"kind": "OBJECT", "name": "songs_row", "fields": [
              {"name": "rowid", "type": {"kind": "NON_NULL", "ofType": {"name": "Int"}}},
              {"name": "name", "type": {"kind": "NON_NULL", "ofType": {"name": "String"}}},
              {"name": "duration_seconds", "type": {"kind": "NON_NULL", "ofType": {"name": "Int"}}}]}})"));
    CHECK(f.data("{ __type(name: \"nope\") { name } }") == json::parse(R"({"__type": null})"));
    graphql_request r;
    r.query = "query ($n: String!) { __type(name: $n) { kind name } }";
    r.variables = {{"n", "__TypeKind"}};
    CHECK(json::parse(execute_graphql(f.fx.eng, f.ann, f.db, r).body) ==
          json::parse(R"({"data": {"__type": {"kind": "ENUM", "name": "__TypeKind"}}})"));
    CHECK(f.data("{ __schema { __typename queryType { __typename name } } }") ==
          json::parse(R"({"__schema": {"__typename": "__Schema",
                          "queryType": {"__typename": "__Type", "name": "Query"}}})"));
}

TEST_CASE("deprecated members are hidden unless includeDeprecated is true", "[graphql]") {
    fixture f;
    auto users = [&](const std::string& args_selection) {
        auto fields =
            f.data("{ __type(name: \"Query\") { fields { name " + args_selection + " } } }")
                .at("__type")
                .at("fields");
        for (const auto& fld : fields.as_array()) {
            if (fld.at("name") == "users") return fld.at("args");
        }
        FAIL("no Query.users");
        return json::value();
    };
    CHECK(names(users("args { name }")) ==
          std::vector<std::string>{"where", "order_by", "limit", "offset"});
    CHECK(users("args(includeDeprecated: true) { name isDeprecated deprecationReason }") ==
          json::parse(R"([
              {"name": "where", "isDeprecated": false, "deprecationReason": null},
              {"name": "filter", "isDeprecated": true, "deprecationReason": "Deprecated: the new names follow Hasura's."},
              {"name": "order_by", "isDeprecated": false, "deprecationReason": null},
              {"name": "limit", "isDeprecated": false, "deprecationReason": null},
              {"name": "offset", "isDeprecated": false, "deprecationReason": null}])"));
    auto cmp = f.data(
                    "{ __type(name: \"IntComparison\") { a: inputFields { name } "
                    "b: inputFields(includeDeprecated: true) { name } } }")
                   .at("__type");
    CHECK(names(cmp.at("a")) == std::vector<std::string>{"_eq", "_neq", "_gt", "_gte", "_lt",
                                                         "_lte", "_like", "_ilike", "_in", "_nin"});
    CHECK(names(cmp.at("b")).size() == 20);
    auto ordering = f.data(
                         "{ __type(name: \"OrderingTerm\") { a: enumValues { name } "
                         "b: enumValues(includeDeprecated: true) { name isDeprecated } } }")
                        .at("__type");
    CHECK(names(ordering.at("a")) == std::vector<std::string>{"ASC", "DESC"});
    CHECK(ordering.at("b") == json::parse(R"([{"name": "ASC", "isDeprecated": false},
        {"name": "asc", "isDeprecated": true}, {"name": "DESC", "isDeprecated": false},
        {"name": "desc", "isDeprecated": true}])"));
}

TEST_CASE("the full introspection view adds the airsql extensions", "[graphql]") {
    fixture f;
    auto types =
        types_by_name(f.data(introspection_query, introspection_view::full).at("__schema"));
    auto compatible = types_by_name(f.data(introspection_query).at("__schema"));
    std::set<std::string> added;
    for (const auto& n : names(types)) {
        if (!compatible.count(n)) added.insert(n);
    }
    CHECK(added ==
          std::set<std::string>{"users_aggregate", "users_aggregate_fields", "users_sum_fields",
                                "users_avg_fields", "users_max_fields", "users_min_fields",
                                "songs_aggregate", "songs_aggregate_fields", "songs_sum_fields",
                                "songs_avg_fields", "songs_max_fields", "songs_min_fields",
                                "users_stddev_fields", "users_stddev_pop_fields",
                                "users_stddev_samp_fields", "users_variance_fields",
                                "users_var_pop_fields", "users_var_samp_fields",
                                "songs_stddev_fields", "songs_stddev_pop_fields",
                                "songs_stddev_samp_fields", "songs_variance_fields",
                                "songs_var_pop_fields", "songs_var_samp_fields", "Subscription",
                                "cursor_ordering", "users_stream_cursor_input",
                                "users_stream_cursor_value_input", "songs_stream_cursor_input",
                                "songs_stream_cursor_value_input"});
    CHECK(names(types.at("Query").at("fields")) ==
          std::vector<std::string>{"users", "songs", "users_by_pk", "songs_by_pk",
                                   "users_aggregate", "songs_aggregate"});
    CHECK(names(types.at("users_filter").at("inputFields")) ==
          std::vector<std::string>{"rowid", "name", "email", "created_utc", "number_of_logins",
                                   "progress", "_and", "_or", "_not"});
}
