// SPDX-License-Identifier: Apache-2.0
#include "graphql/subscription_hub.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "airsql/error.hpp"
#include "auth/access.hpp"
#include "core/ascii.hpp"
#include "core/blocking.hpp"
#include "core/engine_impl.hpp"
#include "graphql/executor.hpp"
#include "graphql/input_values.hpp"
#include "graphql/prepare.hpp"
#include "sqlite/memory_budget.hpp"

namespace airsql::graphql {

namespace {

// The tables a live query may read: those of its root fields and every table reachable from
// them through relationships (filters and orderings may follow relationships too). Views may
// read anything: then all tables (`all` true).
std::set<std::string> tables_read(const schema& s, const document& doc, const operation& op,
                                  bool& all) {
    all = false;
    std::vector<std::size_t> pending;
    const auto* root = s.find(s.subscription_type);
    std::set<std::string> seen_fragments;
    auto walk = [&](auto&& self, const selection_set& set) -> void {
        for (const auto& sel : set.items) {
            if (sel.kind == selection_kind::field) {
                const auto* f = root ? root->field(sel.name) : nullptr;
                if (!f) continue;
                switch (f->role) {
                    case field_role::table_list:
                    case field_role::table_by_pk:
                    case field_role::table_aggregate:
                    case field_role::table_stream:
                        pending.push_back(f->table);
                        break;
                    default:
                        break;
                }
            } else if (sel.kind == selection_kind::inline_fragment) {
                self(self, sel.selections);
            } else if (seen_fragments.insert(sel.name).second) {
                for (const auto& fr : doc.fragments) {
                    if (fr.name == sel.name) self(self, fr.selections);
                }
            }
        }
    };
    walk(walk, op.selections);
    std::set<std::size_t> reached;
    while (!pending.empty()) {
        auto t = pending.back();
        pending.pop_back();
        if (t >= s.model->tables.size() || !reached.insert(t).second) continue;
        if (s.model->tables[t].is_view) all = true;
        if (t < s.relationships.size()) {
            for (const auto& r : s.relationships[t]) pending.push_back(r.other);
        }
    }
    std::set<std::string> out;
    for (auto t : reached) out.insert(core::ascii_lower(s.model->tables[t].name));
    return out;
}

// Ends a live query: its subscribers get this event.
struct query_ended {
    subscription_event ev;
};

subscription_event error_event(errc code, std::string body) {
    subscription_event ev;
    ev.k = subscription_event::kind::error;
    ev.code = code;
    ev.body = std::make_shared<const std::string>(std::move(body));
    return ev;
}

// The `errors` array of a request error, as JSON.
std::string errors_json(const std::vector<error_entry>& errors) {
    auto v = boost::json::parse(request_error_body(errors, false));
    return boost::json::serialize(v.as_object().at("errors"));
}

std::string message_array(std::string_view message) {
    boost::json::array a;
    a.push_back(boost::json::object{{"message", message}});
    return boost::json::serialize(a);
}

}  // namespace

std::string live_spec::key() const {
    return fmt::format("{}\n{}\n{}\n{}\n{}\n{}\n{}", db_id, static_cast<int>(mode),
                       static_cast<int>(view), file_url_id,
                       operation_name ? "1" + *operation_name : "0",
                       boost::json::serialize(variables), query);
}

// Whose subscriptions count together against max_subscriptions_per_principal.
std::string owner_of(const principal& who) {
    switch (who.kind()) {
        case principal_kind::token:
            return fmt::format("token {}", who.token_id());
        case principal_kind::user:
        case principal_kind::app_session:
            return fmt::format("user {}", who.user_id());
        default:
            return "address " + who.client_address();
    }
}

struct subscription_hub::subscriber {
    subscriber(subscription_sink s, subscriber_access a)
        : sink(std::move(s)),
          access(std::move(a)),
          owner(owner_of(access.who)),
          checked_generation(access.generation),
          checked_at(std::chrono::steady_clock::now()) {}
    subscription_sink sink;
    subscriber_access access;
    std::string owner;
    // Only by the thread running the live query:
    std::uint64_t checked_generation;
    std::chrono::steady_clock::time_point checked_at;
    std::weak_ptr<live_query> query;
    std::mutex mutex;
    bool ended = false;
    std::uint64_t delivered = 0;  ///< version of the last result handed on

