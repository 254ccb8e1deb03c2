// SPDX-License-Identifier: Apache-2.0
#include "functions/event_dispatch.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <iostream>

#include "airsql/engine.hpp"
#include "airsql/error.hpp"
#include "airsql/functions.hpp"
#include "airsql/thread_name.hpp"
#include "auth/principal_access.hpp"
#include "core/engine_impl.hpp"
#include "functions/invoke.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql::functions {

namespace bj = boost::json;

namespace {

std::int64_t unix_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

bool has_queue(sqlite::connection& c) {
    auto st = c.cached(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '" AIRSQL_EVENT_QUEUE_TABLE "'");
    return st->step();
}

std::string id_list(const std::set<std::int64_t>& ids) {
    std::string out;
    for (auto id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
    return out;
}

// The next due event of the database not being delivered already; or, when none is due,
// when the next one will be (unix ms). Nothing at all: both empty.
void fetch(engine::impl& e, const std::string& db_id, const std::set<std::int64_t>& busy,
           std::optional<queued_event>& ev, std::optional<std::int64_t>& next_at) {
    auto hosted = e.databases.open(db_id);
    auto r = hosted->reader();
    if (!has_queue(*r)) return;
    auto not_busy = busy.empty() ? std::string() : " AND id NOT IN (" + id_list(busy) + ")";
    {
        auto st = r->prepare(
            "SELECT id, delivery_id, function_id, table_name, event, old, new, created_utc, "
            "attempts, next_at FROM _airsql_event_queue WHERE next_at <= ?" +
            not_busy + " ORDER BY id LIMIT 1");
        st.bind(1, unix_ms());
        if (st.step()) {
            ev = queued_event{st.int64(0), st.text(1),          st.text(2),          st.text(3),
                              st.text(4),  st.optional_text(5), st.optional_text(6), st.text(7),
                              st.int64(8), st.int64(9)};
            return;
        }
    }
    auto st = r->prepare("SELECT min(next_at) FROM _airsql_event_queue WHERE 1" + not_busy);
    if (st.step() && !st.is_null(0)) next_at = st.int64(0);
}

}  // namespace

void event_dispatcher::start(engine& eng) {
    eng_ = &eng;
    auto& e = eng.internals();
    per_database_ = std::max<std::size_t>(e.opts.event_deliveries_per_database, 1);
    if (e.opts.event_delivery_paused) return;
    {
        std::lock_guard lock(mutex_);
        for (const auto& id : e.catalog.databases_with_triggers()) dbs_[id];
    }
    auto n = std::max<std::size_t>(e.opts.event_delivery_threads, 1);
    for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] {
        name_this_thread("airsql-events");
        run();
    });
}

void event_dispatcher::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
    threads_.clear();
}

void event_dispatcher::wake(const std::string& db_id) {
    {
        std::lock_guard lock(mutex_);
        if (threads_.empty()) return;
        auto& st = dbs_[db_id];
        st.due = clock::time_point::min();
        st.woken = true;
    }
    wake_.notify_one();
}

void event_dispatcher::forget(const std::string& db_id) {
    std::lock_guard lock(mutex_);
    auto it = dbs_.find(db_id);
    if (it != dbs_.end() && it->second.in_flight == 0 && !it->second.fetching) dbs_.erase(it);
}

void event_dispatcher::run() {
    auto& e = eng_->internals();
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        auto now = clock::now();
        auto next_due = now + std::chrono::seconds(1);
        // Round robin: the first database after the one served last that is due and under
        // its share of deliveries.
        std::string pick;
        auto consider = [&](std::map<std::string, db_state>::iterator it) {
            auto& st = it->second;
            if (st.fetching || st.in_flight >= per_database_) return false;
            if (st.due <= now) {
                pick = it->first;
                return true;
            }
            next_due = std::min(next_due, st.due);
            return false;
        };
        bool found = false;
        for (auto it = dbs_.upper_bound(cursor_); it != dbs_.end() && !found; ++it)
            found = consider(it);
        for (auto it = dbs_.begin(); it != dbs_.end() && !found && it->first <= cursor_; ++it)
            found = consider(it);
        if (!found) {
            wake_.wait_until(lock, next_due);
            continue;
        }
        cursor_ = pick;
        auto* st = &dbs_[pick];
        st->fetching = true;
        st->woken = false;
        auto busy = st->busy;
        lock.unlock();
        std::optional<queued_event> ev;
        std::optional<std::int64_t> next_at;
        bool gone = false;
        bool failed = false;
        try {
            fetch(e, pick, busy, ev, next_at);
        } catch (const error& err) {
            if (err.code() == errc::not_found) {
                gone = true;
            } else {
                failed = true;
                std::cerr << "airsql: event queue of database " << pick << ": " << err.what()
                          << '\n';
            }
        } catch (const std::exception& ex) {
            failed = true;
            std::cerr << "airsql: event queue of database " << pick << ": " << ex.what() << '\n';
        }
        lock.lock();
        auto it = dbs_.find(pick);
        if (it == dbs_.end()) continue;
        st = &it->second;
        st->fetching = false;
        if (gone) {
            // The database went away; deliveries still running end by themselves.
            if (st->in_flight == 0) {
                dbs_.erase(it);
            } else {
                st->due = clock::time_point::max();
            }
            continue;
        }
        if (!ev) {
            if (st->woken) {
                // A commit came while reading: look again.
                st->due = clock::time_point::min();
            } else if (failed) {
                st->due = clock::now() + std::chrono::seconds(1);
            } else if (next_at) {
                st->due = clock::now() + std::chrono::milliseconds(
                                             std::max<std::int64_t>(*next_at - unix_ms(), 0));
            } else {
                st->due = clock::time_point::max();  // nothing queued: until a commit wakes it
            }
            wake_.notify_all();
            continue;
        }
        ++st->in_flight;
        st->busy.insert(ev->id);
        st->due = clock::time_point::min();  // more may be due
        wake_.notify_one();
        lock.unlock();
        bool delivery_failed = false;
        try {
            deliver(pick, *ev);
        } catch (const std::exception& ex) {
            // E.g. the write that settles the event failed: it is tried again (at least
            // once), but not at once.
            delivery_failed = true;
            std::cerr << "airsql: event delivery " << ev->delivery_id << " of database " << pick
                      << ": " << ex.what() << '\n';
        }
        lock.lock();
        it = dbs_.find(pick);
        if (it != dbs_.end()) {
            --it->second.in_flight;
            it->second.busy.erase(ev->id);
            // Look again — also when another thread is reading the queue right now: it left
            // this event out as busy, so its "nothing due" must not stand.
            it->second.due =
                delivery_failed ? clock::now() + std::chrono::seconds(1) : clock::time_point::min();
            it->second.woken = true;
        }
        wake_.notify_all();
    }
}

