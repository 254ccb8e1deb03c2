// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "airsql/principal.hpp"

namespace airsql {

/// The library's way to build non-anonymous principals (their constructor is private, so a
/// principal with a user or token id can only come from `authenticate`).
struct principal_access {
    static principal user(std::int64_t user_id, std::string username, bool server_admin,
                          std::int64_t session_id) {
        principal p;
        p.kind_ = principal_kind::user;
        p.user_id_ = user_id;
        p.username_ = std::move(username);
        p.server_admin_ = server_admin;
        p.session_id_ = session_id;
        return p;
    }
    static principal app_session(std::int64_t user_id, std::string username, bool server_admin,
                                 std::int64_t session_id, std::string db_scope) {
        principal p = user(user_id, std::move(username), server_admin, session_id);
        p.kind_ = principal_kind::app_session;
        p.db_scope_ = std::move(db_scope);
        return p;
    }
    static principal token(std::int64_t token_id) {
        principal p;
        p.kind_ = principal_kind::token;
        p.token_id_ = token_id;
        return p;
    }
    static principal with_address(principal p, std::string client_address) {
        p.client_address_ = std::move(client_address);
        return p;
    }
    static principal readonly(std::string readonly_id) {
        principal p;
        p.kind_ = principal_kind::readonly_link;
        p.readonly_id_ = std::move(readonly_id);
        return p;
    }
};

}  // namespace airsql
