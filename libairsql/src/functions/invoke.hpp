// SPDX-License-Identifier: Apache-2.0
// One run of a function's version with a given context, recorded as an invocation: shared by
// calls (`call_function`) and event-trigger deliveries.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>

#include "airsql/error.hpp"
#include "airsql/functions.hpp"
#include "catalog/catalog.hpp"

namespace airsql::functions {

struct invoke_result {
    function_response response;
    std::optional<error> failure;  ///< set when the call failed (its response is then an error)
};

/// Runs `version` of `fn` with `context.method/headers/query/data`, the helpers with `who`'s
/// rights, and records the invocation (for event deliveries with `delivery(succeeded)`, its
/// JSON; succeeded: no failure and a 2xx status). Never throws for a failure of the call
/// itself: that is `failure`.
invoke_result invoke(engine& eng, const principal& who, const catalog::function_record& fn,
                     const catalog::function_version_record& version, const std::string& method,
                     boost::json::object headers, boost::json::object query,
                     boost::json::value data,
                     const std::function<std::string(bool succeeded)>& delivery);

}  // namespace airsql::functions