void event_dispatcher::deliver(const std::string& db_id, const queued_event& ev) {
    auto& e = eng_->internals();
    auto hosted = e.databases.open(db_id);
    auto finish = [&](std::optional<std::int64_t> retry_at) {
        auto w = hosted->writer(audit::context::off());
        if (retry_at) {
            auto st = w->prepare(
                "UPDATE _airsql_event_queue SET attempts = ?, next_at = ? "
                "WHERE id = ? AND delivery_id = ?");
            st.bind(1, ev.attempts + 1).bind(2, *retry_at).bind(3, ev.id).bind(4, ev.delivery_id);
            st.run();
        } else {
            auto st =
                w->prepare("DELETE FROM _airsql_event_queue WHERE id = ? AND delivery_id = ?");
            st.bind(1, ev.id).bind(2, ev.delivery_id);
            st.run();
        }
    };
    auto fn = e.catalog.find_function(ev.function_id);
    std::optional<catalog::function_trigger_record> trigger;
    if (fn && fn->db_id == db_id) {
        for (auto& t : e.catalog.function_triggers(fn->id)) {
            if (t.table == ev.table &&
                std::find(t.events.begin(), t.events.end(), ev.event) != t.events.end()) {
                trigger = std::move(t);
            }
        }
    }
    if (!trigger) {
        // The function is gone or no longer attached to this event: nobody to deliver to.
        finish(std::nullopt);
        return;
    }
    std::optional<catalog::function_version_record> version;
    if (fn->active_version) version = e.catalog.find_function_version(*fn->active_version);
    std::int64_t attempt = ev.attempts + 1;
    auto retry_or_drop = [&](bool succeeded) -> std::optional<std::int64_t> {
        if (succeeded || attempt >= trigger->max_attempts) return std::nullopt;
        return unix_ms() + event_retry_delay_ms(trigger->backoff_ms, attempt);
    };
    if (!version) {
        // No active version (the module does not parse): an attempt that failed, unrecorded.
        finish(retry_or_drop(false));
        return;
    }
    // The helpers run with the rights of the user who attached the trigger, as they are now.
    principal who;
    if (auto user = e.catalog.find_user_by_id(trigger->created_by)) {
        who = principal_access::user(user->id, user->username, false, 0);
    }
    bj::object trigger_json{{"table", ev.table}, {"event", ev.event}};
    auto row = [](const std::optional<std::string>& text) -> bj::value {
        if (!text) return nullptr;
        boost::system::error_code ec;
        auto v = bj::parse(*text, ec);
        return ec ? bj::value(nullptr) : v;
    };
    bj::object data{{"trigger", trigger_json}, {"old", row(ev.old_row)},
                    {"new", row(ev.new_row)},  {"deliveryId", ev.delivery_id},
                    {"attempt", attempt},      {"createdUtc", ev.created_utc}};
    bool delivered = false;
    auto record = [&](bool succeeded) {
        delivered = succeeded;
        std::string state = succeeded                          ? "delivered"
                            : attempt >= trigger->max_attempts ? "dead"
                                                               : "retrying";
        return bj::serialize(bj::object{{"trigger", trigger_json},
                                        {"event", ev.event},
                                        {"attempt", attempt},
                                        {"state", state},
                                        {"deliveryId", ev.delivery_id}});
    };
    bj::object headers{{"content-type", "application/json"},
                       {"x-airsql-delivery-id", ev.delivery_id}};
    invoke(*eng_, who, *fn, *version, "POST", std::move(headers), bj::object{}, std::move(data),
           record);
    finish(retry_or_drop(delivered));
}

}  // namespace airsql::functions
