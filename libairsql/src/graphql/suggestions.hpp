// SPDX-License-Identifier: Apache-2.0
// "Did you mean …?" for unknown names in GraphQL documents and variables, ranked as graphql-js
// ranks them, so that messages read the same as a graphql-js server's.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace airsql::graphql {

/// The `options` close to `input`, closest first (ties in natural order: "f2" before "f10").
/// Close: an edit distance (insertions, deletions, substitutions, transpositions of adjacent
/// characters, a change of case alone counting as one) of at most 40% of the input's length,
/// plus one.
std::vector<std::string> suggestion_list(std::string_view input,
                                         const std::vector<std::string_view>& options);

/// " Did you mean "a"?", " Did you mean "a" or "b"?", " Did you mean "a", "b", or "c"?" (at
/// most five), with `what` before the names when given ("the enum value"); "" for none.
std::string did_you_mean(const std::vector<std::string>& suggestions, std::string_view what = {});

/// did_you_mean over the names of schema members (fields, arguments, input fields, enum
/// values, types) close to `input`; deprecated members are not suggested.
template <class Members>
std::string did_you_mean_among(std::string_view input, const Members& members,
                               std::string_view what = {}) {
    std::vector<std::string_view> names;
    for (const auto& m : members) {
        if constexpr (requires { m.deprecated; }) {
            if (m.deprecated) continue;
        }
        names.push_back(m.name);
    }
    return did_you_mean(suggestion_list(input, names), what);
}

}  // namespace airsql::graphql
