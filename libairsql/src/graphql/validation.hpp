// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <vector>

#include "graphql/ast.hpp"
#include "graphql/errors.hpp"
#include "graphql/schema.hpp"

namespace airsql::graphql {

/// Checks a document against a schema with the GraphQL spec's validation rules (section 5)
/// that matter for airsql's schemas, in graphql-js wording. `max_depth` bounds the nesting of
/// selections after fragments are expanded. Returns every error found (empty: valid).
std::vector<error_entry> validate(const schema& s, const document& doc, std::size_t max_depth);

/// A value literal printed as GraphQL source ("abc" quoted, enums bare, [1, 2], {a: 1}).
std::string print_value(const value& v);

}  // namespace airsql::graphql