    // Hands on a result newer than the last one, or the end; nothing after the end.
    bool deliver(const subscription_event& ev, std::uint64_t version) {
        std::lock_guard lock(mutex);
        if (ended) return false;
        if (ev.k == subscription_event::kind::next) {
            if (version <= delivered) return false;
            delivered = version;
        } else {
            ended = true;
        }
        try {
            sink(ev);
        } catch (...) {
            // The sink's owner is gone or failing; nothing to tell.
        }
        return true;
    }
    void end() {
        std::lock_guard lock(mutex);
        ended = true;
    }
};

struct subscription_hub::live_query {
    explicit live_query(live_spec s) : spec(std::move(s)), key(spec.key()) {}
    live_spec spec;
    std::string key;
    // Under the hub's mutex:
    std::vector<std::shared_ptr<subscriber>> subs;
    std::set<std::string> tables;
    bool all_tables = true;  ///< until the first run says which
    bool running = false;    ///< a run is under way or dispatched
    bool dirty = false;      ///< a write came during the run: run again
    bool ended = false;
    bool listed = true;  ///< in queries_ (forget() clears it)
    std::uint64_t version = 0;
    std::size_t hash = 0;
    std::shared_ptr<const std::string> body;
    std::size_t kept = 0;  ///< body's bytes as counted in kept_bytes_
    // Only by the thread running it:
    bool stream = false;  ///< a `<t>_stream` subscription: the cursor moves with each batch
    std::optional<boost::json::value> cursor;
    bool rekeyed = false;
    bool body_sent = false;
    bool answered = false;  ///< a first result with data went out
    std::shared_ptr<const schema> validated_for;
    std::shared_ptr<const document> doc;
    const operation* op = nullptr;
};

namespace {

// The handle a subscriber holds: cancels on destruction.
class handle final : public graphql_subscription {
  public:
    handle(std::shared_ptr<subscription_hub::subscriber> s, std::function<void()> remove)
        : s_(std::move(s)), remove_(std::move(remove)) {}
    ~handle() override { cancel(); }
    void cancel() noexcept override {
        std::function<void()> r;
        {
            std::lock_guard lock(mutex_);
            r = std::move(remove_);
            remove_ = nullptr;
        }
        if (!r) return;
        // No event after this returns: the sink runs under the subscriber's mutex.
        s_->end();
        try {
            r();
        } catch (...) {
        }
    }

