// SPDX-License-Identifier: Apache-2.0
// Reading request bodies: typed field access that fails with errc::invalid_argument and a
// message naming the field, so every route reports bad input the same way.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "airsql/patch.hpp"

namespace airsql::json {

/// Parses a request body. Throws `invalid_argument` ("request body is not valid JSON: …").
boost::json::value parse(std::string_view text);

/// The value as an object, else `invalid_argument` ("<what> must be a JSON object").
const boost::json::object& as_object(const boost::json::value& v,
                                     std::string_view what = "request body");

[[noreturn]] void fail(const std::string& message);

std::string required_string(const boost::json::object& o, std::string_view key);
std::optional<std::string> optional_string(const boost::json::object& o, std::string_view key);
std::optional<bool> optional_bool(const boost::json::object& o, std::string_view key);
std::optional<std::int64_t> optional_int(const boost::json::object& o, std::string_view key);
std::optional<double> optional_number(const boost::json::object& o, std::string_view key);

/// A PATCH field: absent → nullopt; null or {"tag":"TextNull"} → set-to-null; a string or
/// {"tag":"TextValue","contents":"…"} → the string.
patch<std::string> patch_string(const boost::json::object& o, std::string_view key);

/// Unwraps the tagged form if present: {"tag":"…Value","contents":v} → v, {"tag":"…Null"} → null.
const boost::json::value& untag(const boost::json::value& v, std::string_view key);

}  // namespace airsql::json
