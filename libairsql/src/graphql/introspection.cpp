// SPDX-License-Identifier: Apache-2.0
#include "graphql/introspection.hpp"

#include "graphql/input_values.hpp"

namespace airsql::graphql {

namespace {

class resolver {
public:
    resolver(const execution_context& ctx, schema_view view) : ctx_(ctx), view_(view) {}

    boost::json::value schema_object(const std::vector<const selection_set*>& sets) {
        const auto& t = *ctx_.s.find("__Schema");
        boost::json::object out;
        for (const auto& f : collect_fields(ctx_, t, sets)) {
            const auto& n = f.sel->name;
            if (n == "__typename") {
                out[f.key] = "__Schema";
            } else if (n == "description") {
                out[f.key] = nullptr;
            } else if (n == "types") {
                boost::json::array types;
                for (const auto& def : ctx_.s.types) {
                    if (visible(def)) types.push_back(type_object({def.name, ""}, f.sub));
                }
                out[f.key] = std::move(types);
            } else if (n == "queryType") {
                out[f.key] = type_object({ctx_.s.query_type, ""}, f.sub);
            } else if (n == "mutationType") {
                out[f.key] = ctx_.s.mutation_type.empty() ? boost::json::value(nullptr)
                                                          : type_object({ctx_.s.mutation_type, ""}, f.sub);
            } else if (n == "subscriptionType") {
                // Beyond AirGQL: null in the views that do not show the Subscription type.
                const auto* sub = ctx_.s.subscription_type.empty() ? nullptr : ctx_.s.find(ctx_.s.subscription_type);
                out[f.key] = !sub || !visible(*sub) ? boost::json::value(nullptr)
                                                    : type_object({ctx_.s.subscription_type, ""}, f.sub);
            } else if (n == "directives") {
                boost::json::array dirs;
                for (const auto& d : ctx_.s.directives) dirs.push_back(directive_object(d, f.sub));
                out[f.key] = std::move(dirs);
            }
        }
        return out;
    }

    boost::json::value named_type(const std::string& name, const std::vector<const selection_set*>& sets) {
        const auto* def = ctx_.s.find(name);
        if (!def || !visible(*def)) return nullptr;
        return type_object({name, ""}, sets);
    }

private:
    // Types: the current view hides only members (every deprecated member shares its type
    // with a current one, so no type becomes unreachable); the full view hides the types only
    // current-only members reach.
    bool visible(const type_def& t) const {
        switch (view_) {
            case schema_view::airgql_compatible:
                return !t.extension;
            case schema_view::full:
                return !t.current_only;
            case schema_view::current:
                return true;
        }
        return true;
    }
    template <class T>
    bool visible_member(const T& m) const {
        switch (view_) {
            case schema_view::airgql_compatible:
                return !m.extension;
            case schema_view::full:
                return !m.current_only;
            case schema_view::current:
                return !m.deprecated;
        }
        return true;
    }

    bool include_deprecated(const field_node& f, const type_def& owner) {
        const auto* def = owner.field(f.sel->name);
        if (!def) return false;
        auto args = argument_values(ctx_.s, f.sel->arguments, def->args, ctx_.variables);
        const auto* v = args.if_contains("includeDeprecated");
        return v && v->is_bool() && v->get_bool();
    }

