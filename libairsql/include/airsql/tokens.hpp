// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/patch.hpp"

namespace airsql {

class engine;
class principal;

/// What an API token may do with one database.
enum class token_access {
    read,        ///< queries only
    write,       ///< queries and mutations
    writeonly,   ///< mutations without reading anything back
    insertonly,  ///< inserts only, without reading anything back
};

/// "read", "write", "writeonly", "insertonly".
std::string_view to_string(token_access a) noexcept;

/// One database a token may use. `db_name` is filled in responses and ignored in requests.
struct token_permission {
    std::string db_id;
    std::string db_name;
    token_access access = token_access::read;  ///< JSON "name"
    bool operator==(const token_permission&) const = default;
};

/// `POST /api/tokens` body.
struct create_token_request {
    std::string name;
    std::string description;
    std::optional<std::string> expiration_utc;  ///< ISO-8601 UTC; null = never expires
    std::vector<token_permission> permissions;
    std::string team_name;
    bool operator==(const create_token_request&) const = default;
};

/// A token as shown to team admins. `body` is the whole secret only in the response to its
/// creation; afterwards a masked prefix (`ast_BKPda5Dx…`).
struct token_info {
    std::string body;
    std::string created_utc;
    std::string description;
    std::optional<std::string> expiration_utc;
    std::int64_t id = 0;
    std::string name;
    std::vector<token_permission> permissions;
    bool operator==(const token_info&) const = default;
};

/// `GET /api/teams/:teamName/tokens` response.
struct token_list {
    std::vector<token_info> tokens;
    bool operator==(const token_list&) const = default;
};

/// `PATCH /api/tokens/:tokenId` body.
struct token_patch {
    std::optional<std::string> name;
    patch<std::string> description;
    patch<std::string> expiration_utc;
    std::optional<std::vector<token_permission>> permissions;
    bool operator==(const token_patch&) const = default;
};

/// Creates a token for a team. Team admins only; every permission must name a database of
/// that team (`invalid_argument`). The result holds the only copy of the secret.
token_info create_token(engine& eng, const principal& who, const create_token_request& request);

/// One token (masked). Admins of its team only.
token_info get_token(engine& eng, const principal& who, std::int64_t token_id);

/// All tokens of a team (masked). Team admins only.
token_list list_team_tokens(engine& eng, const principal& who, std::string_view team_name);

/// Renames, re-describes, re-dates or re-scopes a token. Admins of its team only.
token_info update_token(engine& eng, const principal& who, std::int64_t token_id,
                        const token_patch& patch);

/// Revokes a token at once. Admins of its team only.
void delete_token(engine& eng, const principal& who, std::int64_t token_id);

void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const token_permission& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const token_info& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const token_list& v);
create_token_request tag_invoke(boost::json::value_to_tag<create_token_request>,
                                const boost::json::value& jv);
token_patch tag_invoke(boost::json::value_to_tag<token_patch>, const boost::json::value& jv);

}  // namespace airsql
