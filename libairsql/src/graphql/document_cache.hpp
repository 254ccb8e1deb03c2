// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "graphql/ast.hpp"
#include "graphql/schema.hpp"
#include "graphql/sql_compiler.hpp"

namespace airsql::graphql {

/// Documents that parsed and validated, by query text, for the schema they were validated
/// against. A schema rebuilt after DDL is a different object, so its documents validate
/// again. Bounded in entries and in memory: a parsed document takes up to about 60 times its
/// text (a list of one-digit values: 198 KB of text kept 11 MB), so each entry counts as
/// `bytes_per_text_byte` times its text, and documents over `max_document_bytes` are not
/// kept at all (40 distinct 198 KB documents grew the server by 440 MB before this).
/// Thread-safe.
class document_cache {
public:
    std::shared_ptr<const document> find(const std::string& query,
                                         const std::shared_ptr<const schema>& s);
    void remember(const std::string& query, std::shared_ptr<const document> doc,
                  const std::shared_ptr<const schema>& s);

    /// The compiled plan of an operation of a remembered document (`operation` "" for the only
    /// one), for file URLs under `file_url_id`; null when none was remembered for this schema.
    std::shared_ptr<const query_plan> find_plan(const std::string& query,
                                                const std::shared_ptr<const schema>& s,
                                                std::string_view operation,
                                                std::string_view file_url_id);
    /// Remembers a plan beside its document (nothing if the document is no longer here).
    void remember_plan(const std::string& query, const std::shared_ptr<const schema>& s,
                       std::string_view operation, std::string_view file_url_id,
                       std::shared_ptr<const query_plan> plan);

    /// The entries and their weight now (for tests).
    std::size_t size();
    std::size_t weight_in_use();

  private:
    struct plan_entry {
        std::string operation;
        std::string file_url_id;
        std::shared_ptr<const query_plan> plan;
    };
    struct entry {
        std::shared_ptr<const document> doc;
        std::weak_ptr<const schema> valid_for;
        std::vector<plan_entry> plans;  ///< a few: one per operation of the document, mostly
    };
    static constexpr std::size_t max_plans_per_document = 8;
    static constexpr std::size_t max_entries = 2'000;
    static constexpr std::size_t max_document_bytes = 64 * 1024;
    static constexpr std::size_t bytes_per_text_byte = 100;  ///< the AST and its plans
    static constexpr std::size_t max_bytes = 128u * 1024 * 1024;
    static std::size_t weight(const std::string& query) {
        return 1024 + query.size() * bytes_per_text_byte;
    }
    std::mutex mutex_;
    std::unordered_map<std::string, entry> entries_;
    std::size_t bytes_ = 0;  ///< the entries' weights
};

}  // namespace airsql::graphql
