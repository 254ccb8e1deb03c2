// SPDX-License-Identifier: Apache-2.0
// The spec's CollectFields: the fields of a selection for one object type, with fragments
// expanded, @skip/@include applied and fields of the same response key merged.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <string>
#include <vector>

#include "graphql/ast.hpp"
#include "graphql/schema.hpp"

namespace airsql::graphql {

/// Everything execution needs besides the database.
struct execution_context {
    const schema& s;
    const document& doc;
    boost::json::object variables;
    std::map<std::string, const fragment*, std::less<>> fragments;

    execution_context(const schema& sc, const document& d, boost::json::object vars);
};

/// One response key of a selection.
struct field_node {
    std::string key;
    const selection* sel = nullptr;        ///< the first occurrence: name, arguments, location
    const field_def* def = nullptr;        ///< null for __typename, __schema, __type
    std::vector<const selection_set*> sub;  ///< the sub-selections of every occurrence, merged
};

/// Collects the fields of `sets` (all on object type `type`), in document order.
std::vector<field_node> collect_fields(const execution_context& ctx, const type_def& type,
                                       const std::vector<const selection_set*>& sets);

}  // namespace airsql::graphql
