// SPDX-License-Identifier: Apache-2.0
// Input values at run time: request variables coerced to their declared types (spec
// CoerceVariableValues) and argument literals with variables substituted (CoerceArgumentValues).
// Coerced values are JSON: Int → int64, Float → double, enum → its name as a string.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <vector>

#include "graphql/ast.hpp"
#include "graphql/errors.hpp"
#include "graphql/schema.hpp"

namespace airsql::graphql {

/// Coerces `given` for the operation's variable definitions. Variables not given and without
/// default are left out. Errors (missing required, wrong types, unknown input fields) are
/// appended to `errors`.
boost::json::object coerce_variables(const schema& s, const operation& op,
                                     const boost::json::object& given,
                                     std::vector<error_entry>& errors);

/// The coerced value of a (validated) argument literal; nullopt when it is absent, which is
/// also the case for a variable that was not provided.
std::optional<boost::json::value> literal_value(const schema& s, const value& literal,
                                                const type_spec& type,
                                                const boost::json::object& variables);

/// The coerced arguments of a field or directive by name (absent arguments left out).
boost::json::object argument_values(const schema& s, const std::vector<argument>& args,
                                    const std::vector<input_value_def>& defs,
                                    const boost::json::object& variables);

}  // namespace airsql::graphql
