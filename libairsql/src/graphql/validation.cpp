// SPDX-License-Identifier: Apache-2.0
#include "graphql/validation.hpp"

#include "graphql/suggestions.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <set>

namespace airsql::graphql {

std::string print_value(const value& v) {
    switch (v.kind) {
        case value_kind::variable:
            return "$" + v.text;
        case value_kind::int_:
        case value_kind::float_:
        case value_kind::enum_:
            return v.text;
        case value_kind::boolean:
            return v.boolean ? "true" : "false";
        case value_kind::null:
            return "null";
        case value_kind::string: {
            std::string out = "\"";
            for (char c : v.text) {
                if (c == '"' || c == '\\') out.push_back('\\');
                if (c == '\n') {
                    out += "\\n";
                    continue;
                }
                out.push_back(c);
            }
            return out + "\"";
        }
        case value_kind::list: {
            std::string out = "[";
            for (std::size_t i = 0; i < v.list.size(); ++i) {
                out += (i ? ", " : "") + print_value(v.list[i]);
            }
            return out + "]";
        }
        case value_kind::object: {
            std::string out = "{";
            for (std::size_t i = 0; i < v.fields.size(); ++i) {
                out += (i ? ", " : "") + v.fields[i].name + ": " + print_value(v.fields[i].val);
            }
            return out + "}";
        }
    }
    return "";
}

namespace {

std::string q(std::string_view s) { return "\"" + std::string(s) + "\""; }

type_spec spec_of(const type_ref& t) {
    switch (t.k) {
        case type_ref::kind::named:
            return {t.name, ""};
        case type_ref::kind::list: {
            auto inner = spec_of(t.of.at(0));
            return {inner.name, "L" + inner.wrappers};
        }
        case type_ref::kind::non_null: {
            auto inner = spec_of(t.of.at(0));
            return {inner.name, "N" + inner.wrappers};
        }
    }
    return {};
}

std::string_view location_name(directive_location l) {
    switch (l) {
        case directive_location::query:
            return "QUERY";
        case directive_location::mutation:
            return "MUTATION";
        case directive_location::subscription:
            return "SUBSCRIPTION";
        case directive_location::field:
            return "FIELD";
        case directive_location::fragment_definition:
            return "FRAGMENT_DEFINITION";
        case directive_location::fragment_spread:
            return "FRAGMENT_SPREAD";
        case directive_location::inline_fragment:
            return "INLINE_FRAGMENT";
        case directive_location::variable_definition:
            return "VARIABLE_DEFINITION";
    }
    return "FIELD";
}

bool fits_int64(std::string_view text) {
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    return ec == std::errc() && end == text.data() + text.size();
}

// Whether a variable of type `var` may be used where `expected` is required (spec
// "Is Variable Usage Allowed": non-null may flow into nullable, lists must match).
bool type_compatible(const type_spec& var, const type_spec& expected) {
    if (expected.is_non_null()) {
        if (!var.is_non_null()) return false;
        return type_compatible(var.inner(), expected.inner());
    }
    if (var.is_non_null()) return type_compatible(var.inner(), expected);
    if (expected.is_list()) return var.is_list() && type_compatible(var.inner(), expected.inner());
    if (var.is_list()) return false;
    return var.name == expected.name;
}

// What a fragment costs where it is spread: its fields after expansion and its nesting.
struct fragment_figures {
    std::size_t nodes = 0;
    std::size_t depth = 0;
};

struct usage {
    std::string name;
    type_spec expected;
    bool location_has_default = false;
    location loc;
    bool untyped = false;  ///< under a field or argument the schema does not know: no type check
};

// What a fragment or operation body uses: variables and fragment spreads.
struct scope {
    std::vector<usage> usages;
    std::vector<std::pair<std::string, location>> spreads;
};

class validator {
public:
    validator(const schema& s, const document& d, const validation_limits& limits)
        : s_(s), d_(d), max_depth_(limits.max_depth), limits_(limits) {}

