// SPDX-License-Identifier: Apache-2.0
// Delivery of event-trigger events: the queue is a table inside each hosted database file
// (`_airsql_event_queue`), filled by airsql's TEMP triggers in the same transaction as the row
// changes (database/hosted_database.cpp), so an event exists iff its change committed. Here
// delivery threads read due events with reader connections, call the function (never holding
// the writer), and then, in a short write, delete the event (delivered, or dead after its
// last attempt) or schedule its next attempt.
//
// Fairness: at most `options::event_deliveries_per_database` deliveries of one database run at
// once, out of `options::event_delivery_threads`, and databases with due events are served in
// turn: a slow or failing function of one database never holds every thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace airsql {
class engine;
}

namespace airsql::functions {

/// One queued event as read from a database's queue.
struct queued_event {
    std::int64_t id = 0;
    std::string delivery_id;
    std::string function_id;
    std::string table;
    std::string event;
    std::optional<std::string> old_row;  ///< JSON
    std::optional<std::string> new_row;  ///< JSON
    std::string created_utc;
    std::int64_t attempts = 0;  ///< attempts made so far
    std::int64_t next_at = 0;   ///< unix ms
};

class event_dispatcher {
  public:
    event_dispatcher() = default;
    ~event_dispatcher() { stop(); }
    event_dispatcher(const event_dispatcher&) = delete;
    event_dispatcher& operator=(const event_dispatcher&) = delete;

    /// Starts the delivery threads (none when `options::event_delivery_paused`) and looks at
    /// every database that has triggers (events left by an earlier run are delivered).
    void start(engine& eng);
    /// Stops and joins the threads (deliveries in progress finish first).
    void stop();
    /// The database's queue may hold due events.
    void wake(const std::string& db_id);
    /// The database is gone.
    void forget(const std::string& db_id);

  private:
    using clock = std::chrono::steady_clock;
    struct db_state {
        clock::time_point due = clock::time_point::min();
        std::size_t in_flight = 0;
        bool fetching = false;
        bool woken = false;           ///< woken while fetching
        std::set<std::int64_t> busy;  ///< event ids being delivered
    };
    void run();
    void deliver(const std::string& db_id, const queued_event& ev);

    engine* eng_ = nullptr;
    std::size_t per_database_ = 2;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::map<std::string, db_state> dbs_;
    std::string cursor_;  ///< the database served last (round robin)
    std::vector<std::thread> threads_;
};

}  // namespace airsql::functions