    boost::json::value type_object(const type_spec& t, const std::vector<const selection_set*>& sets) {
        const auto& meta = *ctx_.s.find("__Type");
        const type_def* def = t.is_named() ? ctx_.s.find(t.name) : nullptr;
        boost::json::object out;
        for (const auto& f : collect_fields(ctx_, meta, sets)) {
            const auto& n = f.sel->name;
            if (n == "__typename") {
                out[f.key] = "__Type";
            } else if (n == "kind") {
                out[f.key] = kind_name(t, def);
            } else if (n == "name") {
                out[f.key] = def ? boost::json::value(def->name) : boost::json::value(nullptr);
            } else if (n == "description") {
                out[f.key] = def && !def->description.empty() ? boost::json::value(def->description)
                                                              : boost::json::value(nullptr);
            } else if (n == "specifiedByURL") {
                out[f.key] = nullptr;
            } else if (n == "isOneOf") {
                out[f.key] = def && def->kind == type_kind::input_object ? boost::json::value(false)
                                                                         : boost::json::value(nullptr);
            } else if (n == "fields") {
                if (!def || def->kind != type_kind::object) {
                    out[f.key] = nullptr;
                    continue;
                }
                bool all = include_deprecated(f, meta);
                boost::json::array items;
                for (const auto& fd : def->fields) {
                    if (visible_member(fd) && (all || !fd.deprecated)) items.push_back(field_object(fd, f.sub));
                }
                out[f.key] = std::move(items);
            } else if (n == "interfaces") {
                out[f.key] = def && def->kind == type_kind::object ? boost::json::value(boost::json::array())
                                                                   : boost::json::value(nullptr);
            } else if (n == "possibleTypes") {
                out[f.key] = nullptr;
            } else if (n == "enumValues") {
                if (!def || def->kind != type_kind::enum_) {
                    out[f.key] = nullptr;
                    continue;
                }
                bool all = include_deprecated(f, meta);
                boost::json::array items;
                for (const auto& e : def->enum_values) {
                    if (visible_member(e) && (all || !e.deprecated)) items.push_back(enum_value_object(e, f.sub));
                }
                out[f.key] = std::move(items);
            } else if (n == "inputFields") {
                if (!def || def->kind != type_kind::input_object) {
                    out[f.key] = nullptr;
                    continue;
                }
                bool all = include_deprecated(f, meta);
                boost::json::array items;
                for (const auto& iv : def->input_fields) {
                    if (visible_member(iv) && (all || !iv.deprecated)) items.push_back(input_value_object(iv, f.sub));
                }
                out[f.key] = std::move(items);
            } else if (n == "ofType") {
                out[f.key] = t.is_named() ? boost::json::value(nullptr) : type_object(t.inner(), f.sub);
            }
        }
        return out;
    }

    static const char* kind_name(const type_spec& t, const type_def* def) {
        if (t.is_non_null()) return "NON_NULL";
        if (t.is_list()) return "LIST";
        if (!def) return "SCALAR";
        switch (def->kind) {
            case type_kind::scalar:
                return "SCALAR";
            case type_kind::object:
                return "OBJECT";
            case type_kind::enum_:
                return "ENUM";
            case type_kind::input_object:
                return "INPUT_OBJECT";
        }
        return "SCALAR";
    }

    boost::json::value field_object(const field_def& fd, const std::vector<const selection_set*>& sets) {
        const auto& meta = *ctx_.s.find("__Field");
        boost::json::object out;
        for (const auto& f : collect_fields(ctx_, meta, sets)) {
            const auto& n = f.sel->name;
            if (n == "__typename") {
                out[f.key] = "__Field";
            } else if (n == "name") {
                out[f.key] = fd.name;
            } else if (n == "description") {
                out[f.key] = fd.description.empty() ? boost::json::value(nullptr) : boost::json::value(fd.description);
            } else if (n == "args") {
                bool all = include_deprecated(f, meta);
                boost::json::array items;
                for (const auto& a : fd.args) {
                    if (visible_member(a) && (all || !a.deprecated)) items.push_back(input_value_object(a, f.sub));
                }
                out[f.key] = std::move(items);
            } else if (n == "type") {
                out[f.key] = type_object(fd.type, f.sub);
            } else if (n == "isDeprecated") {
                out[f.key] = fd.deprecated;
            } else if (n == "deprecationReason") {
                out[f.key] = fd.deprecated ? boost::json::value(fd.deprecation_reason) : boost::json::value(nullptr);
            }
        }
        return out;
    }

