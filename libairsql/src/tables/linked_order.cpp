// SPDX-License-Identifier: Apache-2.0
#include "tables/linked_order.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <unordered_map>

#include "airsql/error.hpp"
#include "tables/table_sql.hpp"

namespace airsql::tables {

std::vector<std::string> order_by_links(const std::vector<std::string>& live,
                                        const std::vector<order_link>& links) {
    // Nodes: live names first (creation order), then names only the links know.
    std::vector<std::string> node_names;
    std::unordered_map<std::string, std::size_t> index;
    auto node = [&](const std::string& name) {
        auto key = ascii_lower(name);
        auto it = index.find(key);
        if (it != index.end()) return it->second;
        index.emplace(key, node_names.size());
        node_names.push_back(name);
        return node_names.size() - 1;
    };
    for (const auto& n : live) node(n);
    std::size_t live_count = node_names.size();
    std::vector<bool> is_live(live_count, true);

    struct link_of {
        bool placed = false;
        std::optional<std::size_t> follows;
    };
    std::vector<link_of> link(node_names.size());
    std::vector<std::vector<std::size_t>> children(node_names.size());
    std::vector<std::size_t> first_names;  // placed with no predecessor, in link order
    for (const auto& l : links) {
        auto n = node(l.name);
        std::optional<std::size_t> f;
        if (l.follows) f = node(*l.follows);
        link.resize(node_names.size());
        children.resize(node_names.size());
        if (link[n].placed || f == n) continue;  // a duplicate (the first counts), or itself
        link[n] = {true, f};
        if (f) {
            children[*f].push_back(n);
        } else {
            first_names.push_back(n);
        }
    }
    is_live.resize(node_names.size(), false);

    std::vector<bool> seen(node_names.size(), false);
    std::vector<std::string> out;
    auto walk = [&](std::size_t root) {
        // Depth first, children in link order: a chain stays together.
        std::vector<std::size_t> stack{root};
        while (!stack.empty()) {
            auto n = stack.back();
            stack.pop_back();
            if (seen[n]) continue;
            seen[n] = true;
            if (is_live[n]) out.push_back(node_names[n]);
            for (auto it = children[n].rbegin(); it != children[n].rend(); ++it) {
                if (!seen[*it]) stack.push_back(*it);
            }
        }
    };
    for (auto n : first_names) walk(n);
    // Chains hanging from names that are not live and were never placed (renamed or dropped
    // behind the catalog's back): in front of their chains, in the order the links name them.
    for (std::size_t n = live_count; n < node_names.size(); ++n) {
        if (!link[n].placed) walk(n);
    }
    // Names never placed come last in creation order (with whatever follows them); then
    // whatever is left sits on a cycle.
    for (std::size_t n = 0; n < live_count; ++n) {
        if (!link[n].placed) walk(n);
    }
    for (std::size_t n = 0; n < node_names.size(); ++n) walk(n);
    return out;
}

std::vector<order_link> links_for(const std::vector<std::string>& ordered) {
    std::vector<order_link> out;
    for (std::size_t i = 0; i < ordered.size(); ++i) {
        out.push_back({ordered[i], i == 0 ? std::nullopt : std::optional(ordered[i - 1])});
    }
    return out;
}

std::vector<std::string> move_after(std::vector<std::string> ordered, const std::string& name,
                                    const std::string& after, const char* what) {
    auto same = [](const std::string& a, const std::string& b) {
        return ascii_lower(a) == ascii_lower(b);
    };
    auto it = std::find_if(ordered.begin(), ordered.end(),
                           [&](const std::string& n) { return same(n, name); });
    if (it == ordered.end()) {
        throw error(errc::not_found, fmt::format("{} \"{}\" does not exist", what, name));
    }
    auto moving = *it;
    if (!after.empty() && same(after, name)) {
        throw error(errc::invalid_argument,
                    fmt::format("\"after\" names the {} itself; use \"\" to move it first", what));
    }
    ordered.erase(it);
    if (after.empty()) {
        ordered.insert(ordered.begin(), moving);
        return ordered;
    }
    auto target = std::find_if(ordered.begin(), ordered.end(),
                               [&](const std::string& n) { return same(n, after); });
    if (target == ordered.end()) {
        throw error(errc::invalid_argument,
                    fmt::format("\"after\": there is no {} \"{}\"", what, after));
    }
    ordered.insert(target + 1, moving);
    return ordered;
}

}  // namespace airsql::tables
