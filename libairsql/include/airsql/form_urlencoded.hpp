// SPDX-License-Identifier: Apache-2.0
// `application/x-www-form-urlencoded` bodies (HTML forms without JavaScript, Paddle's webhook
// events), parsed with Boost.URL's query parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace airsql {

/// The fields of a form, in order, percent-decoded ('+' is a space). Throws
/// `invalid_argument` for a body longer than `max_bytes`, with more than `max_fields` fields,
/// with a malformed percent escape, or whose names or values are not UTF-8 or contain NUL.
class form_fields {
  public:
    static form_fields parse(std::string_view body, std::size_t max_bytes = 64 * 1024,
                             std::size_t max_fields = 200);

    /// The first value of `name`; nullopt when absent.
    std::optional<std::string> get(std::string_view name) const;
    const std::vector<std::pair<std::string, std::string>>& all() const noexcept { return fields_; }

  private:
    std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace airsql
