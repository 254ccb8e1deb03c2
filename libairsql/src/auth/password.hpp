// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace airsql::auth {

/// An argon2id hash in libsodium's encoded form ("$argon2id$v=19$m=…"). Slow on purpose:
/// call it off I/O threads.
std::string hash_password(std::string_view password, std::uint64_t ops, std::size_t memory);

/// Whether `password` matches `encoded_hash`. Takes as long as hashing.
bool verify_password(std::string_view encoded_hash, std::string_view password);

}  // namespace airsql::auth