    std::vector<error_entry> run() {
        for (const auto& f : d_.fragments) {
            if (auto [it, fresh] = fragments_.emplace(f.name, &f); !fresh) {
                error("There can be only one fragment named " + q(f.name) + ".",
                      {it->second->name_loc, f.name_loc});
            }
        }
        check_operation_names();
        for (const auto& f : d_.fragments) visit_fragment_definition(f);
        check_fragment_cycles();
        std::set<std::string> used_fragments;
        for (const auto& op : d_.operations) visit_operation(op, used_fragments);
        for (const auto& f : d_.fragments) {
            if (!used_fragments.count(f.name)) error("Fragment " + q(f.name) + " is never used.", {f.loc});
        }
        if (aliases_ > limits_.max_aliases) {
            error("The document has " + std::to_string(aliases_) +
                      " aliased fields; the limit is " + std::to_string(limits_.max_aliases) + ".",
                  {});
        }
        // The costs below follow fragment spreads, so they need the spreads to end. Every
        // fragment's figures are computed once, which keeps them linear in the document even
        // where nested fragments would expand to an exponential number of fields.
        if (!cyclic_) {
            compute_fragment_figures();
            bool small = check_nodes();
            bool shallow = document_depth() <= max_depth_;
            // Only a bounded expansion is walked: the overlap check follows every spread.
            if (small && shallow) check_overlaps();
            if (errors_.empty() && !shallow) check_depth();
        }
        return std::move(errors_);
    }

private:
    void error(std::string message, std::vector<location> locs) {
        if (errors_.size() < 100) errors_.push_back({std::move(message), std::move(locs), {}});
    }

    // "Did you mean …?" within a budget of names compared per document: thousands of unknown
    // names against a schema of 100,000 fields must not cost minutes. None once the error list
    // is full (the message would not be kept).
    template <class Members>
    std::string suggest(std::string_view input, const Members& members, std::string_view what = {}) {
        if (errors_.size() >= 100 || members.size() > suggestion_budget_) return "";
        suggestion_budget_ -= members.size();
        return did_you_mean_among(input, members, what);
    }

    // ---- operations ----

    void check_operation_names() {
        std::map<std::string, location> seen;
        for (const auto& op : d_.operations) {
            if (op.name.empty()) {
                if (d_.operations.size() > 1) {
                    error("This anonymous operation must be the only defined operation.", {op.loc});
                }
                continue;
            }
            if (!seen.emplace(op.name, op.name_loc).second) {
                error("There can be only one operation named " + q(op.name) + ".",
                      {seen[op.name], op.name_loc});
            }
        }
    }

    const type_def* root_type(const operation& op) {
        switch (op.type) {
            case operation_type::query:
                return s_.find(s_.query_type);
            case operation_type::mutation:
                if (s_.mutation_type.empty()) {
                    error("Schema is not configured to execute mutation operation.", {op.loc});
                    return nullptr;
                }
                return s_.find(s_.mutation_type);
            case operation_type::subscription:
                if (s_.subscription_type.empty()) {
                    error("Schema is not configured to execute subscription operation.", {op.loc});
                    return nullptr;
                }
                return s_.find(s_.subscription_type);
        }
        return nullptr;
    }

    // graphql-js's SingleFieldSubscriptions rule: one root field, not an introspection one.
    void check_single_root_field(const operation& op) {
        std::set<std::string> keys;
        std::vector<location> extra;
        std::set<std::string> seen_fragments;
        auto subject = op.name.empty() ? std::string("Anonymous Subscription")
                                       : "Subscription " + q(op.name);
        auto walk = [&](auto&& self, const selection_set& set) -> void {
            for (const auto& sel : set.items) {
                // The root field must not depend on variables (current spec text; graphql-js 17).
                for (const auto& d : sel.directives) {
                    if (d.name == "skip" || d.name == "include") {
                        error(subject + " must not use `@skip` or `@include` directives in the "
                                        "top level selection.",
                              {d.loc});
                    }
                }
                if (sel.kind == selection_kind::field) {
                    if (sel.name.starts_with("__")) {
                        error(subject + " must not select an introspection top level field.",
                              {sel.loc});
                    }
                    if (keys.insert(sel.response_key()).second && keys.size() > 1) extra.push_back(sel.loc);
                } else if (sel.kind == selection_kind::inline_fragment) {
                    self(self, sel.selections);
                } else if (seen_fragments.insert(sel.name).second) {
                    auto it = fragments_.find(sel.name);
                    if (it != fragments_.end()) self(self, it->second->selections);
                }
            }
        };
        walk(walk, op.selections);
        if (!extra.empty()) {
            error(subject + " must select only one top level field.",
                  extra);
        }
    }

