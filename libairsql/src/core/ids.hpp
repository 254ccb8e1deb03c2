// SPDX-License-Identifier: Apache-2.0
// Identifiers and secrets: ULIDs, read-only ids, token bodies and their hashes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace airsql::core {

/// A lowercase ULID (26 characters, Crockford base32): sortable by creation time.
std::string make_ulid();

/// `n` characters drawn uniformly from [0-9A-Za-z] with a cryptographic generator.
std::string random_base62(std::size_t n);

/// A read-only id: 16 characters of [0-9a-z] (about 82 bits of entropy).
std::string make_readonly_id();

/// SHA-256 of `data` as 64 lowercase hex digits (how tokens and sessions are stored).
std::string sha256_hex(std::string_view data);

/// Compares two strings in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace airsql::core
