// SPDX-License-Identifier: Apache-2.0
#include <string>

#include "airsql/http_fields.hpp"
#include "catch.hpp"

using namespace std::string_literals;

TEST_CASE("field names are RFC 9110 tokens of bounded length", "[http_fields]") {
    CHECK(airsql::is_http_field_name("content-type"));
    CHECK(airsql::is_http_field_name("X-Custom_1!#$%&'*+.^`|~"));
    CHECK_FALSE(airsql::is_http_field_name(""));
    CHECK_FALSE(airsql::is_http_field_name("x bad"));
    CHECK_FALSE(airsql::is_http_field_name("x:y"));
    CHECK_FALSE(airsql::is_http_field_name("x\r\nset-cookie"));
    CHECK_FALSE(airsql::is_http_field_name("caf\xc3\xa9"));
    CHECK_FALSE(airsql::is_http_field_name("x\"y"));
    CHECK(airsql::is_http_field_name(std::string(airsql::max_http_field_name_bytes, 'x')));
    CHECK_FALSE(airsql::is_http_field_name(std::string(airsql::max_http_field_name_bytes + 1, 'x')));
}

TEST_CASE("field values refuse the control characters that would end a field", "[http_fields]") {
    CHECK(airsql::is_http_field_value(""));
    CHECK(airsql::is_http_field_value("text/plain; charset=utf-8"));
    CHECK(airsql::is_http_field_value("a\tb c ~"));
    CHECK(airsql::is_http_field_value("caf\xc3\xa9"));  // obs-text
    CHECK_FALSE(airsql::is_http_field_value("a\r\nSet-Cookie: s=1"));
    CHECK_FALSE(airsql::is_http_field_value("a\nb"));
    CHECK_FALSE(airsql::is_http_field_value("a\rb"));
    CHECK_FALSE(airsql::is_http_field_value("a\0b"s));
    CHECK_FALSE(airsql::is_http_field_value("a\x7f"));
    CHECK_FALSE(airsql::is_http_field_value("\x1b[31m"));
}
