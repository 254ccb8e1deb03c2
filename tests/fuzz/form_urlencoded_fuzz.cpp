// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for application/x-www-form-urlencoded bodies (the no-JavaScript account
// pages and Paddle's billing events): airsql::form_fields::parse, built on Boost.URL's query
// parser. Invariants: it succeeds or throws airsql::error with invalid_argument (a 400); what
// it returns respects its limits, is UTF-8 without NUL; and encoding the fields again and
// parsing that gives the same fields (nothing is lost or invented by the decoding).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <typeinfo>

#include "airsql/airsql.hpp"
#include "fuzz_fixture.hpp"

namespace {

using airsql::fuzz::fail;

constexpr std::size_t max_bytes = 4096;
constexpr std::size_t max_fields = 50;

std::string encode(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view body(reinterpret_cast<const char*>(data), size);
    airsql::form_fields fields;
    try {
        fields = airsql::form_fields::parse(body, max_bytes, max_fields);
    } catch (const airsql::error& e) {
        if (e.code() != airsql::errc::invalid_argument) {
            fail("parse threw an airsql::error other than invalid_argument", e.what());
        }
        return 0;
    } catch (const std::exception& e) {
        fail("parse threw something other than airsql::error",
             std::string(typeid(e).name()) + ": " + e.what());
    }
    if (body.size() > max_bytes) fail("a body over the size limit was accepted");
    if (fields.all().size() > max_fields) fail("more fields than the limit were accepted");
    std::string again;
    for (const auto& [k, v] : fields.all()) {
        if (!airsql::fuzz::is_utf8(k) || !airsql::fuzz::is_utf8(v)) fail("a field is not UTF-8");
        if (k.find('\0') != std::string::npos || v.find('\0') != std::string::npos) {
            fail("a field holds NUL");
        }
        if (&k != &fields.all().front().first) again += '&';
        again += encode(k) + "=" + encode(v);
    }
    if (fields.all().empty()) return 0;
    auto reparsed = airsql::form_fields::parse(again, max_bytes * 3 + 16, max_fields);
    if (reparsed.all() != fields.all())
        fail("encoding and parsing again changed the fields", again);
    if (auto first = fields.get(fields.all().front().first);
        !first || *first != fields.all().front().second) {
        fail("get() does not find the first field");
    }
    return 0;
}
