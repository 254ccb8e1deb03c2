// SPDX-License-Identifier: Apache-2.0
// Account mail steps that sign-up uses (users.cpp).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "catalog/catalog.hpp"
#include "core/engine_impl.hpp"

namespace airsql::mail {

/// Sends a new user the link that confirms their address (key valid 7 days).
void send_verification(engine::impl& e, std::int64_t user_id, const std::string& username,
                       const std::string& email);

/// Uses up an invitation key; what it offered, or nullopt for an unknown, used or expired key.
std::optional<catalog::account_key_record> take_invitation(engine::impl& e, std::string_view key);

}  // namespace airsql::mail
