// SPDX-License-Identifier: Apache-2.0
// GraphQL subscriptions as live queries, multiplexed: every distinct (database, effective
// access, query, variables) runs once after a write that touched a table it reads, and its
// result goes to every subscriber of it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "airsql/error.hpp"
#include "airsql/graphql.hpp"

namespace airsql {

class engine;
class principal;

/// What a subscription hands its sink.
struct subscription_event {
    enum class kind {
        next,      ///< a new result: `body` is `{"data": …, "errors": […]}`
        error,     ///< the subscription ended with an error: `body` is a JSON array of errors
        complete,  ///< the subscription ended (the engine is stopping)
    };
    kind k = kind::next;
    std::shared_ptr<const std::string> body;
    /// For `error`: why (`not_found` when the database was deleted or given a new id).
    errc code = errc::internal;
};

/// Receives the events of one subscription, in order, on some library or dispatcher thread.
/// It must be quick (hand the event on, e.g. post it to a socket) and must not call
/// `graphql_subscription::cancel` itself. After `error` or `complete` nothing more comes.
using subscription_sink = std::function<void(subscription_event)>;

/// A running live query. Destroying it (or `cancel`) ends it.
class graphql_subscription {
  public:
    virtual ~graphql_subscription() = default;
    /// Ends the subscription: once this returns, the sink is not called again.
    virtual void cancel() noexcept = 0;
};

/// The outcome of starting an operation over a streaming transport.
struct graphql_start {
    /// Set when the operation is a query or a mutation (it ran, this is its single answer), or
    /// when it could not start (syntax, validation, variables: `request_error`).
    std::optional<graphql_response> response;
    /// Set for a subscription that started: the sink already has (or is about to get) its
    /// first result.
    std::shared_ptr<graphql_subscription> subscription;
};

/// Runs any GraphQL operation for a streaming transport (graphql-ws, graphql-sse). A
/// `subscription { <query root field> }` becomes a live query: the sink gets the result, then
/// a new one after each committed write that touched a table the query may read (its tables
/// and those reachable through relationships; all tables when it reads a view), never the
/// same result twice in a row. Subscribers with the same database, effective access (access
/// mode, read-only id, introspection view) and request share one execution per write.
/// Throws what `execute_graphql` throws; `unavailable` beyond `options::max_subscriptions` or
/// when live results fill `max_live_result_bytes` (HTTP 503: try again later), and
/// `rate_limited` beyond `max_subscriptions_per_principal` (429). Call off I/O threads (it may
/// run SQL).
graphql_start start_graphql(engine& eng, const principal& who, std::string_view db_id,
                            const graphql_request& request, subscription_sink sink);

/// The GraphQL access `who` has to `db_id` now, as a value that differs when it changes (for
/// transports that re-check a long-lived connection's credentials). Throws what
/// `execute_graphql` throws when there is none.
int graphql_access(engine& eng, const principal& who, std::string_view db_id);

/// Where re-executions after a write run. `post(key, job)` must run `job` soon on some
/// thread (a server passes its worker pool; `key` names the database, for fairness). Without
/// a dispatcher they run on the thread whose write lease ended. Set before subscribing.
void set_subscription_dispatcher(
    engine& eng, std::function<void(std::string key, std::function<void()> job)> post);

struct subscription_statistics {
    std::size_t subscriptions = 0;  ///< open subscriptions
    std::size_t live_queries = 0;   ///< distinct live queries they share
    std::uint64_t executions =
        0;  ///< live query executions so far (each one SQL run per root field)
    std::uint64_t notifications = 0;  ///< results handed to sinks so far
};
subscription_statistics subscription_stats(engine& eng);

/// Ends every subscription with `complete` (a server that is stopping).
void end_all_subscriptions(engine& eng);

}  // namespace airsql