  private:
    std::shared_ptr<subscription_hub::subscriber> s_;
    std::mutex mutex_;
    std::function<void()> remove_;
};

}  // namespace

subscription_hub::~subscription_hub() { *alive_ = false; }

std::shared_ptr<graphql_subscription> subscription_hub::subscribe(live_spec spec,
                                                                  subscriber_access access,
                                                                  subscription_sink sink) {
    auto key = spec.key();
    auto sub = std::make_shared<subscriber>(std::move(sink), std::move(access));
    std::shared_ptr<live_query> q;
    bool fresh = false;
    std::shared_ptr<const std::string> body;
    std::uint64_t version = 0;
    {
        std::lock_guard lock(mutex_);
        if (subscribers_ >= e_.opts.max_subscriptions) {
            throw error(
                errc::unavailable,
                fmt::format("the server holds its maximum of {} subscriptions; try again later",
                            e_.opts.max_subscriptions));
        }
        auto mine = per_owner_.find(sub->owner);
        if (mine != per_owner_.end() && mine->second >= e_.opts.max_subscriptions_per_principal) {
            throw error(errc::rate_limited,
                        fmt::format("you hold the maximum of {} subscriptions; end some first",
                                    e_.opts.max_subscriptions_per_principal));
        }
        auto existing = queries_.find(key);
        if (existing == queries_.end() && kept_bytes_ >= e_.opts.max_live_result_bytes) {
            throw error(errc::unavailable,
                        fmt::format("live queries keep the maximum of {} bytes of results; try "
                                    "again later",
                                    e_.opts.max_live_result_bytes));
        }
        auto& slot = queries_[key];
        if (!slot) {
            slot = std::make_shared<live_query>(std::move(spec));
            by_db_[slot->spec.db_id].insert(key);
            slot->running = true;
            fresh = true;
        }
        q = slot;
        sub->query = q;
        q->subs.push_back(sub);
        ++subscribers_;
        ++per_owner_[sub->owner];
        body = q->body;
        version = q->version;
    }
    std::weak_ptr<bool> alive = alive_;
    auto h = std::make_shared<handle>(sub, [this, alive, raw = sub.get()] {
        if (alive.lock() && *alive.lock()) remove(*raw);
    });
    if (fresh) {
        run(q);
    } else if (body) {
        subscription_event ev;
        ev.body = body;
        if (sub->deliver(ev, version)) ++notifications_;
    }
    return h;
}

void subscription_hub::remove(subscriber& s) {
    std::lock_guard lock(mutex_);
    auto q = s.query.lock();
    if (!q) return;
    auto it =
        std::find_if(q->subs.begin(), q->subs.end(), [&](const auto& p) { return p.get() == &s; });
    if (it == q->subs.end()) return;
    q->subs.erase(it);
    --subscribers_;
    if (auto mine = per_owner_.find(s.owner); mine != per_owner_.end() && --mine->second == 0) {
        per_owner_.erase(mine);
    }
    if (q->subs.empty() && !q->running) forget(q);
}

void subscription_hub::forget(const std::shared_ptr<live_query>& q) {
    if (!q->listed) return;
    q->listed = false;
    kept_bytes_ -= q->kept;
    q->kept = 0;
    auto found = queries_.find(q->key);
    if (found != queries_.end() && found->second == q) queries_.erase(found);
    auto db = by_db_.find(q->spec.db_id);
    if (db != by_db_.end()) {
        db->second.erase(q->key);
        if (db->second.empty()) by_db_.erase(db);
    }
}

bool subscription_hub::still_allowed(subscriber& s, std::unordered_map<std::string, bool>& memo) {
    auto generation = e_.catalog.write_generation();
    auto now = std::chrono::steady_clock::now();
    if (generation == s.checked_generation &&
        now - s.checked_at < e_.opts.subscription_recheck_interval) {
        return true;
    }
    const auto& who = s.access.who;
    auto key = fmt::format("{} {} {} {} {}\n{}\n{}", static_cast<int>(who.kind()),
                           who.user_id(), who.session_id(), who.token_id(),
                           who.client_address(), who.readonly_id(), s.access.db_id);
    auto found = memo.find(key);
    bool ok = false;
    if (found != memo.end()) {
        ok = found->second;
    } else {
        try {
            auto fresh = auth::refresh_principal(e_, who);
            auto db = auth::resolve_database(e_, fresh, s.access.db_id);
            ok = static_cast<int>(mode_of(db.access.read, db.access.insert, db.access.modify)) ==
                 s.access.access;
        } catch (const error&) {
            ok = false;  // the session ended, the token went, the database or the access did
        }
        memo.emplace(std::move(key), ok);
    }
    if (ok) {
        s.checked_generation = generation;
        s.checked_at = now;
    }
    return ok;
}

subscription_hub::outcome subscription_hub::execute(live_query& q) {
    core::about_to_block();
    auto hosted = e_.databases.open(q.spec.db_id);
    auto s = e_.graphql_schemas.get(*hosted, q.spec.mode);
    if (s != q.validated_for) {
        // First run, or the schema changed (DDL): validate again, and see which tables.
        graphql_request r;
        r.query = q.spec.query;
        r.operation_name = q.spec.operation_name;
        r.view = q.spec.view;
        auto p = prepare_operation(e_, s, r);
        if (!p.errors.empty()) {
            throw query_ended{error_event(errc::invalid_argument, errors_json(p.errors))};
        }
        if (p.op->type != operation_type::subscription) {
            throw query_ended{
                error_event(errc::invalid_argument, message_array("not a subscription"))};
        }
        bool all = false;
        auto tables = tables_read(*s, *p.doc, *p.op, all);
        q.validated_for = s;
        q.doc = p.doc;
        q.op = p.op;
        q.stream = false;
        if (const auto* root = s->find(s->subscription_type)) {
            for (const auto& sel : p.op->selections.items) {
                const auto* f = sel.kind == selection_kind::field ? root->field(sel.name) : nullptr;
                if (f && f->role == field_role::table_stream) q.stream = true;
            }
        }
        std::lock_guard lock(mutex_);
        q.tables = std::move(tables);
        q.all_tables = all;
    }
    std::vector<error_entry> errors;
    auto variables = coerce_variables(*s, *q.op, q.spec.variables, errors);
    if (!errors.empty())
        throw query_ended{error_event(errc::invalid_argument, errors_json(errors))};
    execution_settings settings;
    settings.view = schema_view_of(q.spec.view);
    settings.file_url_id = q.spec.file_url_id;
    settings.max_rows = e_.opts.graphql_max_rows;
    settings.timeout = e_.opts.graphql_timeout;
    settings.max_response_bytes = e_.opts.graphql_max_response_bytes;
    if (q.stream) settings.stream_cursor = q.cursor;
    sqlite::memory_budget budget(e_.opts.max_request_sqlite_memory);
    auto over_budget = [&]() -> outcome {
        return {request_error_body({{fmt::format("the request needs more than {} bytes of memory; "
                                                 "select fewer rows or fields",
                                                 budget.limit()),
                                     {},
                                     {}}}),
                true, false};
    };
    ++executions_;
    execution_result result;
    try {
        result = execute_operation(*s, *q.doc, *q.op, std::move(variables), *hosted, settings);
    } catch (const error&) {
        if (budget.exceeded()) return over_budget();
        throw;
    }
    if (budget.exceeded()) return over_budget();
    if (!q.answered) {
        // A first result with no data at all (bad arguments, a limit crossed) would come
        // again after every write, unchanged: the operation ends with its errors instead, as
        // graphql-ws's `error` message (or graphql-sse's `next` then `complete`) tells.
        constexpr std::string_view no_data = "{\"data\":null";
        if (result.body.starts_with(no_data)) {
            boost::system::error_code ec;
            auto v = boost::json::parse(result.body, ec);
            const auto* listed = !ec && v.is_object() ? v.as_object().if_contains("errors") : nullptr;
            if (listed && listed->is_array() && !listed->as_array().empty()) {
                throw query_ended{
                    error_event(errc::invalid_argument, boost::json::serialize(*listed))};
            }
        }
        q.answered = true;
    }
    outcome out{std::move(result.body), true, false};
    if (q.stream) {
        // The next batch starts after this one's last row; an empty batch sends nothing (but
        // the first result always goes out).
        if (result.stream_last) q.cursor = std::move(result.stream_last);
        out.send = result.stream_rows > 0 || !q.body_sent;
        out.again = result.stream_full;
        q.body_sent = true;
    }
    return out;
}

void subscription_hub::run(const std::shared_ptr<live_query>& q) {
    outcome result;
    std::optional<subscription_event> end;
    try {
        result = execute(*q);
    } catch (const query_ended& x) {
        end = x.ev;
    } catch (const error& x) {
        end = error_event(x.code(), message_array(x.code() == errc::not_found
                                                      ? "the database was deleted or given a new id"
                                                      : x.what()));
    } catch (const std::exception& x) {
        end = error_event(errc::internal, message_array("internal error"));
        std::fprintf(stderr, "airsql: live query failed: %s\n", x.what());
    }
    if (end) {
        end_query(q, *end);
        return;
    }
    auto& body = result.body;
    auto h = std::hash<std::string>{}(body);
    std::vector<std::shared_ptr<subscriber>> targets;
    std::shared_ptr<const std::string> shared;
    std::uint64_t version = 0;
    bool too_big = false;
    {
        std::lock_guard lock(mutex_);
        if (result.again) q->dirty = true;
        if (q->stream && q->cursor && !q->rekeyed) {
            // A stream that moved on is no longer what a newcomer with the same initial
            // cursor asks for: it keeps running under a key of its own.
            q->rekeyed = true;
            auto found = queries_.find(q->key);
            if (found != queries_.end() && found->second == q) {
                queries_.erase(found);
                by_db_[q->spec.db_id].erase(q->key);
                q->key += fmt::format("\n#moved {}", ++own_keys_);
                queries_[q->key] = q;
                by_db_[q->spec.db_id].insert(q->key);
            }
        }
        // Nothing is sent when the result did not change.
        if (result.send && (!q->body || h != q->hash || *q->body != body)) {
            if (q->listed && kept_bytes_ - q->kept + body.size() > e_.opts.max_live_result_bytes) {
                too_big = true;
            } else {
                if (q->listed) {
                    kept_bytes_ = kept_bytes_ - q->kept + body.size();
                    q->kept = body.size();
                }
                q->hash = h;
                q->body = std::make_shared<const std::string>(std::move(body));
                ++q->version;
                targets = q->subs;
                shared = q->body;
                version = q->version;
            }
        }
    }
    if (too_big) {
        end_query(q, error_event(errc::resource_exhausted,
                                 message_array(fmt::format(
                                     "live queries may keep at most {} bytes of results in all, "
                                     "and this result does not fit; select fewer rows or fields",
                                     e_.opts.max_live_result_bytes))));
        return;
    }
    subscription_event ev;
    ev.body = shared;
    std::unordered_map<std::string, bool> verdicts;
    std::vector<std::shared_ptr<subscriber>> denied;
    for (const auto& t : targets) {
        if (!still_allowed(*t, verdicts)) {
            denied.push_back(t);
            continue;
        }
        if (t->deliver(ev, version)) ++notifications_;
    }
    for (const auto& t : denied) {
        t->deliver(error_event(errc::permission_denied,
                               message_array("your access to this database ended or changed; "
                                             "subscribe again")),
                   0);
        remove(*t);
    }
    bool again = false;
    {
        std::lock_guard lock(mutex_);
        if (q->dirty && !q->subs.empty() && !q->ended) {
            q->dirty = false;
            again = true;
        } else {
            q->running = false;
            q->dirty = false;
            if (q->subs.empty()) forget(q);
        }
    }
    if (again) dispatch(q);
}

void subscription_hub::dispatch(const std::shared_ptr<live_query>& q) {
    std::function<void(std::string, std::function<void()>)> post;
    {
        std::lock_guard lock(mutex_);
        post = post_;
    }
    if (!post) {
        run(q);
        return;
    }
    std::weak_ptr<bool> alive = alive_;
    post("live " + q->spec.db_id, [this, alive, q] {
        auto a = alive.lock();
        if (a && *a) run(q);
    });
}

void subscription_hub::end_query(const std::shared_ptr<live_query>& q, subscription_event ev) {
    std::vector<std::shared_ptr<subscriber>> targets;
    {
        std::lock_guard lock(mutex_);
        q->ended = true;
        q->running = false;
        targets = std::move(q->subs);
        q->subs.clear();
        subscribers_ -= targets.size();
        for (const auto& t : targets) {
            auto mine = per_owner_.find(t->owner);
            if (mine != per_owner_.end() && --mine->second == 0) per_owner_.erase(mine);
        }
        forget(q);
    }
    for (const auto& t : targets) t->deliver(ev, 0);
}

void subscription_hub::on_commit(const std::string& db_id, const database::commit_touch& touched) {
    std::vector<std::shared_ptr<live_query>> due;
    {
        std::lock_guard lock(mutex_);
        auto it = by_db_.find(db_id);
        if (it == by_db_.end()) return;
        std::set<std::string> changed;
        for (const auto& t : touched.tables) changed.insert(core::ascii_lower(t));
        for (const auto& key : it->second) {
            auto& q = queries_.at(key);
            bool hit = touched.all || q->all_tables;
            for (auto t = q->tables.begin(); !hit && t != q->tables.end(); ++t)
                hit = changed.count(*t) > 0;
            if (!hit) continue;
            if (needs_dispatch(*q)) due.push_back(q);
        }
    }
    for (const auto& q : due) dispatch(q);
}

bool subscription_hub::needs_dispatch(live_query& q) {
    if (q.running) {
        q.dirty = true;  // the run under way runs again when it ends
        return false;
    }
    q.running = true;
    return true;
}

void subscription_hub::on_gone(const std::string& db_id) {
    std::vector<std::shared_ptr<live_query>> gone;
    {
        std::lock_guard lock(mutex_);
        auto it = by_db_.find(db_id);
        if (it == by_db_.end()) return;
        for (const auto& key : it->second) gone.push_back(queries_.at(key));
    }
    for (const auto& q : gone) {
        end_query(q, error_event(errc::not_found,
                                 message_array("the database was deleted or given a new id")));
    }
}

void subscription_hub::on_readonly_id(const std::string& db_id, const std::string& readonly_id) {
    std::vector<std::shared_ptr<live_query>> due;
    {
        std::lock_guard lock(mutex_);
        auto it = by_db_.find(db_id);
        if (it == by_db_.end()) return;
        std::vector<std::shared_ptr<live_query>> all;
        for (const auto& key : it->second) all.push_back(queries_.at(key));
        for (auto& q : all) {
            // A key of its own: a newcomer with the new id may already have one like it.
            queries_.erase(q->key);
            it->second.erase(q->key);
            q->spec.file_url_id = readonly_id;
            q->key = q->spec.key() + fmt::format("\n#read-only id {}", ++own_keys_);
            queries_[q->key] = q;
            it->second.insert(q->key);
            if (needs_dispatch(*q)) due.push_back(q);
        }
    }
    for (const auto& q : due) dispatch(q);
}

void subscription_hub::end_all() {
    std::vector<std::shared_ptr<live_query>> all;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [key, q] : queries_) all.push_back(q);
    }
    subscription_event ev;
    ev.k = subscription_event::kind::complete;
    for (const auto& q : all) end_query(q, ev);
}