    boost::json::value input_value_object(const input_value_def& iv, const std::vector<const selection_set*>& sets) {
        const auto& meta = *ctx_.s.find("__InputValue");
        boost::json::object out;
        for (const auto& f : collect_fields(ctx_, meta, sets)) {
            const auto& n = f.sel->name;
            if (n == "__typename") {
                out[f.key] = "__InputValue";
            } else if (n == "name") {
                out[f.key] = iv.name;
            } else if (n == "description") {
                out[f.key] = iv.description.empty() ? boost::json::value(nullptr) : boost::json::value(iv.description);
            } else if (n == "type") {
                out[f.key] = type_object(iv.type, f.sub);
            } else if (n == "defaultValue") {
                out[f.key] = iv.default_value ? boost::json::value(*iv.default_value) : boost::json::value(nullptr);
            } else if (n == "isDeprecated") {
                out[f.key] = iv.deprecated;
            } else if (n == "deprecationReason") {
                out[f.key] = iv.deprecated ? boost::json::value(iv.deprecation_reason) : boost::json::value(nullptr);
            }
        }
        return out;
    }

    boost::json::value enum_value_object(const enum_value_def& e, const std::vector<const selection_set*>& sets) {
        const auto& meta = *ctx_.s.find("__EnumValue");
        boost::json::object out;
        for (const auto& f : collect_fields(ctx_, meta, sets)) {
            const auto& n = f.sel->name;
            if (n == "__typename") {
                out[f.key] = "__EnumValue";
            } else if (n == "name") {
                out[f.key] = e.name;
            } else if (n == "description") {
                out[f.key] = e.description.empty() ? boost::json::value(nullptr) : boost::json::value(e.description);
            } else if (n == "isDeprecated") {
                out[f.key] = e.deprecated;
            } else if (n == "deprecationReason") {
                out[f.key] = e.deprecated ? boost::json::value(e.deprecation_reason) : boost::json::value(nullptr);
            }
        }
        return out;
    }

    boost::json::value directive_object(const directive_def& d, const std::vector<const selection_set*>& sets) {
        const auto& meta = *ctx_.s.find("__Directive");
        boost::json::object out;
        for (const auto& f : collect_fields(ctx_, meta, sets)) {
            const auto& n = f.sel->name;
            if (n == "__typename") {
                out[f.key] = "__Directive";
            } else if (n == "name") {
                out[f.key] = d.name;
            } else if (n == "description") {
                out[f.key] = d.description;
            } else if (n == "isRepeatable") {
                out[f.key] = false;
            } else if (n == "locations") {
                boost::json::array locs;
                for (auto l : d.locations) {
                    switch (l) {
                        case directive_location::field:
                            locs.emplace_back("FIELD");
                            break;
                        case directive_location::fragment_spread:
                            locs.emplace_back("FRAGMENT_SPREAD");
                            break;
                        case directive_location::inline_fragment:
                            locs.emplace_back("INLINE_FRAGMENT");
                            break;
                        default:
                            break;
                    }
                }
                out[f.key] = std::move(locs);
            } else if (n == "args") {
                boost::json::array items;
                for (const auto& a : d.args) items.push_back(input_value_object(a, f.sub));
                out[f.key] = std::move(items);
            }
        }
        return out;
    }

    const execution_context& ctx_;
    schema_view view_;
};

}  // namespace

boost::json::value resolve_schema(const execution_context& ctx, schema_view view, const field_node& node) {
    return resolver(ctx, view).schema_object(node.sub);
}

boost::json::value resolve_type(const execution_context& ctx, schema_view view, const field_node& node) {
    field_def type_field;
    type_field.name = "__type";
    input_value_def arg;
    arg.name = "name";
    arg.type = {"String", "N"};
    type_field.args.push_back(arg);
    auto args = argument_values(ctx.s, node.sel->arguments, type_field.args, ctx.variables);
    const auto* name = args.if_contains("name");
    if (!name || !name->is_string()) return nullptr;
    return resolver(ctx, view).named_type(std::string(name->get_string()), node.sub);
}

}  // namespace airsql::graphql
