// SPDX-License-Identifier: Apache-2.0
// The order of tables (and of the columns of a table), kept beside the database as a linked
// list: each placed name records the name it follows (none: it comes first). Airsequel keeps
// its order the same way; the rules of reconstruction follow its behaviour.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace airsql::tables {

/// One stored link: `name` follows `follows` (nullopt: `name` comes first).
struct order_link {
    std::string name;
    std::optional<std::string> follows;
    bool operator==(const order_link&) const = default;
};

/// Orders `live` (the names that exist, in creation order) by the stored links. Names compare
/// ASCII case-insensitively (as SQLite identifiers). Rules: chains of links are followed from
/// the names that come first; a chain hanging from a name that does not exist (dropped or
/// renamed behind the catalog's back) or was never placed keeps its order and follows that
/// name's place; names without a link come last, in creation order; duplicate links (the
/// first counts), cycles and links of unknown names never fail and still yield every live name
/// exactly once.
std::vector<std::string> order_by_links(const std::vector<std::string>& live,
                                        const std::vector<order_link>& links);

/// The links that store `ordered` (each name follows the one before it).
std::vector<order_link> links_for(const std::vector<std::string>& ordered);

/// `ordered` with `name` moved: to the front for an empty `after`, else right after `after`.
/// `invalid_argument` when `after` is `name` itself or not in `ordered`; `not_found` when
/// `name` is not.
std::vector<std::string> move_after(std::vector<std::string> ordered, const std::string& name,
                                    const std::string& after, const char* what);

}  // namespace airsql::tables