    void visit_operation(const operation& op, std::set<std::string>& used_fragments) {
        scope sc;
        std::map<std::string, const variable_definition*> defined;
        for (const auto& v : op.variables) {
            if (!defined.emplace(v.name, &v).second) {
                error("There can be only one variable named \"$" + v.name + "\".",
                      {defined[v.name]->name_loc, v.name_loc});
                continue;
            }
            auto spec = spec_of(v.type);
            const auto* t = s_.find(spec.name);
            if (!t) {
                error("Unknown type " + q(spec.name) + "." + suggest(spec.name, s_.types),
                      {v.type.loc});
            } else if (t->kind == type_kind::object) {
                error("Variable \"$" + v.name + "\" cannot be non-input type " + q(spec.to_string()) + ".", {v.type.loc});
            } else if (v.default_value) {
                scope ignored;
                visit_value(*v.default_value, spec, false, ignored);
            }
            visit_directives(v.directives, directive_location::variable_definition, sc);
        }
        visit_directives(op.directives,
                         op.type == operation_type::query      ? directive_location::query
                         : op.type == operation_type::mutation ? directive_location::mutation
                                                               : directive_location::subscription,
                         sc);
        if (const auto* root = root_type(op)) visit_selection_set(op.selections, *root, sc);
        if (op.type == operation_type::subscription) check_single_root_field(op);

        // Everything the operation reaches through fragments counts as its own.
        std::vector<usage> usages = sc.usages;
        std::set<std::string> reached;
        std::vector<std::string> pending;
        for (const auto& [name, loc] : sc.spreads) pending.push_back(name);
        while (!pending.empty()) {
            auto name = pending.back();
            pending.pop_back();
            if (!reached.insert(name).second) continue;
            auto it = fragment_scopes_.find(name);
            if (it == fragment_scopes_.end()) continue;
            usages.insert(usages.end(), it->second.usages.begin(), it->second.usages.end());
            for (const auto& [n, l] : it->second.spreads) pending.push_back(n);
        }
        used_fragments.insert(reached.begin(), reached.end());

        std::set<std::string> used_names;
        for (const auto& u : usages) {
            used_names.insert(u.name);
            auto it = defined.find(u.name);
            if (u.untyped && it != defined.end()) continue;
            if (it != defined.end() && !s_.find(spec_of(it->second->type).name)) continue;  // reported
            if (it == defined.end()) {
                error(op.name.empty() ? "Variable \"$" + u.name + "\" is not defined."
                                      : "Variable \"$" + u.name + "\" is not defined by operation " + q(op.name) + ".",
                      {u.loc, op.loc});
                continue;
            }
            auto var_type = spec_of(it->second->type);
            // A nullable variable with a non-null default, or used where a default exists,
            // may stand in a non-null position.
            bool has_default = it->second->default_value && it->second->default_value->kind != value_kind::null;
            auto expected = u.expected;
            if (expected.is_non_null() && !var_type.is_non_null() && (has_default || u.location_has_default)) {
                expected = expected.inner();
            }
            if (!type_compatible(var_type, expected)) {
                error("Variable \"$" + u.name + "\" of type " + q(var_type.to_string()) +
                          " used in position expecting type " + q(u.expected.to_string()) + ".",
                      {it->second->loc, u.loc});
            }
        }
        for (const auto& v : op.variables) {
            if (!used_names.count(v.name)) {
                error(op.name.empty() ? "Variable \"$" + v.name + "\" is never used."
                                      : "Variable \"$" + v.name + "\" is never used in operation " + q(op.name) + ".",
                      {v.loc});
            }
        }
    }

    // ---- fragments ----

    void visit_fragment_definition(const fragment& f) {
        scope& sc = fragment_scopes_[f.name];
        visit_directives(f.directives, directive_location::fragment_definition, sc);
        const auto* t = s_.find(f.type_condition);
        if (!t) {
            error("Unknown type " + q(f.type_condition) + "." +
                      suggest(f.type_condition, s_.types),
                  {f.type_condition_loc});
            return;
        }
        if (t->kind != type_kind::object) {
            error("Fragment " + q(f.name) + " cannot condition on non composite type " + q(f.type_condition) + ".",
                  {f.type_condition_loc});
            return;
        }
        visit_selection_set(f.selections, *t, sc);
    }

    void check_fragment_cycles() {
        // Depth-first search over spreads; a back edge is a cycle.
        std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
        std::vector<std::string> stack;
        std::function<void(const std::string&)> dfs = [&](const std::string& name) {
            state[name] = 1;
            stack.push_back(name);
            auto it = fragment_scopes_.find(name);
            if (it != fragment_scopes_.end()) {
                for (const auto& [next, loc] : it->second.spreads) {
                    if (state[next] == 1) {
                        auto from = std::find(stack.begin(), stack.end(), next);
                        std::string via;
                        for (auto p = from + 1; p != stack.end(); ++p) via += (via.empty() ? "" : ", ") + q(*p);
                        error("Cannot spread fragment " + q(next) + " within itself" +
                                  (via.empty() ? "." : " via " + via + "."),
                              {loc});
                        cyclic_ = true;
                    } else if (state[next] == 0 && fragments_.count(next)) {
                        dfs(next);
                    }
                }
            }
            stack.pop_back();
            state[name] = 2;
        };
        for (const auto& f : d_.fragments) {
            if (state[f.name] == 0) dfs(f.name);
        }
    }

