// SPDX-License-Identifier: Apache-2.0
// AirGQL's "double-X" encoding (GraphQL variant): any SQLite table or column name becomes a
// valid GraphQL name; ordinary identifiers (snake_case, camelCase) stay unchanged.
#pragma once

#include <string>
#include <string_view>

namespace airsql::graphql {

/// Encodes a UTF-8 name. Invalid UTF-8 bytes are encoded as the code points of their byte
/// values. The empty name encodes to the empty string (not a valid GraphQL name).
std::string encode_name(std::string_view name);

/// Whether `name` is a valid GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`).
bool is_graphql_name(std::string_view name);

}  // namespace airsql::graphql
