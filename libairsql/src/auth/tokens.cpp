// SPDX-License-Identifier: Apache-2.0
#include "airsql/tokens.hpp"

#include <fmt/format.h>

#include <set>

#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "auth/access.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"

namespace airsql {

std::string_view to_string(token_access a) noexcept {
    switch (a) {
        case token_access::read:
            return "read";
        case token_access::write:
            return "write";
        case token_access::writeonly:
            return "writeonly";
        case token_access::insertonly:
            return "insertonly";
    }
    return "read";
}

namespace {

std::optional<std::string> normalized_expiration(const std::optional<std::string>& text) {
    if (!text) return std::nullopt;
    auto t = core::parse_iso_utc(*text);
    if (!t) {
        throw error(errc::invalid_argument,
                    "expiration_utc must be an ISO-8601 UTC time like 2030-01-31T12:00:00Z");
    }
    if (*t <= core::now()) {
        throw error(errc::invalid_argument, "expiration_utc must be in the future");
    }
    return core::to_iso_utc(*t);
}

std::vector<token_permission> checked_permissions(engine::impl& e, std::int64_t team_id,
                                                  const std::vector<token_permission>& given) {
    std::set<std::string> seen;
    std::vector<token_permission> out;
    for (const auto& p : given) {
        auto db = e.catalog.find_database(p.db_id);
        if (!db || db->team_id != team_id) {
            throw error(errc::invalid_argument,
                        fmt::format("database \"{}\" does not belong to the token's team", p.db_id));
        }
        if (!seen.insert(p.db_id).second) {
            throw error(errc::invalid_argument,
                        fmt::format("database \"{}\" is listed twice", p.db_id));
        }
        out.push_back({p.db_id, db->name, p.access});
    }
    return out;
}

void check_name(const std::string& name) {
    if (name.empty() || name.size() > 200) {
        throw error(errc::invalid_argument, "name must have 1–200 characters");
    }
}

token_info to_info(const catalog::token_record& k, std::string body) {
    return {std::move(body), k.created_utc, k.description, k.expiration_utc,
            k.id,            k.name,        k.permissions};
}

catalog::token_record token_for_admin(engine::impl& e, const principal& who, std::int64_t id) {
    auth::require_user(who);
    auto token = e.catalog.find_token(id);
    auto role = token ? auth::role_in_team(e, who, token->team_id) : std::nullopt;
    if (!token || !role) {
        throw error(errc::not_found, fmt::format("token {} does not exist", id));
    }
    if (*role != team_role::admin) {
        throw error(errc::permission_denied, "managing tokens needs the Admin role in the team");
    }
    return *token;
}

}  // namespace

token_info create_token(engine& eng, const principal& who, const create_token_request& request) {
    auto& e = eng.internals();
    auto team = auth::require_team_role(e, who, request.team_name, team_role::admin);
    check_name(request.name);
    catalog::token_record k;
    k.team_id = team.id;
    k.team_name = team.name;
    k.name = request.name;
    k.description = request.description;
    k.expiration_utc = normalized_expiration(request.expiration_utc);
    k.permissions = checked_permissions(e, team.id, request.permissions);
    k.created_utc = core::now_iso_utc();
    auto body = "ast_" + core::random_base62(43);
    k.body_prefix = body.substr(0, 12) + "…";
    k.id = e.catalog.insert_token(k, core::sha256_hex(body));
    return to_info(k, body);
}

token_info get_token(engine& eng, const principal& who, std::int64_t token_id) {
    auto k = token_for_admin(eng.internals(), who, token_id);
    return to_info(k, k.body_prefix);
}

token_list list_team_tokens(engine& eng, const principal& who, std::string_view team_name) {
    auto& e = eng.internals();
    auto team = auth::require_team_role(e, who, team_name, team_role::admin);
    token_list out;
    for (auto& k : e.catalog.tokens_of_team(team.id)) out.tokens.push_back(to_info(k, k.body_prefix));
    return out;
}

token_info update_token(engine& eng, const principal& who, std::int64_t token_id,
                        const token_patch& patch) {
    auto& e = eng.internals();
    auto k = token_for_admin(e, who, token_id);
    if (patch.name) {
        check_name(*patch.name);
        k.name = *patch.name;
    }
    if (patch.description) k.description = patch.description->value_or("");
    if (patch.expiration_utc) k.expiration_utc = normalized_expiration(*patch.expiration_utc);
    if (patch.permissions) k.permissions = checked_permissions(e, k.team_id, *patch.permissions);
    e.catalog.update_token(k);
    auto fresh = e.catalog.find_token(token_id);
    return to_info(*fresh, fresh->body_prefix);
}

void delete_token(engine& eng, const principal& who, std::int64_t token_id) {
    auto& e = eng.internals();
    auto k = token_for_admin(e, who, token_id);
    e.catalog.delete_token(k.id);
}

}  // namespace airsql