    // ---- selections ----

    void visit_selection_set(const selection_set& set, const type_def& parent, scope& sc) {
        for (const auto& sel : set.items) {
            switch (sel.kind) {
                case selection_kind::field:
                    visit_field(sel, parent, sc);
                    break;
                case selection_kind::fragment_spread: {
                    visit_directives(sel.directives, directive_location::fragment_spread, sc);
                    sc.spreads.emplace_back(sel.name, sel.loc);
                    auto it = fragments_.find(sel.name);
                    if (it == fragments_.end()) {
                        error("Unknown fragment " + q(sel.name) + ".", {sel.name_loc});
                    } else if (const auto* cond = s_.find(it->second->type_condition);
                               cond && cond->kind == type_kind::object && it->second->type_condition != parent.name) {
                        error("Fragment " + q(sel.name) + " cannot be spread here as objects of type " + q(parent.name) +
                                  " can never be of type " + q(it->second->type_condition) + ".",
                              {sel.loc});
                    }
                    break;
                }
                case selection_kind::inline_fragment: {
                    visit_directives(sel.directives, directive_location::inline_fragment, sc);
                    const type_def* t = &parent;
                    if (!sel.type_condition.empty()) {
                        t = s_.find(sel.type_condition);
                        if (!t) {
                            error("Unknown type " + q(sel.type_condition) + "." +
                                      suggest(sel.type_condition, s_.types),
                                  {sel.name_loc});
                            break;
                        }
                        if (t->kind != type_kind::object) {
                            error("Fragment cannot condition on non composite type " + q(sel.type_condition) + ".",
                                  {sel.name_loc});
                            break;
                        }
                        if (t->name != parent.name) {
                            error("Fragment cannot be spread here as objects of type " + q(parent.name) +
                                      " can never be of type " + q(t->name) + ".",
                                  {sel.loc});
                            break;
                        }
                    }
                    visit_selection_set(sel.selections, *t, sc);
                    break;
                }
            }
        }
    }

    const field_def* lookup_field(const type_def& parent, std::string_view name) {
        static const field_def typename_field = [] {
            field_def f;
            f.name = "__typename";
            f.type = {"String", "N"};
            f.role = field_role::typename_;
            return f;
        }();
        static const field_def schema_field = [] {
            field_def f;
            f.name = "__schema";
            f.type = {"__Schema", "N"};
            f.role = field_role::schema_;
            return f;
        }();
        static const field_def type_field = [] {
            field_def f;
            f.name = "__type";
            f.type = {"__Type", ""};
            f.role = field_role::type_;
            input_value_def a;
            a.name = "name";
            a.type = {"String", "N"};
            f.args.push_back(a);
            return f;
        }();
        if (name == "__typename") return &typename_field;
        if (parent.name == s_.query_type) {
            if (name == "__schema") return &schema_field;
            if (name == "__type") return &type_field;
        }
        return parent.field(name);
    }

    // graphql-js's MaxIntrospectionDepthRule (16.9): under `__schema` or `__type`, at most two
    // nested list fields named fields, interfaces, possibleTypes or inputFields; deeper,
    // introspection answers grow with the schema's size to the power of the depth.
    // `spreading`: the fragments on the path (a cycle is another rule's error); a fragment
    // found shallow at a depth is not walked again there (spreads can multiply the walk).
    bool introspection_too_deep(const selection_set& set, int depth, std::set<std::string>& spreading) {
        for (const auto& sel : set.items) {
            if (sel.kind == selection_kind::fragment_spread) {
                auto it = fragments_.find(sel.name);
                if (it == fragments_.end() || shallow_fragments_.contains({sel.name, depth}) ||
                    !spreading.insert(sel.name).second) {
                    continue;
                }
                bool deep = introspection_too_deep(it->second->selections, depth, spreading);
                spreading.erase(sel.name);
                if (deep) return true;
                shallow_fragments_.insert({sel.name, depth});
                continue;
            }
            int d = depth;
            if (sel.kind == selection_kind::field &&
                (sel.name == "fields" || sel.name == "interfaces" || sel.name == "possibleTypes" ||
                 sel.name == "inputFields") &&
                ++d >= 3) {
                return true;
            }
            if (introspection_too_deep(sel.selections, d, spreading)) return true;
        }
        return false;
    }

