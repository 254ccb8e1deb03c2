// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "database/hosted_database.hpp"
#include "graphql/ast.hpp"
#include "graphql/errors.hpp"
#include "graphql/introspection.hpp"
#include "graphql/schema.hpp"
#include "graphql/sql_compiler.hpp"

namespace airsql::graphql {

struct execution_settings {
    schema_view view = schema_view::airgql_compatible;
    std::string file_url_id;  ///< id used in file URLs (the read-only id)
    std::size_t max_rows = 10'000;
    std::chrono::milliseconds timeout{20'000};
    /// Largest response body; execution stops at the root field that passes it.
    std::size_t max_response_bytes = 64u * 1024 * 1024;
    /// Who a mutation writes for (the write lease takes it; see audit::context).
    audit::context audit;
    /// A `<t>_stream` subscription's current cursor value (instead of its initial_value).
    std::optional<boost::json::value> stream_cursor;
    /// A query's root fields compiled by an earlier run of the same operation (same document,
    /// schema and file URL id, no variables): they are not compiled again. May be null.
    std::shared_ptr<const query_plan> plan;
    /// Whether to return the compiled root fields as a plan (queries without variables).
    bool want_plan = false;
};

/// Executes one validated operation with coerced variables and returns the complete response
/// body, `{"data": …, "errors": […]}`. Queries run in one read transaction on a pooled
/// reader. A mutation runs in one `BEGIN IMMEDIATE` transaction on the writer: root fields
/// run one after another and see each other's writes; the first failing one ends the
/// operation with `data: null` and rolls back every field of it.
struct execution_result {
    std::string body;
    /// The response depends only on the database's data and schema: a query over tables (no
    /// views, which may call random() or date('now')) that ran without errors.
    bool cacheable = false;
    /// A `<t>_stream` subscription: its rows, the cursor column's value in the last row (when
    /// there were rows), and whether the batch was full (more rows may follow at once).
    std::size_t stream_rows = 0;
    std::optional<boost::json::value> stream_last;
    bool stream_full = false;
    /// With `want_plan`: the root fields as compiled, when all of them compiled.
    std::shared_ptr<const query_plan> plan;
};

execution_result execute_operation(const schema& s, const document& doc, const operation& op,
                                   boost::json::object variables, database::hosted_database& db,
                                   const execution_settings& settings);

/// A response body for errors that stop a request before execution (data: null).
std::string request_error_body(const std::vector<error_entry>& errors, bool with_null_data = true);

}  // namespace airsql::graphql
