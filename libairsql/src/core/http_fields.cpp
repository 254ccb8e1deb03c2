// SPDX-License-Identifier: Apache-2.0
#include "airsql/http_fields.hpp"

#include <algorithm>

namespace airsql {

bool is_http_token_char(unsigned char c) noexcept {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_http_field_name(std::string_view name) noexcept {
    return !name.empty() && name.size() <= max_http_field_name_bytes &&
           std::all_of(name.begin(), name.end(),
                       [](char c) { return is_http_token_char(static_cast<unsigned char>(c)); });
}

bool is_http_field_value(std::string_view value) noexcept {
    return std::all_of(value.begin(), value.end(), [](char ch) {
        auto c = static_cast<unsigned char>(ch);
        return c == '\t' || (c >= 0x20 && c != 0x7f);
    });
}

}  // namespace airsql