    void visit_field(const selection& sel, const type_def& parent, scope& sc) {
        if (!sel.alias.empty()) ++aliases_;
        if (sel.name == "__schema" || sel.name == "__type") {
            std::set<std::string> spreading;
            if (introspection_too_deep(sel.selections, 0, spreading)) {
                error("Maximum introspection depth exceeded", {sel.loc});
            }
        }
        visit_directives(sel.directives, directive_location::field, sc);
        const auto* def = lookup_field(parent, sel.name);
        if (!def) {
            error("Cannot query field " + q(sel.name) + " on type " + q(parent.name) + "." +
                      suggest(sel.name, parent.fields),
                  {sel.loc});
            // Its variables still count as used (graphql-js reports only the unknown field,
            // not also "Variable … is never used").
            note_untyped(sel.arguments, sel.selections, sc);
            return;
        }
        visit_arguments(sel.arguments, def->args, parent.name + "." + sel.name, sel.loc, sc, false);
        const auto* t = s_.find(def->type.name);
        if (!t) return;
        bool leaf = t->kind == type_kind::scalar || t->kind == type_kind::enum_;
        if (leaf && !sel.selections.items.empty()) {
            error("Field " + q(sel.name) + " must not have a selection since type " + q(def->type.to_string()) +
                      " has no subfields.",
                  {sel.selections.loc});
        } else if (!leaf && sel.selections.items.empty()) {
            error("Field " + q(sel.name) + " of type " + q(def->type.to_string()) +
                      " must have a selection of subfields. Did you mean \"" + sel.name + " { ... }\"?",
                  {sel.loc});
        } else if (!leaf) {
            visit_selection_set(sel.selections, *t, sc);
        }
    }

    void visit_arguments(const std::vector<argument>& args, const std::vector<input_value_def>& defs,
                         const std::string& owner, location owner_loc, scope& sc, bool directive) {
        // One error per repeated name, at every occurrence (graphql-js).
        std::map<std::string, std::vector<location>> occurrences;
        for (const auto& a : args) occurrences[a.name].push_back(a.loc);
        std::set<std::string> seen;
        for (const auto& a : args) {
            if (!seen.insert(a.name).second) continue;
            if (occurrences[a.name].size() > 1) {
                error("There can be only one argument named " + q(a.name) + ".", occurrences[a.name]);
            }
            auto def = std::find_if(defs.begin(), defs.end(), [&](const input_value_def& d) { return d.name == a.name; });
            if (def == defs.end()) {
                error("Unknown argument " + q(a.name) + " on " + (directive ? "directive " : "field ") + q(owner) +
                          "." + suggest(a.name, defs),
                      {a.loc});
                note_untyped_value(a.val, sc);
                continue;
            }
            visit_value(a.val, def->type, def->default_value.has_value(), sc);
        }
        for (const auto& d : defs) {
            if (d.type.is_non_null() && !d.default_value && !seen.count(d.name)) {
                std::string what = directive ? "Directive " + q(owner) : "Field " + q(owner.substr(owner.find('.') + 1));
                error(what + " argument " + q(d.name) + " of type " + q(d.type.to_string()) +
                          " is required, but it was not provided.",
                      {owner_loc});
            }
        }
    }

    void visit_directives(const std::vector<directive>& dirs, directive_location where, scope& sc) {
        std::map<std::string, location> seen;
        for (const auto& d : dirs) {
            const auto* def = s_.directive(d.name);
            if (!def) {
                error("Unknown directive \"@" + d.name + "\".", {d.loc});
                continue;
            }
            if (std::find(def->locations.begin(), def->locations.end(), where) == def->locations.end()) {
                error("Directive \"@" + d.name + "\" may not be used on " + std::string(location_name(where)) + ".",
                      {d.loc});
            }
            if (auto [it, fresh] = seen.emplace(d.name, d.loc); !fresh) {
                error("The directive \"@" + d.name + "\" can only be used once at this location.",
                      {it->second, d.loc});
            }
            visit_arguments(d.arguments, def->args, "@" + d.name, d.loc, sc, true);
        }
    }

    // The variables and fragment spreads under a field the schema does not know.
    // The variables in a value with no known type (an unknown argument or input field): used,
    // so that only the unknown name is reported (as graphql-js does), not also "never used".
    void note_untyped_value(const value& v, scope& sc) {
        if (v.kind == value_kind::variable) {
            usage u;
            u.name = v.text;
            u.loc = v.loc;
            u.untyped = true;
            sc.usages.push_back(std::move(u));
        }
        for (const auto& item : v.list) note_untyped_value(item, sc);
        for (const auto& f : v.fields) note_untyped_value(f.val, sc);
    }

    void note_untyped(const std::vector<argument>& arguments, const selection_set& set, scope& sc) {
        for (const auto& a : arguments) note_untyped_value(a.val, sc);
        for (const auto& sel : set.items) {
            for (const auto& d : sel.directives) {
                for (const auto& a : d.arguments) note_untyped_value(a.val, sc);
            }
            if (sel.kind == selection_kind::fragment_spread) {
                sc.spreads.emplace_back(sel.name, sel.loc);
            } else {
                note_untyped(sel.arguments, sel.selections, sc);
            }
        }
    }

