// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>

namespace airsql {

/// One field of a PATCH request: absent (leave as is), null (clear), or a new value.
/// JSON accepts a plain value, `null`, or the tagged form `{"tag":"TextValue","contents":v}` /
/// `{"tag":"TextNull"}`.
template <class T>
using patch = std::optional<std::optional<T>>;

}  // namespace airsql