void subscription_hub::set_dispatcher(
    std::function<void(std::string, std::function<void()>)> post) {
    std::lock_guard lock(mutex_);
    post_ = std::move(post);
}

subscription_statistics subscription_hub::stats() {
    std::lock_guard lock(mutex_);
    subscription_statistics s;
    s.subscriptions = subscribers_;
    s.live_queries = queries_.size();
    s.executions = executions_.load();
    s.notifications = notifications_.load();
    return s;
}

}  // namespace airsql::graphql

namespace airsql {

graphql_start start_graphql(engine& eng, const principal& who, std::string_view db_id,
                            const graphql_request& sent, subscription_sink sink) {
    auto& e = eng.internals();
    if (sent.query.size() > e.opts.graphql_max_document_bytes) {
        throw error(errc::invalid_argument,
                    fmt::format("the GraphQL document is larger than {} bytes",
                                e.opts.graphql_max_document_bytes));
    }
    // Read before the access check: a catalog write after it makes the first delivery check
    // again.
    auto generation = e.catalog.write_generation();
    auto db = auth::resolve_database(e, who, db_id);
    auto mode = graphql::mode_of(db.access.read, db.access.insert, db.access.modify);
    core::about_to_block();
    graphql_start out;
    std::optional<graphql_request> resolved;
    if (auto refusal = graphql::resolve_persisted_query(e.graphql_persisted, db.record.id, sent, resolved)) {
        out.response = std::move(*refusal);
        return out;
    }
    const graphql_request& request = resolved ? *resolved : sent;
    {
        auto hosted = e.databases.open(db.record.id);
        auto schema = e.graphql_schemas.get(*hosted, mode);
        auto p = graphql::prepare_operation(e, schema, request);
        auto fail = [&](const std::vector<graphql::error_entry>& errors) {
            out.response = graphql_response{
                graphql::request_error_body(errors, !request.request_errors_without_data), true,
                false};
            return out;
        };
        if (!p.errors.empty()) return fail(p.errors);
        if (p.op->type != graphql::operation_type::subscription) {
            out.response = execute_graphql(eng, who, db_id, request);
            return out;
        }
        std::vector<graphql::error_entry> errors;
        graphql::coerce_variables(*schema, *p.op, request.variables, errors);
        if (!errors.empty()) return fail(errors);
    }
    graphql::live_spec spec;
    spec.db_id = db.record.id;
    spec.mode = mode;
    spec.view = request.view;
    spec.file_url_id = db.record.readonly_id;
    spec.query = request.query;
    spec.operation_name = request.operation_name;
    spec.variables = request.variables;
    graphql::subscriber_access access{who, std::string(db_id), static_cast<int>(mode), generation};
    out.subscription =
        e.subscriptions.subscribe(std::move(spec), std::move(access), std::move(sink));
    return out;
}

int graphql_access(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    return static_cast<int>(graphql::mode_of(db.access.read, db.access.insert, db.access.modify));
}

void set_subscription_dispatcher(
    engine& eng, std::function<void(std::string key, std::function<void()> job)> post) {
    eng.internals().subscriptions.set_dispatcher(std::move(post));
}

subscription_statistics subscription_stats(engine& eng) {
    return eng.internals().subscriptions.stats();
}

void end_all_subscriptions(engine& eng) { eng.internals().subscriptions.end_all(); }

}  // namespace airsql