    // ---- values ----

    // `position`: the type of the place the value stands in, when that is not `expected` (a
    // single value in a list position is checked as the list's one item); messages name it.
    void visit_value(const value& v, const type_spec& expected, bool location_has_default, scope& sc,
                     const type_spec* position = nullptr) {
        if (v.kind == value_kind::variable) {
            sc.usages.push_back({v.text, expected, location_has_default, v.loc});
            return;
        }
        if (v.kind == value_kind::null) {
            if (expected.is_non_null()) {
                error("Expected value of type " + q(expected.to_string()) + ", found null.", {v.loc});
            }
            return;
        }
        if (expected.is_non_null()) {
            visit_value(v, expected.inner(), false, sc, position ? position : &expected);
            return;
        }
        if (expected.is_list()) {
            if (v.kind == value_kind::list) {
                for (const auto& item : v.list) visit_value(item, expected.inner(), false, sc);
            } else {
                // A single value is a one-item list.
                visit_value(v, expected.inner(), false, sc, position ? position : &expected);
            }
            return;
        }
        const auto* t = s_.find(expected.name);
        if (!t) return;
        switch (t->kind) {
            case type_kind::scalar:
                check_scalar(v, *t);
                return;
            case type_kind::enum_:
                if (v.kind != value_kind::enum_) {
                    error("Enum " + q(t->name) + " cannot represent non-enum value: " + print_value(v) + "." +
                              suggest(print_value(v), t->enum_values, "the enum value"),
                          {v.loc});
                } else if (!t->enum_value(v.text)) {
                    error("Value " + q(v.text) + " does not exist in " + q(t->name) + " enum." +
                              suggest(v.text, t->enum_values, "the enum value"),
                          {v.loc});
                }
                return;
            case type_kind::input_object: {
                if (v.kind != value_kind::object) {
                    error("Expected value of type " + q((position ? *position : expected).to_string()) +
                              ", found " + print_value(v) + ".",
                          {v.loc});
                    return;
                }
                std::map<std::string, location> seen;
                for (const auto& f : v.fields) {
                    if (auto [it, fresh] = seen.emplace(f.name, f.loc); !fresh) {
                        error("There can be only one input field named " + q(f.name) + ".", {it->second, f.loc});
                        continue;
                    }
                    const auto* def = t->input_field(f.name);
                    if (!def) {
                        error("Field " + q(f.name) + " is not defined by type " + q(t->name) + "." +
                                  suggest(f.name, t->input_fields),
                              {f.loc});
                        note_untyped_value(f.val, sc);
                        continue;
                    }
                    visit_value(f.val, def->type, def->default_value.has_value(), sc);
                }
                for (const auto& def : t->input_fields) {
                    if (def.type.is_non_null() && !def.default_value && !seen.count(def.name)) {
                        error("Field " + q(t->name + "." + def.name) + " of required type " + q(def.type.to_string()) +
                                  " was not provided.",
                              {v.loc});
                    }
                }
                return;
            }
            case type_kind::object:
                return;
        }
    }

    void check_scalar(const value& v, const type_def& t) {
        const auto& n = t.name;
        bool ok = true;
        std::string message;
        if (n == "Int") {
            ok = v.kind == value_kind::int_ && fits_int64(v.text);
            if (!ok) {
                message = v.kind == value_kind::int_
                              ? "Int cannot represent non 64-bit signed integer value: " + v.text
                              : "Int cannot represent non-integer value: " + print_value(v);
            }
        } else if (n == "Float") {
            ok = v.kind == value_kind::int_ || v.kind == value_kind::float_;
            if (!ok) message = "Float cannot represent non numeric value: " + print_value(v);
        } else if (n == "String") {
            ok = v.kind == value_kind::string;
            if (!ok) message = "String cannot represent a non string value: " + print_value(v);
        } else if (n == "Boolean") {
            ok = v.kind == value_kind::boolean;
            if (!ok) message = "Boolean cannot represent a non boolean value: " + print_value(v);
        } else if (n == "ID") {
            ok = v.kind == value_kind::string || v.kind == value_kind::int_;
            if (!ok) message = "ID cannot represent a non-string and non-integer value: " + print_value(v);
        }
        if (!ok) error(message, {v.loc});
    }

    // ---- overlapping fields (simplified for object-only schemas) ----

    struct collected {
        const selection* sel;
        const type_def* parent;
    };

