// SPDX-License-Identifier: Apache-2.0
#include "graphql/suggestions.hpp"

#include "core/ascii.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace airsql::graphql {

namespace {

// Optimal string alignment distance between `a` and `b` (already lowercased), or nothing when
// it is over `threshold`. Three rolling rows: the transposition looks two rows back.
std::optional<std::size_t> bounded_distance(std::string a, std::string b, std::size_t threshold) {
    if (a.size() < b.size()) std::swap(a, b);
    if (a.size() - b.size() > threshold) return std::nullopt;
    std::vector<std::size_t> rows[3];
    for (auto& r : rows) r.assign(b.size() + 1, 0);
    for (std::size_t j = 0; j <= b.size(); ++j) rows[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        auto& up = rows[(i - 1) % 3];
        auto& row = rows[i % 3];
        row[0] = i;
        std::size_t smallest = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            std::size_t cell = std::min({up[j] + 1, row[j - 1] + 1, up[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                cell = std::min(cell, rows[(i - 2) % 3][j - 2] + 1);
            }
            smallest = std::min(smallest, cell);
            row[j] = cell;
        }
        if (smallest > threshold) return std::nullopt;
    }
    auto d = rows[a.size() % 3][b.size()];
    if (d > threshold) return std::nullopt;
    return d;
}

// Digit runs compare as numbers, everything else by character.
bool natural_less(std::string_view a, std::string_view b) {
    std::size_t i = 0, j = 0;
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    while (i < a.size() && j < b.size()) {
        if (digit(a[i]) && digit(b[j])) {
            std::size_t i0 = i, j0 = j;
            while (i < a.size() && digit(a[i])) ++i;
            while (j < b.size() && digit(b[j])) ++j;
            auto x = a.substr(i0, i - i0), y = b.substr(j0, j - j0);
            while (x.size() > 1 && x.front() == '0') x.remove_prefix(1);
            while (y.size() > 1 && y.front() == '0') y.remove_prefix(1);
            if (x.size() != y.size()) return x.size() < y.size();
            if (x != y) return x < y;
            continue;
        }
        if (a[i] != b[j]) return a[i] < b[j];
        ++i;
        ++j;
    }
    return a.size() - i < b.size() - j;
}

}  // namespace

std::vector<std::string> suggestion_list(std::string_view input,
                                         const std::vector<std::string_view>& options) {
    const auto threshold = input.size() * 4 / 10 + 1;
    const auto input_lower = core::ascii_lower(input);
    std::vector<std::pair<std::size_t, std::string_view>> close;
    for (auto option : options) {
        std::optional<std::size_t> d;
        if (option == input) {
            d = 0;
        } else {
            auto option_lower = core::ascii_lower(option);
            d = option_lower == input_lower ? std::optional<std::size_t>(1)
                                            : bounded_distance(option_lower, input_lower, threshold);
        }
        if (d) close.emplace_back(*d, option);
    }
    std::sort(close.begin(), close.end(), [](const auto& x, const auto& y) {
        return x.first != y.first ? x.first < y.first : natural_less(x.second, y.second);
    });
    std::vector<std::string> out;
    for (const auto& [d, name] : close) {
        if (out.empty() || out.back() != name) out.emplace_back(name);
    }
    return out;
}

std::string did_you_mean(const std::vector<std::string>& suggestions, std::string_view what) {
    if (suggestions.empty()) return "";
    constexpr std::size_t max_suggestions = 5;
    std::string out = " Did you mean ";
    if (!what.empty()) {
        out += what;
        out += ' ';
    }
    auto quoted = [](const std::string& s) { return "\"" + s + "\""; };
    auto n = std::min(suggestions.size(), max_suggestions);
    if (n == 1) return out + quoted(suggestions[0]) + "?";
    if (n == 2) return out + quoted(suggestions[0]) + " or " + quoted(suggestions[1]) + "?";
    for (std::size_t i = 0; i + 1 < n; ++i) out += quoted(suggestions[i]) + ", ";
    return out + "or " + quoted(suggestions[n - 1]) + "?";
}

}  // namespace airsql::graphql
