// SPDX-License-Identifier: Apache-2.0
#include "tables/metadata.hpp"

#include "tables/linked_order.hpp"

namespace airsql::tables {

namespace {

std::vector<order_link> links_of(const std::vector<catalog::object_metadata>& rows) {
    std::vector<order_link> links;
    for (const auto& r : rows) {
        if (r.placed) links.push_back({r.name, r.follows});
    }
    return links;
}

}  // namespace

std::vector<std::string> table_order(engine::impl& e, const std::string& db_id,
                                     const std::vector<std::string>& live) {
    return order_by_links(live, links_of(e.catalog.table_metadata(db_id)));
}

std::vector<std::string> column_order(engine::impl& e, const std::string& db_id,
                                      const std::string& table,
                                      const std::vector<std::string>& live) {
    return order_by_links(live, links_of(e.catalog.column_metadata(db_id, table)));
}

}  // namespace airsql::tables
