// SPDX-License-Identifier: Apache-2.0
// The JSON field names are the HTTP contract (../shared/reference/airsequel-json-api.txt):
// request examples from the reference must convert, and responses must carry exactly the
// documented keys (airsql adds a few, listed here explicitly).
#include <boost/json/parse.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <limits>
#include <set>

#include "airsql/airsql.hpp"
#include "catch.hpp"

using namespace airsql;
namespace bj = boost::json;

namespace {

std::set<std::string> keys(const bj::value& v) {
    std::set<std::string> out;
    for (const auto& [k, _] : v.as_object()) out.emplace(k);
    return out;
}

std::set<std::string> documented_keys(const char* example) { return keys(bj::parse(example)); }

}  // namespace

TEST_CASE("request bodies of the reference convert to library requests", "[json]") {
    auto sign_up = bj::value_to<sign_up_request>(
        bj::parse(R"({"email_address": "john@example.org", "password": "test123", "username": "john"})"));
    CHECK(sign_up == sign_up_request{"john", "john@example.org", "test123"});
    auto login = bj::value_to<login_request>(bj::parse(R"({"password": "test123", "username": "john"})"));
    CHECK(login == login_request{"john", "test123"});
    auto db = bj::value_to<create_database_request>(bj::parse(
        R"j({"fileFormat": "csv", "name": "Example Database", "query": "CREATE TABLE users (name TEXT, email TEXT)", "team": "example-team"})j"));
    CHECK(db.file_format == std::optional<std::string>("csv"));
    CHECK(db.team == "example-team");
    auto patch = bj::value_to<database_patch>(bj::parse(
        R"({"description": "New Database Description", "name": "New Database Name", "owner": {"contents": "johns-team", "tag": "TextValue"}})"));
    CHECK(patch.owner == std::optional<std::string>("johns-team"));
    CHECK(patch.name == std::optional<std::string>("New Database Name"));
    auto token = bj::value_to<create_token_request>(bj::parse(R"({
        "description": "Allows cool app to access GraphQL API", "expiration_utc": null,
        "name": "TokenPost for cool app",
        "permissions": [{"db_id": "01h3enjs4aa42a737wpmb31d0f", "name": "read"},
                        {"db_id": "01h3enjy6vfr6na02sbs8yfqr5", "name": "write"}],
        "team_name": "cool-team"})"));
    REQUIRE(token.permissions.size() == 2);
    CHECK(token.permissions[1].access == token_access::write);
    auto token_patch_body = bj::value_to<token_patch>(bj::parse(R"({
        "description": {"contents": "Allows cool app to access GraphQL API", "tag": "TextValue"},
        "expiration_utc": {"tag": "TextNull"}, "name": "TokenPatch for cool app", "team_name": "cool-team"})"));
    REQUIRE(token_patch_body.expiration_utc);
    CHECK_FALSE(token_patch_body.expiration_utc->has_value());
    auto roles = bj::value_to<member_roles_request>(bj::parse(R"({"roles": ["Admin", "Editor"]})"));
    CHECK(roles.roles == std::vector<team_role>{team_role::admin, team_role::editor});
    CHECK(bj::value_to<sql_request>(bj::parse(R"({"query": "SELECT * FROM users"})")).query == "SELECT * FROM users");
    auto gql = bj::value_to<graphql_request>(
        bj::parse(R"({"operationName": null, "query": "{ users { name, email } }", "variables": null})"));
    CHECK(gql.query == "{ users { name, email } }");
    CHECK_FALSE(gql.operation_name);
}

