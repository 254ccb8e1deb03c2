// SPDX-License-Identifier: Apache-2.0
// The rules for HTTP header fields (RFC 9110, section 5) that answers built from user data
// must keep: the library checks what functions hand back, and the server checks every answer
// once more before it goes on the wire.
#pragma once

#include <cstddef>
#include <string_view>

namespace airsql {

/// The longest field name the checks accept.
inline constexpr std::size_t max_http_field_name_bytes = 256;

/// Whether `c` may appear in an RFC 9110 token (a field name, a media type's type or subtype):
/// letters, digits and !#$%&'*+-.^_`|~.
bool is_http_token_char(unsigned char c) noexcept;

/// Whether `name` may be a field name: a token of 1 to max_http_field_name_bytes characters.
bool is_http_field_name(std::string_view name) noexcept;

/// Whether `value` may be sent as a field value as it is: visible ASCII, spaces, tabs and bytes
/// from 0x80 up (obs-text). CR, LF, NUL and the other control characters are refused: a CR or
/// LF would end the field early and let the rest of the value pose as fields of its own.
bool is_http_field_value(std::string_view value) noexcept;

}  // namespace airsql
