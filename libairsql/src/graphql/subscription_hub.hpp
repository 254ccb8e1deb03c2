// SPDX-License-Identifier: Apache-2.0
// Live queries, multiplexed (see airsql/subscriptions.hpp). One `live_query` per distinct
// (database, access mode, read-only id, view, query, operation name, variables); it runs once
// after each write that touched one of its tables and hands the result to all its
// subscribers, when the result differs from the last one.
#pragma once

#include <atomic>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "airsql/engine.hpp"
#include "airsql/principal.hpp"
#include "airsql/subscriptions.hpp"
#include "database/hosted_database.hpp"
#include "graphql/introspection.hpp"
#include "graphql/schema.hpp"

namespace airsql::graphql {

/// What a live query is: everything its result depends on besides the data.
struct live_spec {
    std::string db_id;  ///< the record id
    access_mode mode = access_mode::read_only;
    introspection_view view = introspection_view::full;
    std::string file_url_id;  ///< the read-only id (file URLs)
    std::string query;
    std::optional<std::string> operation_name;
    boost::json::object variables;

    std::string key() const;
};

/// Who subscribed, to check again later that they still may (see options'
/// `subscription_recheck_interval`).
struct subscriber_access {
    principal who;
    std::string db_id;  ///< as the subscriber named it (a read-only id for read-only links)
    int access = -1;    ///< graphql_access at subscription
    std::uint64_t generation = 0;  ///< the catalog's write generation read before that check
};

class subscription_hub {
  public:
    explicit subscription_hub(engine::impl& e) : e_(e) {}
    ~subscription_hub();

    /// Adds a subscriber to the live query of `spec` (made and run first if new; else the
    /// subscriber gets its last result). `resource_exhausted` beyond the engine's cap.
    /// `resource_exhausted` beyond the engine's caps (in all, per principal, result memory).
    std::shared_ptr<graphql_subscription> subscribe(live_spec spec, subscriber_access access,
                                                    subscription_sink sink);

    void on_commit(const std::string& db_id, const database::commit_touch& touched);
    void on_gone(const std::string& db_id);
    /// The database's read-only id changed: its live queries (whose results may hold file
    /// URLs with it) take the new one and run again.
    void on_readonly_id(const std::string& db_id, const std::string& readonly_id);
    void end_all();
    void set_dispatcher(std::function<void(std::string, std::function<void()>)> post);
    subscription_statistics stats();

    struct subscriber;
    struct live_query;

  private:
    friend struct subscriber;
    void run(const std::shared_ptr<live_query>& q);
    // One execution of q. Throws error when it cannot run any more (the database went away,
    // the query no longer validates).
    struct outcome {
        std::string body;
        bool send = true;    ///< false: an empty batch of a stream (nothing new)
        bool again = false;  ///< a stream's full batch: more rows may be waiting
    };
    outcome execute(live_query& q);
    void end_query(const std::shared_ptr<live_query>& q, subscription_event ev);
    // Drops q from the maps (and its kept result from the memory count). Needs mutex_.
    void forget(const std::shared_ptr<live_query>& q);
    // Whether s may still get results (checked again when due; `memo` shares one verdict per
    // principal and database within a delivery).
    bool still_allowed(subscriber& s, std::unordered_map<std::string, bool>& memo);
    void remove(subscriber& s);
    void dispatch(const std::shared_ptr<live_query>& q);
    // A write touched q: true when the caller must dispatch a run, false when the run under
    // way will run again. Needs mutex_.
    static bool needs_dispatch(live_query& q);

    engine::impl& e_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::shared_ptr<live_query>> queries_;  ///< by key
    std::unordered_map<std::string, std::set<std::string>> by_db_;          ///< keys by database id
    std::size_t subscribers_ = 0;
    std::unordered_map<std::string, std::size_t> per_owner_;  ///< subscribers by principal
    std::size_t kept_bytes_ = 0;  ///< the live queries' last results
    std::uint64_t own_keys_ = 0;  ///< suffixes of keys no newcomer may share (moved streams, …)
    std::function<void(std::string, std::function<void()>)> post_;
    std::atomic<std::uint64_t> executions_{0};
    std::atomic<std::uint64_t> notifications_{0};
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace airsql::graphql