TEST_CASE("responses carry exactly the documented keys", "[json]") {
    database_info db;
    db.location = location{50, 40, "City X"};
    auto db_keys = documented_keys(R"({"auditing": false, "createdUtc": "", "description": "",
        "environment": "Staging", "fileFormat": "sqlite", "fileName": "database.sqlite", "id": "",
        "lastModifiedUtc": "", "location": {}, "owner": "", "readonlyId": "", "schemaLocked": false,
        "schemaVersion": 0, "size": 123, "tables": [], "userVersion": 0, "viewsTab": false,
        "visibility": "public"})");
    db_keys.insert("name");  // accepted on create, shown in the UI: airsql returns it too
    CHECK(keys(bj::value_from(db)) == db_keys);
    CHECK(keys(bj::value_from(db).at("location")) == documented_keys(R"({"lat": 50, "long": 40, "name": "City X"})"));
    CHECK(keys(bj::value_from(database_list{})) == documented_keys(R"({"databases": [], "numberOfDatabases": 1})"));
    CHECK(keys(bj::value_from(create_database_response{})) ==
          documented_keys(R"({"id": "", "ownerName": "", "ownershipUtc": ""})"));
    CHECK(keys(bj::value_from(login_response{})) ==
          documented_keys(R"({"sessionToken": "", "teams": [], "username": "john"})"));
    CHECK(keys(bj::value_from(team_summary{})) ==
          documented_keys(R"({"billing": null, "name": "Team 1", "numberOfDatabases": 1})"));
    CHECK(keys(bj::value_from(user_info{})) ==
          documented_keys(R"({"serverRoles": ["admin"], "teams": [], "username": "john"})"));
    CHECK(keys(bj::value_from(team_info{})) ==
          documented_keys(R"({"billing": {}, "created_utc": "", "databases": [], "name": "good-corp"})"));
    CHECK(keys(bj::value_from(billing_info{})) ==
          documented_keys(R"({"email_address": "", "plan": null, "subscription_id": 1})"));
    CHECK(keys(bj::value_from(team_database{})) ==
          documented_keys(R"({"environment": "", "id": "", "name": "", "ownership_utc": "", "visibility": ""})"));
    CHECK(keys(bj::value_from(token_info{})) ==
          documented_keys(R"({"body": "", "created_utc": "", "description": "", "expiration_utc": null,
                              "id": 1, "name": "", "permissions": []})"));
    CHECK(keys(bj::value_from(token_permission{})) ==
          documented_keys(R"({"db_id": "", "db_name": "", "name": "read"})"));
    CHECK(keys(bj::value_from(token_list{})) == documented_keys(R"({"tokens": []})"));
    CHECK(keys(bj::value_from(sql_result{})) ==
          documented_keys(R"({"affectedTables": [], "errors": [], "rows": [], "runtimeSeconds": 0.05,
                              "numChanges": 0})"));
}

TEST_CASE("PATCH-style values round-trip through the tagged and plain forms", "[json]") {
    for (const char* body : {R"({"environment": "Production"})",
                             R"({"environment": {"tag": "TextValue", "contents": "Production"}})"}) {
        auto p = bj::value_to<database_patch>(bj::parse(body));
        REQUIRE(p.environment);
        CHECK(**p.environment == "Production");
    }
    for (const char* body : {R"({"environment": null})", R"({"environment": {"tag": "TextNull"}})"}) {
        auto p = bj::value_to<database_patch>(bj::parse(body));
        REQUIRE(p.environment);
        CHECK_FALSE(p.environment->has_value());
    }
    CHECK_FALSE(bj::value_to<database_patch>(bj::parse("{}")).environment);
}

TEST_CASE("to_json writes numbers the way JSON readers expect", "[json]") {
    CHECK(to_json(bj::parse(R"({"a": 1.5, "b": 0.0001, "c": 8000000000, "d": -2, "e": [true, null]})")) ==
          R"({"a":1.5,"b":0.0001,"c":8000000000,"d":-2,"e":[true,null]})");
    CHECK(to_json(bj::value(std::numeric_limits<double>::infinity())) == "null");
    // Bytes that are not UTF-8 (a percent-decoded path, say) never make the output invalid.
    CHECK(to_json(bj::value("a\xff b \xc3\xa9 \xed\xa0\x80 \xf0\x9f\x98\x85")) ==
          "\"a\uFFFD b \xc3\xa9 \uFFFD\uFFFD\uFFFD \xf0\x9f\x98\x85\"");
    CHECK(to_json(bj::value("quote\" backslash\\ newline\n tab\t \x01")) ==
          R"("quote\" backslash\\ newline\n tab\t \u0001")");
}
