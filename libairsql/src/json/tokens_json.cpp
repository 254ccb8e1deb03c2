// SPDX-License-Identifier: Apache-2.0
// JSON shapes of API tokens (snake_case, as the HTTP contract has them).
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include "airsql/tokens.hpp"
#include "json/read.hpp"

namespace airsql {

namespace bj = boost::json;

namespace {

token_access parse_access(const std::string& s) {
    for (auto a : {token_access::read, token_access::write, token_access::writeonly,
                   token_access::insertonly}) {
        if (to_string(a) == s) return a;
    }
    json::fail("permission name must be \"read\", \"write\", \"writeonly\" or \"insertonly\"");
}

std::vector<token_permission> parse_permissions(const bj::value& v) {
    if (!v.is_array()) json::fail("field \"permissions\" must be an array");
    std::vector<token_permission> out;
    for (const auto& item : v.get_array()) {
        const auto& o = json::as_object(item, "each permission");
        out.push_back({json::required_string(o, "db_id"), "",
                       parse_access(json::required_string(o, "name"))});
    }
    return out;
}

}  // namespace

void tag_invoke(bj::value_from_tag, bj::value& jv, const token_permission& v) {
    jv = {{"db_id", v.db_id}, {"db_name", v.db_name}, {"name", to_string(v.access)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const token_info& v) {
    jv = {{"body", v.body},
          {"created_utc", v.created_utc},
          {"description", v.description},
          {"expiration_utc", bj::value_from(v.expiration_utc)},
          {"id", v.id},
          {"name", v.name},
          {"permissions", bj::value_from(v.permissions)}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const token_list& v) {
    jv = {{"tokens", bj::value_from(v.tokens)}};
}

create_token_request tag_invoke(bj::value_to_tag<create_token_request>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    create_token_request r;
    r.name = json::required_string(o, "name");
    r.description = json::optional_string(o, "description").value_or("");
    r.expiration_utc = json::optional_string(o, "expiration_utc");
    if (const auto* p = o.if_contains("permissions")) r.permissions = parse_permissions(*p);
    r.team_name = json::required_string(o, "team_name");
    return r;
}

token_patch tag_invoke(bj::value_to_tag<token_patch>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    token_patch p;
    if (auto name = json::patch_string(o, "name")) {
        if (!*name) json::fail("field \"name\" cannot be null");
        p.name = **name;
    }
    p.description = json::patch_string(o, "description");
    p.expiration_utc = json::patch_string(o, "expiration_utc");
    if (const auto* perms = o.if_contains("permissions")) p.permissions = parse_permissions(*perms);
    return p;
}

}  // namespace airsql
