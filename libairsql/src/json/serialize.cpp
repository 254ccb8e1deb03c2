// SPDX-License-Identifier: Apache-2.0
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <cmath>

#include "airsql/json.hpp"
#include "json/utf8.hpp"

namespace airsql {

namespace {

using json::utf8_sequence;

// Writes a JSON string; bytes that are not valid UTF-8 (e.g. from a percent-decoded path)
// become U+FFFD (the replacement character), so the output is always valid JSON.
void write_string(std::string& out, std::string_view s) {
    static const char* hex = "0123456789abcdef";
    out.push_back('"');
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            auto n = utf8_sequence(s, i);
            if (n == 0) {
                out += "\ufffd";
                ++i;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
            continue;
        }
        ++i;
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out.push_back(hex[c >> 4]);
                    out.push_back(hex[c & 15]);
                } else {
                    out.push_back(static_cast<char>(c));
                }
        }
    }
    out.push_back('"');
}

void write(std::string& out, const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::null:
            out += "null";
            break;
        case boost::json::kind::bool_:
            out += v.get_bool() ? "true" : "false";
            break;
        case boost::json::kind::int64:
            fmt::format_to(std::back_inserter(out), "{}", v.get_int64());
            break;
        case boost::json::kind::uint64:
            fmt::format_to(std::back_inserter(out), "{}", v.get_uint64());
            break;
        case boost::json::kind::double_: {
            double d = v.get_double();
            if (std::isfinite(d)) {
                fmt::format_to(std::back_inserter(out), "{}", d);
            } else {
                out += "null";
            }
            break;
        }
        case boost::json::kind::string:
            write_string(out, v.get_string());
            break;
        case boost::json::kind::array: {
            out.push_back('[');
            bool first = true;
            for (const auto& item : v.get_array()) {
                if (!first) out.push_back(',');
                first = false;
                write(out, item);
            }
            out.push_back(']');
            break;
        }
        case boost::json::kind::object: {
            out.push_back('{');
            bool first = true;
            for (const auto& [key, item] : v.get_object()) {
                if (!first) out.push_back(',');
                first = false;
                write_string(out, key);
                out.push_back(':');
                write(out, item);
            }
            out.push_back('}');
            break;
        }
    }
}

}  // namespace

std::string to_json(const boost::json::value& v) {
    std::string out;
    out.reserve(256);
    write(out, v);
    return out;
}

}  // namespace airsql
