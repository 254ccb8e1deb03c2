// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "graphql/ast.hpp"

namespace airsql::graphql {

/// A response path segment: a field's response key or a list index.
using path_segment = std::variant<std::string, std::int64_t>;

/// A GraphQL error as data: message, where in the document, where in the response.
struct error_entry {
    std::string message;
    std::vector<location> locations;
    std::vector<path_segment> path;  ///< empty for request errors (parse, validation, variables)
};

}  // namespace airsql::graphql
