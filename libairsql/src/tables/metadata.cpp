// SPDX-License-Identifier: Apache-2.0
#include "tables/metadata.hpp"

#include "tables/linked_order.hpp"
#include "tables/table_sql.hpp"

#include <unordered_map>

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

void annotate_model(catalog::catalog& catalog, const std::string& db_id,
                    graphql::database_model& model) {
    auto key = [](const std::string& s) { return ascii_lower(s); };
    std::unordered_map<std::string, std::string> tables;
    for (const auto& m : catalog.table_metadata(db_id)) {
        if (m.description) tables[key(m.name)] = *m.description;
    }
    std::unordered_map<std::string, std::string> columns;
    for (const auto& [table, column, description] : catalog.column_descriptions(db_id)) {
        columns[key(table) + '\n' + key(column)] = description;
    }
    if (tables.empty() && columns.empty()) return;
    for (auto& t : model.tables) {
        if (auto it = tables.find(key(t.name)); it != tables.end()) t.description = it->second;
        for (auto& c : t.columns) {
            if (c.synthetic_rowid) continue;
            auto it = columns.find(key(t.name) + '\n' + key(c.name));
            if (it != columns.end()) c.description = it->second;
        }
    }
}

}  // namespace airsql::tables
