// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "graphql/ast.hpp"
#include "graphql/schema.hpp"

namespace airsql::graphql {

/// Documents that parsed and validated, by query text, for the schema they were validated
/// against. A schema rebuilt after DDL is a different object, so its documents validate
/// again. Bounded; thread-safe.
class document_cache {
public:
    std::shared_ptr<const document> find(const std::string& query,
                                         const std::shared_ptr<const schema>& s);
    void remember(const std::string& query, std::shared_ptr<const document> doc,
                  const std::shared_ptr<const schema>& s);

private:
    struct entry {
        std::shared_ptr<const document> doc;
        std::weak_ptr<const schema> valid_for;
    };
    static constexpr std::size_t max_entries = 2'000;
    std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
};

}  // namespace airsql::graphql