    void collect(const selection_set& set, const type_def& parent,
                 std::map<std::string, std::vector<collected>>& out, std::set<std::string>& visited) {
        for (const auto& sel : set.items) {
            switch (sel.kind) {
                case selection_kind::field:
                    out[sel.response_key()].push_back({&sel, &parent});
                    break;
                case selection_kind::inline_fragment: {
                    const type_def* t = sel.type_condition.empty() ? &parent : s_.find(sel.type_condition);
                    if (t) collect(sel.selections, *t, out, visited);
                    break;
                }
                case selection_kind::fragment_spread: {
                    auto it = fragments_.find(sel.name);
                    if (it == fragments_.end() || !visited.insert(sel.name).second) break;
                    if (const auto* t = s_.find(it->second->type_condition)) {
                        collect(it->second->selections, *t, out, visited);
                    }
                    break;
                }
            }
        }
    }

    // A value with every object's fields in name order: graphql-js (16.9) compares merged
    // fields' arguments so, and `{a: 1, b: 2}` and `{b: 2, a: 1}` are one input object.
    static value with_sorted_fields(value v) {
        for (auto& item : v.list) item = with_sorted_fields(std::move(item));
        for (auto& f : v.fields) f.val = with_sorted_fields(std::move(f.val));
        std::stable_sort(v.fields.begin(), v.fields.end(),
                         [](const object_field& a, const object_field& b) { return a.name < b.name; });
        return v;
    }

    static std::string arguments_text(const selection& s) {
        std::vector<std::string> parts;
        for (const auto& a : s.arguments) {
            parts.push_back(a.name + ":" + print_value(with_sorted_fields(a.val)));
        }
        std::sort(parts.begin(), parts.end());
        std::string out;
        for (const auto& p : parts) out += p + ",";
        return out;
    }

    // Walks each operation with its fragments expanded (the node limit bounds that walk) and
    // checks every merged selection set once: graphql-js's rule on every selection set, without
    // re-checking a fragment for each set that spreads it.
    void check_overlaps() {
        for (const auto& op : d_.operations) {
            const type_def* root = nullptr;
            if (op.type == operation_type::query) root = s_.find(s_.query_type);
            if (op.type == operation_type::mutation && !s_.mutation_type.empty()) {
                root = s_.find(s_.mutation_type);
            }
            if (op.type == operation_type::subscription && !s_.subscription_type.empty()) {
                root = s_.find(s_.subscription_type);
            }
            if (root) check_merged({&op.selections}, *root, "");
        }
    }

    // Compares fields of the same response key; where they agree, their sub-selections are
    // merged and compared too, so `{ a { x: f } a { x: g } }` is caught.
    void check_merged(const std::vector<const selection_set*>& sets, const type_def& parent,
                      const std::string& outer) {
        std::map<std::string, std::vector<collected>> by_key;
        std::set<std::string> visited;
        for (const auto* set : sets) collect(*set, parent, by_key, visited);
        for (const auto& [key, fields] : by_key) {
            bool agree = true;
            for (std::size_t i = 1; i < fields.size() && merge_budget_ > 0; ++i, --merge_budget_) {
                const auto& a = *fields[0].sel;
                const auto& b = *fields[i].sel;
                std::string reason;
                if (a.name != b.name) {
                    reason = q(a.name) + " and " + q(b.name) + " are different fields";
                } else if (arguments_text(a) != arguments_text(b)) {
                    reason = "they have differing arguments";
                }
                if (!reason.empty()) {
                    std::string what = outer.empty() ? "Fields " + q(key) + " conflict because " + reason
                                                     : outer + "subfields " + q(key) + " conflict because " + reason;
                    what += ". Use different aliases on the fields to fetch both if this was "
                            "intentional.";
                    // A fragment spread in several places shows the same conflict in each.
                    if (reported_.insert(what + at_text(a.loc) + at_text(b.loc)).second) {
                        error(what, {a.loc, b.loc});
                    }
                    agree = false;
                    break;
                }
            }
            if (!agree || merge_budget_ == 0) continue;
            const auto* def = lookup_field(*fields[0].parent, fields[0].sel->name);
            const auto* type = def ? s_.find(def->type.name) : nullptr;
            if (!type || type->kind != type_kind::object) continue;
            std::vector<const selection_set*> subs;
            for (const auto& f : fields) subs.push_back(&f.sel->selections);
            // Conflicts between the sub-selections of several fields name the outer field.
            std::string next;
            if (fields.size() > 1) {
                next = outer.empty() ? "Fields " + q(key) + " conflict because "
                                     : outer + "subfields " + q(key) + " conflict because ";
            }
            check_merged(subs, *type, next);
        }
    }

    static std::string at_text(location l) {
        return "@" + std::to_string(l.line) + ":" + std::to_string(l.column);
    }

    // ---- cost: fields after fragment expansion, and depth ----

