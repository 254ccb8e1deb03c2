// SPDX-License-Identifier: Apache-2.0
#include "graphql/input_values.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>
#include <set>

#include "airsql/json.hpp"
#include "graphql/suggestions.hpp"

namespace airsql::graphql {

namespace {

std::string q(std::string_view s) { return "\"" + std::string(s) + "\""; }

// A JSON value as graphql-js's `inspect` shows it in messages: strings quoted, objects as
// `{ a: 1 }`, arrays as `[1, 2]` (at most 10 items, then "... N more items"), and below two
// levels `[Object]` / `[Array]`.
std::string inspect(const boost::json::value& v, int depth = 0) {
    switch (v.kind()) {
        case boost::json::kind::string:
        case boost::json::kind::null:
        case boost::json::kind::bool_:
        case boost::json::kind::int64:
        case boost::json::kind::uint64:
            return airsql::to_json(v);
        case boost::json::kind::double_: {
            double d = v.get_double();
            if (!std::isfinite(d)) return std::isnan(d) ? "NaN" : (d > 0 ? "Infinity" : "-Infinity");
            char buf[32];
            auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
            std::string text(buf, end);
            // JavaScript writes exponents as e+21 / e-7.
            if (auto e = text.find('e'); e != std::string::npos) {
                std::string mantissa = text.substr(0, e), exponent = text.substr(e + 1);
                char sign = exponent.front() == '-' ? '-' : '+';
                if (exponent.front() == '-' || exponent.front() == '+') exponent.erase(0, 1);
                while (exponent.size() > 1 && exponent.front() == '0') exponent.erase(0, 1);
                text = mantissa + "e" + sign + exponent;
            }
            return text;
        }
        case boost::json::kind::array: {
            const auto& a = v.get_array();
            if (a.empty()) return "[]";
            if (depth >= 2) return "[Array]";
            std::string out = "[";
            std::size_t shown = std::min<std::size_t>(a.size(), 10);
            for (std::size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + inspect(a[i], depth + 1);
            if (a.size() - shown == 1) out += ", ... 1 more item";
            if (a.size() - shown > 1) out += ", ... " + std::to_string(a.size() - shown) + " more items";
            return out + "]";
        }
        case boost::json::kind::object: {
            const auto& o = v.get_object();
            if (o.empty()) return "{}";
            if (depth >= 2) return "[Object]";
            std::string out = "{ ";
            bool first = true;
            for (const auto& [key, item] : o) {
                out += (first ? "" : ", ") + std::string(key) + ": " + inspect(item, depth + 1);
                first = false;
            }
            return out + " }";
        }
    }
    return "";
}

// What is wrong with a variable's value: where (".born", "[1]"; empty for the value itself),
// the value there, and why.
struct input_error {
    std::string path;
    std::string value;
    std::string reason;
};

// At most this many errors per variable: a list of a million bad items must not make a
// million messages.
constexpr std::size_t max_input_errors = 20;

// Coerces one JSON input value; on failure returns nullopt and appends why to `errors` (every
// problem, as graphql-js reports them, up to max_input_errors).
std::optional<boost::json::value> coerce_json(const schema& s, const boost::json::value& v,
                                              const type_spec& t, std::string& path,
                                              std::vector<input_error>& errors) {
    auto fail = [&](std::string reason) -> std::optional<boost::json::value> {
        if (errors.size() < max_input_errors) errors.push_back({path, inspect(v), std::move(reason)});
        return std::nullopt;
    };
    // Coerces `item` at `path` + `step`.
    auto at = [&](const boost::json::value& item, const type_spec& type, const std::string& step) {
        auto length = path.size();
        path += step;
        auto c = coerce_json(s, item, type, path, errors);
        path.resize(length);
        return c;
    };
    if (v.is_null()) {
        if (t.is_non_null()) return fail("Expected non-nullable type " + q(t.to_string()) + " not to be null.");
        return boost::json::value(nullptr);
    }
    if (t.is_non_null()) return coerce_json(s, v, t.inner(), path, errors);
    if (t.is_list()) {
        boost::json::array out;
        if (!v.is_array()) {
            auto c = coerce_json(s, v, t.inner(), path, errors);  // one value: a one-item list
            if (!c) return std::nullopt;
            out.push_back(std::move(*c));
            return boost::json::value(std::move(out));
        }
        bool ok = true;
        const auto& items = v.get_array();
        for (std::size_t i = 0; i < items.size() && errors.size() < max_input_errors; ++i) {
            auto c = at(items[i], t.inner(), "[" + std::to_string(i) + "]");
            if (c) {
                out.push_back(std::move(*c));
            } else {
                ok = false;
            }
        }
        if (!ok) return std::nullopt;
        return boost::json::value(std::move(out));
    }
    const auto* def = s.find(t.name);
    if (!def) return fail("Unknown type " + q(t.name) + "." + did_you_mean_among(t.name, s.types));
    switch (def->kind) {
        case type_kind::scalar: {
            const auto& n = def->name;
            if (n == "Int") {
                if (v.is_int64()) return v;
                if (v.is_uint64() && v.get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
                    return boost::json::value(static_cast<std::int64_t>(v.get_uint64()));
                }
                if (v.is_double()) {
                    double d = v.get_double();
                    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) {
                        return boost::json::value(static_cast<std::int64_t>(d));
                    }
                }
                bool integral = v.is_number() && std::trunc(v.to_number<double>()) == v.to_number<double>();
                return fail(integral ? "Int cannot represent non 64-bit signed integer value: " + inspect(v)
                                     : "Int cannot represent non-integer value: " + inspect(v));
            }
            if (n == "Float") {
                if (v.is_number()) return boost::json::value(v.to_number<double>());
                return fail("Float cannot represent non numeric value: " + inspect(v));
            }
            if (n == "String") {
                if (v.is_string()) return v;
                return fail("String cannot represent a non string value: " + inspect(v));
            }
            if (n == "Boolean") {
                if (v.is_bool()) return v;
                return fail("Boolean cannot represent a non boolean value: " + inspect(v));
            }
            if (n == "ID") {
                if (v.is_string()) return v;
                if (v.is_int64() || v.is_uint64()) return boost::json::value(airsql::to_json(v));
                return fail("ID cannot represent value: " + inspect(v));
            }
            return v;
        }
        case type_kind::enum_:
            if (!v.is_string()) {
                return fail("Enum " + q(def->name) + " cannot represent non-string value: " + inspect(v) + "." +
                            did_you_mean_among(inspect(v), def->enum_values, "the enum value"));
            }
            if (def->enum_value(v.get_string())) return v;
            return fail("Value " + inspect(v) + " does not exist in " + q(def->name) + " enum." +
                        did_you_mean_among(v.get_string(), def->enum_values, "the enum value"));
        case type_kind::input_object: {
            if (!v.is_object()) return fail("Expected type " + q(def->name) + " to be an object.");
            // As graphql-js: the declared fields in order (each coerced, or missing), then the
            // fields the type does not have.
            const auto& given = v.get_object();
            boost::json::object out;
            bool ok = true;
            for (const auto& f : def->input_fields) {
                const auto* item = given.if_contains(f.name);
                if (!item) {
                    if (f.type.is_non_null()) {
                        fail("Field " + q(f.name) + " of required type " + q(f.type.to_string()) +
                             " was not provided.");
                        ok = false;
                    }
                    continue;
                }
                auto c = at(*item, f.type, "." + f.name);
                if (c) {
                    out[f.name] = std::move(*c);
                } else {
                    ok = false;
                }
            }
            for (const auto& [key, item] : given) {
                if (!def->input_field(key)) {
                    fail("Field " + q(key) + " is not defined by type " + q(def->name) + "." +
                         did_you_mean_among(key, def->input_fields));
                    ok = false;
                }
            }
            if (!ok) return std::nullopt;
            return boost::json::value(std::move(out));
        }
        case type_kind::object:
            break;
    }
    return fail("Expected an input type.");
}

}  // namespace

boost::json::object coerce_variables(const schema& s, const operation& op,
                                     const boost::json::object& given,
                                     std::vector<error_entry>& errors) {
    boost::json::object out;
    for (const auto& def : op.variables) {
        type_spec t;
        {
            // Rebuild the declared type as a type_spec.
            const type_ref* r = &def.type;
            std::string wrappers;
            while (r->k != type_ref::kind::named) {
                wrappers.push_back(r->k == type_ref::kind::list ? 'L' : 'N');
                r = &r->of.at(0);
            }
            t = {r->name, wrappers};
        }
        const auto* v = given.if_contains(def.name);
        if (!v) {
            if (def.default_value) {
                if (auto c = literal_value(s, *def.default_value, t, {})) out[def.name] = std::move(*c);
            } else if (t.is_non_null()) {
                errors.push_back({"Variable \"$" + def.name + "\" of required type " + q(t.to_string()) +
                                      " was not provided.",
                                  {def.loc},
                                  {}});
            }
            continue;
        }
        if (v->is_null() && t.is_non_null()) {
            errors.push_back({"Variable \"$" + def.name + "\" of non-null type " + q(t.to_string()) +
                                  " must not be null.",
                              {def.loc},
                              {}});
            continue;
        }
        std::string path;
        std::vector<input_error> problems;
        auto c = coerce_json(s, *v, t, path, problems);
        if (!c) {
            // graphql-js's wording: the value where it went wrong, and where that is.
            for (const auto& p : problems) {
                std::string message = "Variable \"$" + def.name + "\" got invalid value " + p.value;
                if (!p.path.empty()) message += " at \"" + def.name + p.path + "\"";
                errors.push_back({message + "; " + p.reason, {def.loc}, {}});
            }
            continue;
        }
        out[def.name] = std::move(*c);
    }
    return out;
}

std::optional<boost::json::value> literal_value(const schema& s, const value& literal,
                                                const type_spec& type,
                                                const boost::json::object& variables) {
    switch (literal.kind) {
        case value_kind::variable: {
            const auto* v = variables.if_contains(literal.text);
            if (!v) return std::nullopt;
            if (type.nullable().is_list() && !v->is_array() && !v->is_null()) {
                // A variable of item type used in a list position.
                return boost::json::value(boost::json::array{*v});
            }
            if (type.nullable().name == "Float" && type.nullable().is_named() && v->is_int64()) {
                return boost::json::value(static_cast<double>(v->get_int64()));
            }
            return *v;
        }
        case value_kind::null:
            return boost::json::value(nullptr);
        default:
            break;
    }
    auto t = type.nullable();
    if (t.is_list()) {
        boost::json::array out;
        if (literal.kind == value_kind::list) {
            for (const auto& item : literal.list) {
                auto c = literal_value(s, item, t.inner(), variables);
                out.push_back(c ? std::move(*c) : boost::json::value(nullptr));
            }
        } else if (auto c = literal_value(s, literal, t.inner(), variables)) {
            out.push_back(std::move(*c));
        }
        return boost::json::value(std::move(out));
    }
    switch (literal.kind) {
        case value_kind::int_: {
            std::int64_t i = 0;
            std::from_chars(literal.text.data(), literal.text.data() + literal.text.size(), i);
            if (t.name == "Float") return boost::json::value(static_cast<double>(i));
            if (t.name == "ID") return boost::json::value(literal.text);
            return boost::json::value(i);
        }
        case value_kind::float_:
            return boost::json::value(std::strtod(literal.text.c_str(), nullptr));
        case value_kind::string:
        case value_kind::enum_:
            return boost::json::value(literal.text);
        case value_kind::boolean:
            return boost::json::value(literal.boolean);
        case value_kind::object: {
            boost::json::object out;
            const auto* def = s.find(t.name);
            for (const auto& f : literal.fields) {
                const auto* fd = def ? def->input_field(f.name) : nullptr;
                if (!fd) continue;
                if (auto c = literal_value(s, f.val, fd->type, variables)) out[f.name] = std::move(*c);
            }
            return boost::json::value(std::move(out));
        }
        default:
            return std::nullopt;
    }
}

boost::json::object argument_values(const schema& s, const std::vector<argument>& args,
                                    const std::vector<input_value_def>& defs,
                                    const boost::json::object& variables) {
    boost::json::object out;
    for (const auto& a : args) {
        for (const auto& d : defs) {
            if (d.name != a.name) continue;
            if (auto v = literal_value(s, a.val, d.type, variables)) out[a.name] = std::move(*v);
        }
    }
    return out;
}

}  // namespace airsql::graphql
