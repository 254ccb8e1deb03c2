// SPDX-License-Identifier: Apache-2.0
#include "graphql/field_collection.hpp"

#include <set>
#include <string_view>
#include <unordered_map>

namespace airsql::graphql {

execution_context::execution_context(const schema& sc, const document& d, boost::json::object vars)
    : s(sc), doc(d), variables(std::move(vars)) {
    for (const auto& f : doc.fragments) fragments.emplace(f.name, &f);
}

namespace {

// @skip(if:) and @include(if:), with variables.
bool included(const execution_context& ctx, const std::vector<directive>& dirs) {
    for (const auto& d : dirs) {
        if (d.name != "skip" && d.name != "include") continue;
        bool flag = false;
        for (const auto& a : d.arguments) {
            if (a.name != "if") continue;
            if (a.val.kind == value_kind::boolean) {
                flag = a.val.boolean;
            } else if (a.val.kind == value_kind::variable) {
                const auto* v = ctx.variables.if_contains(a.val.text);
                flag = v && v->is_bool() && v->get_bool();
            }
        }
        if (d.name == "skip" && flag) return false;
        if (d.name == "include" && !flag) return false;
    }
    return true;
}

// Where each response key sits in `out`, so many fields in one selection stay linear.
using key_index = std::unordered_map<std::string_view, std::size_t>;

void collect_into(const execution_context& ctx, const type_def& type, const selection_set& set,
                  std::vector<field_node>& out, key_index& index, std::set<std::string>& visited) {
    for (const auto& sel : set.items) {
        if (!included(ctx, sel.directives)) continue;
        switch (sel.kind) {
            case selection_kind::field: {
                const auto& key = sel.response_key();
                auto [at, added] = index.emplace(key, out.size());
                if (added) out.push_back({key, &sel, type.field(sel.name), {}});
                field_node* node = &out[at->second];
                if (!sel.selections.items.empty()) node->sub.push_back(&sel.selections);
                break;
            }
            case selection_kind::inline_fragment:
                if (sel.type_condition.empty() || sel.type_condition == type.name) {
                    collect_into(ctx, type, sel.selections, out, index, visited);
                }
                break;
            case selection_kind::fragment_spread: {
                auto it = ctx.fragments.find(sel.name);
                if (it == ctx.fragments.end() || it->second->type_condition != type.name) break;
                if (!visited.insert(sel.name).second) break;
                collect_into(ctx, type, it->second->selections, out, index, visited);
                break;
            }
        }
    }
}

}  // namespace

std::vector<field_node> collect_fields(const execution_context& ctx, const type_def& type,
                                       const std::vector<const selection_set*>& sets) {
    std::vector<field_node> out;
    key_index index;
    std::set<std::string> visited;
    for (const auto* set : sets) collect_into(ctx, type, *set, out, index, visited);
    return out;
}

}  // namespace airsql::graphql