    static std::size_t saturating_add(std::size_t a, std::size_t b) {
        constexpr auto most = std::numeric_limits<std::size_t>::max();
        return a > most - b ? most : a + b;
    }

    // Fields selected below `set`, each spread counted as its fragment's fields, from figures_.
    std::size_t nodes_of(const selection_set& set) {
        std::size_t n = 0;
        for (const auto& sel : set.items) {
            switch (sel.kind) {
                case selection_kind::field:
                    n = saturating_add(n, saturating_add(1, nodes_of(sel.selections)));
                    break;
                case selection_kind::inline_fragment:
                    n = saturating_add(n, nodes_of(sel.selections));
                    break;
                case selection_kind::fragment_spread: {
                    auto it = figures_.find(sel.name);
                    if (it != figures_.end()) n = saturating_add(n, it->second.nodes);
                    break;
                }
            }
        }
        return n;
    }

    // Fills figures_ for every fragment, each after the fragments it spreads (an iterative
    // depth-first post-order: a long chain of fragments does not deepen the stack).
    void compute_fragment_figures() {
        std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
        for (const auto& f : d_.fragments) {
            if (state[f.name] != 0) continue;
            std::vector<std::pair<std::string, std::size_t>> stack{{f.name, 0}};
            state[f.name] = 1;
            while (!stack.empty()) {
                auto name = stack.back().first;
                auto next = stack.back().second++;
                const auto& spreads = fragment_scopes_[name].spreads;
                if (next < spreads.size()) {
                    const auto& target = spreads[next].first;
                    if (fragments_.count(target) && state[target] == 0) {
                        state[target] = 1;
                        stack.emplace_back(target, 0);
                    }
                    continue;
                }
                const auto& sels = fragments_.at(name)->selections;
                figures_[name] = {nodes_of(sels), depth_of(sels)};
                state[name] = 2;
                stack.pop_back();
            }
        }
    }

    bool check_nodes() {
        std::size_t n = 0;
        for (const auto& op : d_.operations) n = saturating_add(n, nodes_of(op.selections));
        if (n <= limits_.max_nodes) return true;
        auto count = n == std::numeric_limits<std::size_t>::max() ? std::string("too many")
                                                                   : std::to_string(n);
        error("The document has " + count + " fields after fragment expansion; the limit is " +
                  std::to_string(limits_.max_nodes) + ".",
              {});
        return false;
    }


    // Nesting below `set`, with the depth of each fragment taken from figures_.
    std::size_t depth_of(const selection_set& set) {
        std::size_t deepest = 0;
        for (const auto& sel : set.items) {
            switch (sel.kind) {
                case selection_kind::field:
                    if (!sel.selections.items.empty()) {
                        deepest = std::max(deepest, 1 + depth_of(sel.selections));
                    }
                    break;
                case selection_kind::inline_fragment:
                    deepest = std::max(deepest, depth_of(sel.selections));
                    break;
                case selection_kind::fragment_spread: {
                    auto it = figures_.find(sel.name);
                    if (it != figures_.end()) deepest = std::max(deepest, it->second.depth);
                    break;
                }
            }
        }
        return deepest;
    }

    std::size_t document_depth() {
        std::size_t deepest = 0;
        for (const auto& op : d_.operations) {
            deepest = std::max(deepest, 1 + depth_of(op.selections));
        }
        return deepest;
    }

    void check_depth() {
        for (const auto& op : d_.operations) {
            auto depth = 1 + depth_of(op.selections);
            if (depth > max_depth_) {
                error("The operation nests selections " + std::to_string(depth) + " levels deep; the maximum is " +
                          std::to_string(max_depth_) + ".",
                      {op.loc});
            }
        }
    }

    const schema& s_;
    const document& d_;
    std::size_t max_depth_;
    validation_limits limits_;
    std::vector<error_entry> errors_;
    std::map<std::string, const fragment*> fragments_;
    std::set<std::pair<std::string, int>> shallow_fragments_;  ///< introspection_too_deep
    std::size_t suggestion_budget_ = 50'000;  ///< suggest()
    std::map<std::string, scope> fragment_scopes_;
    bool cyclic_ = false;
    std::size_t merge_budget_ = 20'000;
    std::size_t aliases_ = 0;
    std::map<std::string, fragment_figures> figures_;
    std::set<std::string> reported_;
};

}  // namespace

std::vector<error_entry> validate(const schema& s, const document& doc,
                                  const validation_limits& limits) {
    return validator(s, doc, limits).run();
}

std::vector<error_entry> validate(const schema& s, const document& doc, std::size_t max_depth) {
    validation_limits limits;
    limits.max_depth = max_depth;
    return validate(s, doc, limits);
}

}  // namespace airsql::graphql
