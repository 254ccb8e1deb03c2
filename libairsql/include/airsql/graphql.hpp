// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace airsql {

class engine;
class principal;

/// Which schema introspection describes. Execution always accepts the full schema (AirGQL's
/// generated API plus `_and`/`_or`/`_not`, `_is_null`, relationships and aggregates), and
/// introspection shows it by default (decision D13: clients such as codegen and graphql-js
/// validate against what the server runs); the AirGQL-compatible view hides the additions so
/// a diff against AirGQL's schema is exact. The current view is the full schema without
/// AirGQL's deprecated aliases (`filter`, `set`, `eq`…, the `OrderingTerm` values `asc` and
/// `desc`), for code generators whose naming folds case (`ASC` and `asc` would both become
/// `Asc`); the aliases still run.
enum class introspection_view { airgql_compatible, full, current };

/// A GraphQL request (`POST /dbs/:dbId/graphql` body).
struct graphql_request {
    std::string query;
    boost::json::object variables;
    std::optional<std::string> operation_name;
    introspection_view view = introspection_view::full;
    /// Apollo's automatic persisted queries (`extensions.persistedQuery.sha256Hash`): the
    /// document's SHA-256 in lowercase hex, empty when none was sent. With an empty `query`
    /// the document is the one sent before with this hash to the same database; with a
    /// `query`, the query must hash to it and is remembered (`options::graphql_persisted_
    /// query_bytes`).
    std::string persisted_query_hash;
    /// Refuse mutations (for GET requests, which must not change state).
    bool queries_only = false;
    /// Leave `data` out of request-error responses (the application/graphql-response+json
    /// convention) instead of `"data": null` (AirGQL's, and application/json's).
    bool request_errors_without_data = false;
};

/// The outcome of a GraphQL request. Errors of the document are data, not exceptions.
struct graphql_response {
    /// The response: `{"data": …, "errors": [{"message", "locations", "path"}]}`.
    std::string body;
    /// The request could not be executed at all (syntax, validation or variable errors):
    /// `data` is null and no field ran.
    bool request_error = false;
    /// A mutation was refused because `queries_only` was set.
    bool mutation_refused = false;
};

/// Runs a GraphQL request against one database's generated API. The caller's access decides
/// the schema: read and write; read only (no Mutation type); write only and insert only (no
/// reads, no `returning`). For a `readonly_link` principal, `db_id` is the read-only id.
/// Throws `not_found` when the database does not exist or the caller has no access,
/// `invalid_argument` for a document over `options::graphql_max_document_bytes`.
graphql_response execute_graphql(engine& eng, const principal& who, std::string_view db_id,
                                 const graphql_request& request);

/// Runs a batch of GraphQL requests (a JSON array body, as Apollo's BatchHttpLink and
/// graphql-request's `batchRequests` send) in order, each as `execute_graphql` with its own
/// errors; a mutation sees the writes of the elements before it. Each element is read as a
/// request body (see `tag_invoke` below) and gets `view` and `request_errors_without_data`;
/// an element that is not a request, or cannot run (`invalid_argument`, e.g. a document over
/// the size limit), gets an error response of its own. The whole batch shares one
/// `options::graphql_timeout`: elements left when it has run out get an error, unrun; and one
/// `options::graphql_max_response_bytes`: an answer that would pass it is replaced by an error. Throws `invalid_argument` for an empty
/// batch or one of more than `options::graphql_max_batch` elements, and what
/// `execute_graphql` throws about the database or the caller.
std::vector<graphql_response> execute_graphql_batch(engine& eng, const principal& who,
                                                    std::string_view db_id,
                                                    const boost::json::array& batch,
                                                    introspection_view view,
                                                    bool request_errors_without_data);

/// Whether the operation `request` selects is a subscription: for a transport that must
/// choose between a JSON answer and a stream before it runs anything (an Accept header that
/// ranks both alike). Parses the document only (no schema, no database); false when it does
/// not parse, is over `max_document_bytes`, or selects no operation.
bool selects_subscription(const graphql_request& request, std::size_t max_document_bytes);

/// A starter query for the playground: the first table's rows (limit 100), every column.
/// Empty when the database has no tables. Needs read access.
std::string default_query(engine& eng, const principal& who, std::string_view db_id);

/// Reads a request's `extensions` object into `request`: Apollo's `persistedQuery`
/// (`{"version": 1, "sha256Hash": "<64 hex digits>"}`); other members are ignored.
/// `invalid_argument` for a malformed `persistedQuery` or another version.
void read_graphql_extensions(graphql_request& request, const boost::json::object& extensions);

/// Reads `{"query", "variables", "operationName", "extensions"}`; `variables`,
/// `operationName` and `extensions` may be null, and `query` may be left out when
/// `extensions` names a persisted query. `invalid_argument` for other shapes.
graphql_request tag_invoke(boost::json::value_to_tag<graphql_request>,
                           const boost::json::value& jv);

}  // namespace airsql
