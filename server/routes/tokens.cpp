// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value_from.hpp>
#include <charconv>
#include <fmt/format.h>

#include "airsql/error.hpp"
#include "airsql/tokens.hpp"
#include "router.hpp"
#include "routes/routes.hpp"

namespace airsql::server {

namespace bj = boost::json;

namespace {

constexpr const char* token_example =
    R"({"body": "ast_BKPda5Dx…", "created_utc": "2023-06-21T09:44:42.000Z", "description": "Allows cool app to access GraphQL API", "expiration_utc": null, "id": 1, "name": "Token for cool app", "permissions": [{"db_id": "01h3enjs4aa42a737wpmb31d0f", "db_name": "cool-app-database", "name": "read"}]})";

std::int64_t token_id(route_context& c) {
    const auto& text = c.param("tokenId");
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0) {
        throw error(errc::not_found, fmt::format("token {} does not exist", text));
    }
    return id;
}

}  // namespace

void add_token_routes(router& r) {
    r.add("POST", "/api/tokens",
          {"API tokens",
           "Creates an API token for a team (team admins). The body is shown only in this "
           "response. Permissions: read, write, writeonly, insertonly.",
           R"({"description": "Allows cool app to access GraphQL API", "expiration_utc": null, "name": "Token for cool app", "permissions": [{"db_id": "01h3enjs4aa42a737wpmb31d0f", "name": "read"}], "team_name": "cool-team"})",
           token_example},
          [](route_context& c) {
              return json_response(
                  bj::value_from(create_token(c.eng, c.who(), c.body_as<create_token_request>())),
                  201);
          });
    r.add("GET", "/api/tokens/:tokenId", {"API tokens", "One token, masked.", "", token_example},
          [](route_context& c) {
              return json_response(bj::value_from(get_token(c.eng, c.who(), token_id(c))));
          });
    r.add("PATCH", "/api/tokens/:tokenId",
          {"API tokens", "Renames, re-describes, re-dates or re-scopes a token.",
           R"({"description": {"contents": "Allows cool app to access GraphQL API", "tag": "TextValue"}, "expiration_utc": {"tag": "TextNull"}, "name": "Token for cool app"})",
           token_example},
          [](route_context& c) {
              return json_response(bj::value_from(
                  update_token(c.eng, c.who(), token_id(c), c.body_as<token_patch>())));
          });
    r.add("DELETE", "/api/tokens/:tokenId", {"API tokens", "Revokes a token at once.", "", "{}"},
          [](route_context& c) {
              delete_token(c.eng, c.who(), token_id(c));
              return json_response(bj::object{});
          });
}

}  // namespace airsql::server
