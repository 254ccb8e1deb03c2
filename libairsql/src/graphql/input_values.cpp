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

// Coerces one JSON input value; on failure returns nullopt and sets `reason`.
std::optional<boost::json::value> coerce_json(const schema& s, const boost::json::value& v,
                                              const type_spec& t, std::string& reason) {
    if (v.is_null()) {
        if (t.is_non_null()) {
            reason = "Expected non-nullable type " + q(t.to_string()) + " not to be null.";
            return std::nullopt;
        }
        return boost::json::value(nullptr);
    }
    if (t.is_non_null()) return coerce_json(s, v, t.inner(), reason);
    if (t.is_list()) {
        boost::json::array out;
        if (v.is_array()) {
            for (const auto& item : v.get_array()) {
                auto c = coerce_json(s, item, t.inner(), reason);
                if (!c) return std::nullopt;
                out.push_back(std::move(*c));
            }
        } else {
            auto c = coerce_json(s, v, t.inner(), reason);
            if (!c) return std::nullopt;
            out.push_back(std::move(*c));
        }
        return boost::json::value(std::move(out));
    }
    const auto* def = s.find(t.name);
    if (!def) {
        reason = "Unknown type " + q(t.name) + "." + did_you_mean_among(t.name, s.types);
        return std::nullopt;
    }
    auto shown = airsql::to_json(v);
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
                reason = integral ? "Int cannot represent non 64-bit signed integer value: " + shown
                                  : "Int cannot represent non-integer value: " + shown;
                return std::nullopt;
            }
            if (n == "Float") {
                if (v.is_number()) return boost::json::value(v.to_number<double>());
                reason = "Float cannot represent non numeric value: " + shown;
                return std::nullopt;
            }
            if (n == "String") {
                if (v.is_string()) return v;
                reason = "String cannot represent a non string value: " + shown;
                return std::nullopt;
            }
            if (n == "Boolean") {
                if (v.is_bool()) return v;
                reason = "Boolean cannot represent a non boolean value: " + shown;
                return std::nullopt;
            }
            if (n == "ID") {
                if (v.is_string()) return v;
                if (v.is_int64() || v.is_uint64()) return boost::json::value(shown);
                reason = "ID cannot represent value: " + shown;
                return std::nullopt;
            }
            return v;
        }
        case type_kind::enum_:
            if (!v.is_string()) {
                reason = "Enum " + q(def->name) + " cannot represent non-string value: " + shown + "." +
                         did_you_mean_among(shown, def->enum_values, "the enum value");
                return std::nullopt;
            }
            if (def->enum_value(v.get_string())) return v;
            reason = "Value " + shown + " does not exist in " + q(def->name) + " enum." +
                     did_you_mean_among(v.get_string(), def->enum_values, "the enum value");
            return std::nullopt;
        case type_kind::input_object: {
            if (!v.is_object()) {
                reason = "Expected type " + q(def->name) + " to be an object.";
                return std::nullopt;
            }
            boost::json::object out;
            for (const auto& [key, item] : v.get_object()) {
                const auto* f = def->input_field(key);
                if (!f) {
                    reason = "Field " + q(key) + " is not defined by type " + q(def->name) + "." +
                             did_you_mean_among(key, def->input_fields);
                    return std::nullopt;
                }
                auto c = coerce_json(s, item, f->type, reason);
                if (!c) return std::nullopt;
                out[key] = std::move(*c);
            }
            for (const auto& f : def->input_fields) {
                if (f.type.is_non_null() && !out.contains(f.name)) {
                    reason = "Field " + q(f.name) + " of required type " + q(f.type.to_string()) + " was not provided.";
                    return std::nullopt;
                }
            }
            return boost::json::value(std::move(out));
        }
        case type_kind::object:
            break;
    }
    reason = "Expected an input type.";
    return std::nullopt;
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
        std::string reason;
        auto c = coerce_json(s, *v, t, reason);
        if (!c) {
            if (v->is_null()) {
                errors.push_back({"Variable \"$" + def.name + "\" of non-null type " + q(t.to_string()) +
                                      " must not be null.",
                                  {def.loc},
                                  {}});
            } else {
                errors.push_back({"Variable \"$" + def.name + "\" got invalid value " +
                                      airsql::to_json(*v) + "; " + reason,
                                  {def.loc},
                                  {}});
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
