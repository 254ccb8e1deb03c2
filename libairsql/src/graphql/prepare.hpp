// SPDX-License-Identifier: Apache-2.0
// The steps before executing a GraphQL request, shared by one-shot requests and live queries:
// the parsed and validated document (cached per schema) and the operation to run.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "airsql/graphql.hpp"
#include "core/engine_impl.hpp"
#include "graphql/ast.hpp"
#include "graphql/errors.hpp"
#include "graphql/schema.hpp"

namespace airsql::graphql {

struct prepared_operation {
    std::shared_ptr<const document> doc;
    const operation* op = nullptr;  ///< into *doc
    /// Syntax, validation or operation-selection errors: nothing to run.
    std::vector<error_entry> errors;
};

/// Parses and validates `request.query` against `s` (remembered in the engine's document
/// cache) and picks the operation. Reads no database.
prepared_operation prepare_operation(engine::impl& e, const std::shared_ptr<const schema>& s,
                                     const graphql_request& request);

/// The schema view the introspection of `v` describes.
schema_view schema_view_of(introspection_view v);

/// The access mode of resolved access rights (`permission_denied` when there is none).
access_mode mode_of(bool read, bool insert, bool modify);

}  // namespace airsql::graphql
