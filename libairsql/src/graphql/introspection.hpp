// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/value.hpp>

#include "graphql/field_collection.hpp"

namespace airsql::graphql {

/// Which schema introspection describes: AirGQL's exactly, everything airsql serves, or
/// everything without the deprecated items (AirGQL's aliases). Execution always accepts the
/// full schema; only introspection differs.
enum class schema_view { airgql_compatible, full, current };

/// The value of `__schema` for the given field node.
boost::json::value resolve_schema(const execution_context& ctx, schema_view view,
                                  const field_node& node);

/// The value of `__type(name:)` (null for an unknown, or hidden, type).
boost::json::value resolve_type(const execution_context& ctx, schema_view view,
                                const field_node& node);

}  // namespace airsql::graphql
