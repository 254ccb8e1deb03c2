// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <vector>

#include "graphql/ast.hpp"
#include "graphql/errors.hpp"
#include "graphql/schema.hpp"

namespace airsql::graphql {

/// The costs a document may have (airsql::options holds the configured values).
struct validation_limits {
    std::size_t max_depth = 30;       ///< nesting of selections after fragment expansion
    std::size_t max_nodes = 10'000;   ///< fields of all operations after fragment expansion
    std::size_t max_aliases = 200;    ///< aliased fields written in the document
};

/// Checks a document against a schema with the GraphQL spec's validation rules (section 5)
/// that matter for airsql's schemas, in graphql-js wording, and against `limits`. Linear in
/// the document: each fragment's cost is computed once, and the overlapping-fields rule walks
/// the expanded operations only once they are known to be within `max_nodes` and
/// `max_depth`. Returns every error found (empty: valid).
std::vector<error_entry> validate(const schema& s, const document& doc,
                                  const validation_limits& limits);

/// `validate` with `max_depth` and the default node and alias limits.
std::vector<error_entry> validate(const schema& s, const document& doc, std::size_t max_depth);

/// A value literal printed as GraphQL source ("abc" quoted, enums bare, [1, 2], {a: 1}).
std::string print_value(const value& v);

}  // namespace airsql::graphql
