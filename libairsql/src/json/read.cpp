// SPDX-License-Identifier: Apache-2.0
#include "json/read.hpp"

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "airsql/error.hpp"

namespace airsql::json {

namespace {

std::string_view kind_name(const boost::json::value& v) {
    switch (v.kind()) {
        case boost::json::kind::null:
            return "null";
        case boost::json::kind::bool_:
            return "a boolean";
        case boost::json::kind::int64:
        case boost::json::kind::uint64:
        case boost::json::kind::double_:
            return "a number";
        case boost::json::kind::string:
            return "a string";
        case boost::json::kind::array:
            return "an array";
        case boost::json::kind::object:
            return "an object";
    }
    return "a value";
}

[[noreturn]] void wrong_type(std::string_view key, std::string_view expected,
                             const boost::json::value& got) {
    fail(fmt::format("field \"{}\" must be {}, not {}", key, expected, kind_name(got)));
}

const boost::json::value null_value;

}  // namespace

void fail(const std::string& message) { throw error(errc::invalid_argument, message); }

boost::json::value parse(std::string_view text) {
    boost::json::parse_options opts;
    opts.max_depth = 64;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(text, ec, {}, opts);
    if (ec) fail(fmt::format("request body is not valid JSON: {}", ec.message()));
    return v;
}

const boost::json::object& as_object(const boost::json::value& v, std::string_view what) {
    if (!v.is_object()) fail(fmt::format("{} must be a JSON object, not {}", what, kind_name(v)));
    return v.get_object();
}

const boost::json::value& untag(const boost::json::value& v, std::string_view key) {
    if (!v.is_object()) return v;
    const auto& o = v.get_object();
    const auto* tag = o.if_contains("tag");
    if (!tag || !tag->is_string()) return v;
    std::string_view t = tag->get_string();
    if (t.ends_with("Null")) return null_value;
    if (t.ends_with("Value")) {
        const auto* contents = o.if_contains("contents");
        if (!contents) fail(fmt::format("field \"{}\" has tag \"{}\" but no \"contents\"", key, t));
        return *contents;
    }
    fail(fmt::format("field \"{}\" has an unknown tag \"{}\"", key, t));
}

std::string required_string(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v) fail(fmt::format("field \"{}\" is required", key));
    if (!v->is_string()) wrong_type(key, "a string", *v);
    return std::string(v->get_string());
}

std::optional<std::string> optional_string(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    const auto& u = untag(*v, key);
    if (u.is_null()) return std::nullopt;
    if (!u.is_string()) wrong_type(key, "a string", u);
    return std::string(u.get_string());
}

std::optional<bool> optional_bool(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (!v->is_bool()) wrong_type(key, "a boolean", *v);
    return v->get_bool();
}

std::optional<std::int64_t> optional_int(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v->get_uint64());
    }
    wrong_type(key, "an integer", *v);
}

std::optional<double> optional_number(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_number()) return v->to_number<double>();
    wrong_type(key, "a number", *v);
}

patch<std::string> patch_string(const boost::json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (!v) return std::nullopt;
    const auto& u = untag(*v, key);
    if (u.is_null()) return std::optional<std::string>();
    if (!u.is_string()) wrong_type(key, "a string or null", u);
    return std::optional<std::string>(std::string(u.get_string()));
}

}  // namespace airsql::json
