// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/fwd.hpp>
#include <string>

namespace airsql {

/// Serializes a JSON value the way every airsql response is written: compact, keys in
/// insertion order, numbers in their shortest round-trip form (1.5, 0.0001, 1e+20), and
/// non-finite numbers (which JSON cannot hold) as null.
std::string to_json(const boost::json::value& v);

}  // namespace airsql
