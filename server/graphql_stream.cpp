// SPDX-License-Identifier: Apache-2.0
#include "graphql_stream.hpp"

#include <fmt/format.h>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <deque>
#include <iostream>
#include <memory>
#include <unordered_map>

#include "airsql/error.hpp"
#include "airsql/graphql.hpp"
#include "airsql/principal.hpp"
#include "airsql/subscriptions.hpp"
#include "graphql_ws_protocol.hpp"
#include "http_error.hpp"
#include "router.hpp"

namespace airsql::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace gws = graphql_ws;
using namespace std::chrono_literals;

std::uint64_t open_streams::add(std::function<void()> close_going_away) {
    std::lock_guard lock(mutex_);
    auto id = ++next_;
    open_.emplace(id, std::move(close_going_away));
    return id;
}

void open_streams::remove(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    open_.erase(id);
}

void open_streams::close_all() {
    std::vector<std::function<void()>> all;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, fn] : open_) all.push_back(fn);
    }
    for (auto& fn : all) fn();
}

std::size_t open_streams::size() {
    std::lock_guard lock(mutex_);
    return open_.size();
}

std::optional<graphql_target> graphql_target_of(std::string_view target) {
    auto path = target.substr(0, target.find('?'));
    for (auto [prefix, readonly] :
         {std::pair<std::string_view, bool>{"/dbs/", false}, {"/readonly/", true}}) {
        if (!path.starts_with(prefix)) continue;
        auto rest = path.substr(prefix.size());
        auto slash = rest.find('/');
        if (slash == std::string_view::npos || slash == 0 || rest.substr(slash) != "/graphql")
            return std::nullopt;
        auto id = rest.substr(0, slash);
        for (char c : id) {
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_')
                return std::nullopt;
        }
        return graphql_target{std::string(id), readonly};
    }
    return std::nullopt;
}

namespace {

introspection_view view_of(const http_request& req) {
    auto header = req.header("X-Airsql-Schema");
    auto target = std::string_view(req.target);
    auto query = target.find('?') == std::string_view::npos ? std::string_view()
                                                            : target.substr(target.find('?'));
    if (contains_ascii_ci(header, "airgql") || query.find("schema=airgql") != std::string_view::npos) {
        return introspection_view::airgql_compatible;
    }
    if (contains_ascii_ci(header, "current") || query.find("schema=current") != std::string_view::npos) {
        return introspection_view::current;
    }
    return introspection_view::full;
}

// "Bearer x" or "x" → "x".
std::string bearer_of(std::string_view v) {
    if (v.size() >= 7 && contains_ascii_ci(v.substr(0, 7), "bearer ")) v.remove_prefix(7);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
    return std::string(v);
}

// Who the stream's client is: the read-only id of the URL, else the credentials.
principal authorize(engine& eng, const graphql_target& target, const credentials& creds) {
    if (target.readonly) return principal::readonly_link(target.db_id);
    return authenticate(eng, creds);
}

// Messages waiting for a slow socket, bounded by bytes.
struct outbox {
    std::deque<std::string> items;
    std::size_t bytes = 0;
    // One message always fits in an empty queue (a large result is not a slow client).
    bool push(std::string m, std::size_t cap) {
        if (!items.empty() && bytes + m.size() > cap) return false;
        bytes += m.size();
        items.push_back(std::move(m));
        return true;
    }
    std::string pop() {
        auto m = std::move(items.front());
        items.pop_front();
        bytes -= m.size();
        return m;
    }
    void clear() {
        items.clear();
        bytes = 0;
    }
};

// ---------------------------------------------------------------- graphql-ws

class ws_session : public std::enable_shared_from_this<ws_session> {
  public:
    ws_session(beast::tcp_stream& stream, graphql_target target, stream_env& env, std::string key,
               credentials creds, std::string address)
        : ws_(stream),
          ex_(stream.get_executor()),
          wake_(ex_),
          init_timer_(ex_),
          tick_(ex_),
          target_(std::move(target)),
          env_(env),
          key_(std::move(key)),
          creds_(std::move(creds)),
          address_(std::move(address)) {}

    asio::awaitable<void> run(http::request<http::string_body> upgrade) {
        auto self = shared_from_this();
        beast::get_lowest_layer(ws_).expires_never();
        websocket::stream_base::timeout t{};
        t.handshake_timeout = 10s;
        t.idle_timeout = websocket::stream_base::none();
        t.keep_alive_pings = false;
        ws_.set_option(t);
        // The message size limit is checked here, not by Beast: Beast answers an oversized
        // message with close 1009 and then tears the connection down after reading at most one
        // more piece of it (Boost 1.81), so a client still sending the rest got a reset (1006)
        // instead of the close frame. See read_message().
        ws_.read_message_max(0);
        bool offered = false;
        {
            std::string_view protocols = upgrade[http::field::sec_websocket_protocol];
            while (!protocols.empty()) {
                auto comma = protocols.find(',');
                auto p = protocols.substr(0, comma);
                while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
                while (!p.empty() && p.back() == ' ') p.remove_suffix(1);
                if (p == gws::subprotocol) offered = true;
                if (comma == std::string_view::npos) break;
                protocols.remove_prefix(comma + 1);
            }
        }
        ws_.set_option(websocket::stream_base::decorator([offered](websocket::response_type& res) {
            res.set(http::field::server, "airsql");
            if (offered) res.set(http::field::sec_websocket_protocol, gws::subprotocol);
        }));
        auto [ec] = co_await ws_.async_accept(upgrade, asio::as_tuple(asio::use_awaitable));
        if (ec) co_return;
        std::weak_ptr<ws_session> weak = self;
        stream_id_ = env_.streams.add([weak, ex = ex_] {
            asio::post(ex, [weak] {
                if (auto s = weak.lock()) s->close(gws::going_away, "the server is stopping");
            });
        });
        asio::co_spawn(ex_, writer(), asio::detached);
        asio::co_spawn(ex_, ticker(), asio::detached);
        if (!offered) {
            close(gws::subprotocol_not_acceptable, "Subprotocol not acceptable");
        } else {
            asio::co_spawn(ex_, init_watch(), asio::detached);
        }
        for (;;) {
            beast::flat_buffer buffer;
            auto rec = co_await read_message(buffer);
            if (rec) break;
            if (closing_) continue;  // until the close handshake ends the reads
            if (!ws_.got_text()) {
                close(gws::bad_request, "Invalid message received: binary frame");
                continue;
            }
            on_message(beast::buffers_to_string(buffer.data()));
        }
        done_ = true;
        if (drop_deadline_) drop_deadline_->cancel();
        init_timer_.cancel();
        tick_.cancel();
        for (auto& [id, sub] : subs_) {
            if (sub) sub->cancel();
        }
        subs_.clear();
        wake_.cancel();
        // The writer ends once it sees done_; wait for it (it may be in a write).
        while (!writer_done_) {
            asio::steady_timer pause(ex_, 5ms);
            co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        }
        env_.streams.remove(stream_id_);
    }

  private:
    // Reads one message into `buffer`, piece by piece. A message longer than the limit is
    // answered with close 1009; the rest of it (and whatever follows until the client's close
    // frame) is read and dropped, so the socket never closes with the client's bytes unread
    // (that would reset the connection and the client would see 1006, not the close frame).
    // The dropping ends after 2 s: a client that keeps sending past that is cut off. (After
    // the close frame Beast's close operation does the reading, so the bytes dropped cannot be
    // counted here; time is the bound.)
    asio::awaitable<beast::error_code> read_message(beast::flat_buffer& buffer) {
        constexpr std::size_t piece = 64 * 1024;
        do {
            auto [ec, n] =
                co_await ws_.async_read_some(buffer, piece, asio::as_tuple(asio::use_awaitable));
            if (ec) co_return ec;
            if (dropping_) {
                buffer.clear();
                continue;
            }
            if (buffer.size() > env_.opts.max_message_bytes) {
                buffer.clear();
                start_dropping();
                close(1009, "Message too big");
            }
        } while (!ws_.is_message_done());
        co_return beast::error_code{};
    }

    void start_dropping() {
        if (dropping_) return;
        dropping_ = true;
        drop_deadline_ = std::make_unique<asio::steady_timer>(ex_, 2s);
        std::weak_ptr<ws_session> weak = shared_from_this();
        drop_deadline_->async_wait([weak](beast::error_code ec) {
            if (auto s = weak.lock(); s && !ec) s->cut_off();
        });
    }

    // Ends the connection at once (a client still sending after close 1009).
    void cut_off() {
        beast::error_code ignored;
        beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                                       ignored);
        beast::get_lowest_layer(ws_).socket().close(ignored);
    }

    void send(std::string m) {
        if (closing_ || done_) return;
        if (!queue_.push(std::move(m), env_.opts.max_queued_bytes)) {
            close(gws::slow_consumer, "Too slow: the outgoing queue is full");
            return;
        }
        wake_.cancel();
    }

    void close(unsigned short code, std::string reason) {
        if (closing_ || done_) return;
        closing_ = true;
        if (code >= 4400) std::cerr << fmt::format("websocket close {} {}\n", code, reason);
        if (code == gws::slow_consumer && writing_) {
            // The client does not read: a close frame would wait behind the stuck write.
            beast::error_code ignored;
            beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                                           ignored);
        }
        if (reason.size() > 120) reason.resize(120);
        close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
        queue_.clear();
        for (auto& [id, sub] : subs_) {
            if (sub) sub->cancel();
        }
        subs_.clear();
        wake_.cancel();
    }

    asio::awaitable<void> writer() {
        auto self = shared_from_this();
        for (;;) {
            if (closing_) {
                writing_since_ = std::chrono::steady_clock::now();
                writing_ = true;
                co_await ws_.async_close(close_reason_, asio::as_tuple(asio::use_awaitable));
                writing_ = false;
                break;
            }
            if (queue_.items.empty()) {
                if (done_) break;
                wake_.expires_at(asio::steady_timer::time_point::max());
                co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
                continue;
            }
            auto m = queue_.pop();
            ws_.text(true);
            writing_since_ = std::chrono::steady_clock::now();
            writing_ = true;
            auto [ec, n] =
                co_await ws_.async_write(asio::buffer(m), asio::as_tuple(asio::use_awaitable));
            writing_ = false;
            if (ec) break;
        }
        writer_done_ = true;
        if (!done_) {
            // The socket is done for: end the reads too.
            beast::error_code ignored;
            beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both,
                                                           ignored);
        }
    }

    // Once a second: a write stuck past the write timeout drops the client; credentials are
    // checked again every recheck interval.
    asio::awaitable<void> ticker() {
        auto self = shared_from_this();
        auto next_check = std::chrono::steady_clock::now() + env_.opts.recheck_interval;
        while (!done_) {
            tick_.expires_after(
                std::min<std::chrono::steady_clock::duration>(1s, env_.opts.recheck_interval));
            co_await tick_.async_wait(asio::as_tuple(asio::use_awaitable));
            if (done_) break;
            auto now = std::chrono::steady_clock::now();
            if (writing_ && now - writing_since_ > env_.opts.write_timeout) {
                closing_ = true;
                beast::error_code ignored;
                beast::get_lowest_layer(ws_).socket().close(ignored);
                break;
            }
            if (acked_ && now >= next_check && !checking_) {
                next_check = now + env_.opts.recheck_interval;
                recheck();
            }
        }
    }

    asio::awaitable<void> init_watch() {
        auto self = shared_from_this();
        init_timer_.expires_after(env_.opts.init_timeout);
        auto [ec] = co_await init_timer_.async_wait(asio::as_tuple(asio::use_awaitable));
        if (!ec && !init_seen_) close(gws::init_timeout, "Connection initialisation timeout");
    }

    void recheck() {
        checking_ = true;
        auto self = shared_from_this();
        // A queue of its own: behind the client's own slow jobs the check could wait long.
        env_.submit("recheck " + key_, [self] {
            std::optional<std::string> refused;
            try {
                auto who = authorize(self->env_.eng, self->target_, self->creds_);
                if (graphql_access(self->env_.eng, who, self->target_.db_id) != self->access_) {
                    refused = "Forbidden: the access to this database changed";
                }
            } catch (const error& e) {
                refused = std::string("Forbidden: ") + e.what();
            }
            asio::post(self->ex_, [self, refused] {
                self->checking_ = false;
                if (refused) self->close(gws::forbidden, *refused);
            });
        });
    }

    void on_message(const std::string& text) {
        auto parsed = gws::parse_client_message(text);
        if (!parsed.message) {
            close(gws::bad_request, parsed.error);
            return;
        }
        auto& m = *parsed.message;
        switch (m.type) {
            case gws::message_type::connection_init:
                return on_init(m);
            case gws::message_type::ping:
                send(m.has_payload ? "{\"type\":\"pong\",\"payload\":" +
                                         boost::json::serialize(m.payload) + "}"
                                   : gws::simple_message("pong"));
                return;
            case gws::message_type::pong:
                return;
            case gws::message_type::subscribe:
                return on_subscribe(m);
            case gws::message_type::complete: {
                auto it = subs_.find(m.id);
                if (it == subs_.end()) return;
                if (it->second) it->second->cancel();
                subs_.erase(it);
                return;
            }
        }
    }

    void on_init(const gws::client_message& m) {
        if (init_seen_) {
            close(gws::too_many_inits, "Too many initialisation requests");
            return;
        }
        init_seen_ = true;
        init_timer_.cancel();
        // connectionParams: {"Authorization": "Bearer …"} (or "authorization", or inside
        // "headers"), else the upgrade request's header or session cookie.
        const boost::json::object* params = &m.payload;
        if (const auto* h = m.payload.if_contains("headers"); h && h->is_object())
            params = &h->get_object();
        for (const auto* name : {"Authorization", "authorization"}) {
            const auto* v = params->if_contains(name);
            if (!v) v = m.payload.if_contains(name);
            if (v && v->is_string()) {
                creds_.bearer = bearer_of(v->get_string());
                creds_.session_cookie.clear();
                break;
            }
        }
        auto self = shared_from_this();
        env_.submit(key_, [self] {
            std::optional<std::string> refused;
            principal who;
            int access = -1;
            try {
                who = authorize(self->env_.eng, self->target_, self->creds_);
                access = graphql_access(self->env_.eng, who, self->target_.db_id);
            } catch (const error& e) {
                refused = std::string("Forbidden: ") + e.what();
            }
            asio::post(self->ex_, [self, refused, access] {
                if (refused) {
                    self->close(gws::forbidden, *refused);
                    return;
                }
                self->access_ = access;
                self->acked_ = true;
                self->send(gws::simple_message("connection_ack"));
            });
        });
    }

    void on_subscribe(gws::client_message& m) {
        if (!acked_) {
            close(gws::unauthorized, "Unauthorized");
            return;
        }
        if (subs_.count(m.id)) {
            close(gws::subscriber_exists, "Subscriber for " + m.id + " already exists");
            return;
        }
        if (subs_.size() >= env_.opts.max_subscriptions_per_connection) {
            send(gws::error_message(m.id, gws::message_errors(fmt::format(
                                              "this connection holds its maximum of {} operations",
                                              env_.opts.max_subscriptions_per_connection))));
            return;
        }
        // Until it has started (a subscription) or answered (a query, a mutation), an operation
        // counts against its address's requests in progress, as an HTTP request does: 100
        // operations on each of 256 sockets would otherwise queue 25,600 jobs per address.
        if (!env_.requests.try_begin(address_)) {
            send(gws::error_message(
                m.id, gws::message_errors("too many requests from your address at once; try "
                                          "again when some have answered")));
            return;
        }
        subs_.emplace(m.id, nullptr);
        auto self = shared_from_this();
        auto id = m.id;
        auto request = std::move(m.request);
        request.view = view_;
        env_.submit(key_, [self, id, request = std::move(request)] {
            struct counted {
                ws_session& s;
                ~counted() { s.env_.requests.end(s.address_); }
            } in_progress{*self};
            std::weak_ptr<ws_session> weak = self;
            auto ex = self->ex_;
            auto sink = [weak, ex, id](subscription_event ev) {
                asio::post(ex, [weak, id, ev = std::move(ev)] {
                    if (auto s = weak.lock()) s->on_event(id, ev);
                });
            };
            try {
                auto who = authorize(self->env_.eng, self->target_, self->creds_);
                auto started =
                    start_graphql(self->env_.eng, who, self->target_.db_id, request, sink);
                asio::post(ex, [self, id, started = std::move(started)]() mutable {
                    self->on_started(id, std::move(started));
                });
            } catch (const error& e) {
                asio::post(ex, [self, id, code = e.code(), what = std::string(e.what())] {
                    self->on_start_failed(id, code, what);
                });
            } catch (const std::exception& e) {
                std::cerr << "graphql-ws subscribe failed: " << e.what() << '\n';
                asio::post(ex, [self, id] {
                    self->on_start_failed(id, errc::internal, "internal error");
                });
            }
        });
    }

    void on_event(const std::string& id, const subscription_event& ev) {
        auto it = subs_.find(id);
        if (it == subs_.end()) return;
        switch (ev.k) {
            case subscription_event::kind::next:
                send(gws::next_message(id, *ev.body));
                return;
            case subscription_event::kind::error:
                subs_.erase(it);
                send(gws::error_message(id, *ev.body));
                return;
            case subscription_event::kind::complete:
                subs_.erase(it);
                send(gws::complete_message(id));
                return;
        }
    }

    void on_started(const std::string& id, graphql_start started) {
        auto it = subs_.find(id);
        if (it == subs_.end()) {
            // Completed by the client meanwhile (or the socket is closing).
            if (started.subscription) started.subscription->cancel();
            return;
        }
        if (started.response) {
            subs_.erase(it);
            if (started.response->request_error) {
                send(gws::error_message(id, gws::errors_of(started.response->body)));
            } else {
                send(gws::next_message(id, started.response->body));
                send(gws::complete_message(id));
            }
            return;
        }
        it->second = std::move(started.subscription);
    }

    void on_start_failed(const std::string& id, errc code, const std::string& what) {
        auto it = subs_.find(id);
        if (it == subs_.end()) return;
        subs_.erase(it);
        if (code == errc::unauthenticated) {
            close(gws::forbidden, "Forbidden: " + what);
            return;
        }
        send(gws::error_message(id, gws::message_errors(what)));
    }

  public:
    introspection_view view_ = introspection_view::full;

  private:
    websocket::stream<beast::tcp_stream&> ws_;
    asio::any_io_executor ex_;
    asio::steady_timer wake_;
    asio::steady_timer init_timer_;
    asio::steady_timer tick_;
    graphql_target target_;
    stream_env& env_;
    std::string key_;
    credentials creds_;
    std::string address_;
    std::uint64_t stream_id_ = 0;
    outbox queue_;
    std::unordered_map<std::string, std::shared_ptr<graphql_subscription>> subs_;
    int access_ = -1;
    bool init_seen_ = false;
    bool acked_ = false;
    bool closing_ = false;
    bool dropping_ = false;  // after close 1009: reading and dropping what the client still sends
    std::unique_ptr<asio::steady_timer> drop_deadline_;
    bool done_ = false;
    bool writer_done_ = false;
    bool writing_ = false;
    bool checking_ = false;
    std::chrono::steady_clock::time_point writing_since_{};
    websocket::close_reason close_reason_;
};

// ---------------------------------------------------------------- graphql-sse

std::string sse_event(std::string_view event, std::string_view data) {
    std::string out = "event: ";
    out += event;
    out += "\ndata:";
    if (!data.empty()) {
        out += ' ';
        out += data;
    }
    out += "\n\n";
    return out;
}

struct sse_state {
    explicit sse_state(asio::any_io_executor ex) : wake(ex) {}
    asio::steady_timer wake;
    outbox queue;
    bool ended = false;    // complete or error queued: nothing more comes
    bool dropped = false;  // too slow, or gone
};

}  // namespace

asio::awaitable<void> serve_graphql_ws(beast::tcp_stream& stream,
                                       http::request<http::string_body> upgrade,
                                       graphql_target target, stream_env& env,
                                       std::string queue_key, std::string client_address) {
    http_request head;
    head.method = std::string(upgrade.method_string());
    head.target = std::string(upgrade.target());
    for (const auto& f : upgrade)
        head.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    credentials creds;
    try {
        // A WebSocket is not bound by the same-origin policy: a cookie session counts as
        // state-changing, so another site's page cannot use it.
        creds = credentials_of(head, true);
    } catch (const error&) {
        // A malformed header: connectionParams may still bring credentials.
    }
    auto session = std::make_shared<ws_session>(stream, std::move(target), env,
                                                std::move(queue_key), std::move(creds),
                                                std::move(client_address));
    session->view_ = view_of(head);
    co_await session->run(std::move(upgrade));
}

namespace {

// The GraphQL request of an event-stream request: the JSON body of a POST, or a GET's
// GraphQL-over-HTTP parameters, which is what a browser's EventSource can send.
graphql_request sse_request(const http_request& request) {
    if (request.method != "GET") {
        return boost::json::value_to<graphql_request>(boost::json::parse(request.body));
    }
    auto url = boost::urls::parse_origin_form(request.target);
    if (!url) throw error(errc::invalid_argument, "malformed request target");
    return graphql_get_request([&](std::string_view name) -> std::optional<std::string> {
        for (auto p : url->params()) {
            if (p.key == name) return std::string(p.value);
        }
        return std::nullopt;
    });
}

}  // namespace

bool wants_event_stream(const http_request& req, std::size_t max_document_bytes) {
    if (req.method != "POST" && req.method != "GET") return false;
    // Named explicitly, and preferred over the JSON types: urql sends "application/graphql-
    // response+json, application/graphql+json, application/json, text/event-stream, …" on
    // every request and expects JSON for queries; graphql-sse and EventSource name
    // text/event-stream alone.
    auto accept = req.header("Accept");
    auto stream = accept_quality(accept, "text/event-stream", false);
    if (stream <= 0) return false;
    auto json = std::max({accept_quality(accept, "application/json", true),
                          accept_quality(accept, "application/graphql-response+json", true)});
    if (stream != json) return stream > json;
    // Ranked alike (urql's subscriptions over fetch): a subscription can only be answered
    // as a stream, anything else is answered as JSON. Only a document naming
    // `subscription` is parsed to tell.
    auto text = req.method == "GET" ? std::string_view(req.target) : std::string_view(req.body);
    if (text.find("subscription") == std::string_view::npos) return false;
    try {
        return selects_subscription(sse_request(req), max_document_bytes);
    } catch (const std::exception&) {
        return false;  // not a GraphQL request: the JSON route says why
    }
}


asio::awaitable<void> serve_graphql_sse(beast::tcp_stream& stream, http_request request,
                                        graphql_target target, stream_env& env,
                                        std::string queue_key) {
    auto ex = stream.get_executor();
    auto state = std::make_shared<sse_state>(ex);
    auto cap = env.opts.max_queued_bytes;
    // Start the operation on the workers; events come back to this strand.
    std::optional<graphql_start> started;
    std::optional<http_response> refusal;
    co_await asio::async_initiate<const asio::use_awaitable_t<>, void()>(
        [&](auto handler) {
            auto resume = std::make_shared<decltype(handler)>(std::move(handler));
            env.submit(queue_key, [&, resume, ex] {
                auto sink = [state, ex, cap](subscription_event ev) {
                    asio::post(ex, [state, cap, ev = std::move(ev)] {
                        if (state->ended || state->dropped) return;
                        bool ok = true;
                        if (ev.k == subscription_event::kind::next) {
                            ok = state->queue.push(sse_event("next", *ev.body), cap);
                        } else {
                            if (ev.k == subscription_event::kind::error) {
                                ok = state->queue.push(
                                    sse_event("next", "{\"errors\":" + *ev.body + "}"), cap);
                            }
                            state->queue.push(sse_event("complete", ""), cap + 64);
                            state->ended = true;
                        }
                        if (!ok) state->dropped = true;
                        state->wake.cancel();
                    });
                };
                try {
                    auto req = sse_request(request);
                    req.view = view_of(request);
                    auto who = authorize(env.eng, target, credentials_of(request, true));
                    started = start_graphql(env.eng, who, target.db_id, req, sink);
                } catch (const error& e) {
                    refusal = error_response(e);
                } catch (const std::exception&) {
                    refusal = error_response(400, "invalid_argument",
                                             "the body must be a JSON GraphQL request");
                }
                asio::post(ex, [resume] { std::move (*resume)(); });
            });
        },
        asio::use_awaitable);
    if (refusal) {
        http::response<http::string_body> res{static_cast<http::status>(refusal->status), 11};
        res.set(http::field::server, "airsql");
        res.set(http::field::content_type, refusal->content_type);
        res.keep_alive(false);
        res.body() = refusal->body;
        res.prepare_payload();
        stream.expires_after(env.opts.write_timeout);
        co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        co_return;
    }
    auto write = [&](std::string data) -> asio::awaitable<bool> {
        stream.expires_after(env.opts.write_timeout);
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(data),
                                                  asio::as_tuple(asio::use_awaitable));
        co_return !ec;
    };
    std::string head =
        "HTTP/1.1 200 OK\r\nServer: airsql\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
        "Cache-Control: no-cache\r\nConnection: close\r\n\r\n";
    if (started->response) {
        const auto& r = *started->response;
        co_await write(head + sse_event("next", r.body) + sse_event("complete", ""));
        co_return;
    }
    auto subscription = started->subscription;
    if (!co_await write(std::move(head))) {
        subscription->cancel();
        co_return;
    }
    // The client's side of the connection: EOF (or anything) ends the stream.
    auto gone = std::make_shared<bool>(false);
    asio::co_spawn(
        ex,
        [&stream, state, gone]() -> asio::awaitable<void> {
            char byte[256];
            for (;;) {
                auto [ec, n] = co_await stream.socket().async_read_some(
                    asio::buffer(byte), asio::as_tuple(asio::use_awaitable));
                if (ec || *gone) break;
            }
            *gone = true;
            state->wake.cancel();
        },
        asio::detached);
    // A stopping server ends the stream without `complete`: to graphql-sse's client that is a
    // lost connection, which it retries (as graphql-ws's retries close 1001), where `complete`
    // would have told it the operation had finished for good.
    auto stream_id = env.streams.add([state, ex] {
        asio::post(ex, [state] {
            if (state->ended) return;
            state->dropped = true;
            state->wake.cancel();
        });
    });
    for (;;) {
        if (*gone || state->dropped) break;
        if (state->queue.items.empty()) {
            if (state->ended) break;
            state->wake.expires_after(env.opts.sse_keepalive);
            auto [ec] = co_await state->wake.async_wait(asio::as_tuple(asio::use_awaitable));
            if (!ec && !*gone && !co_await write(":\n\n")) break;
            continue;
        }
        if (!co_await write(state->queue.pop())) break;
    }
    *gone = true;
    subscription->cancel();
    env.streams.remove(stream_id);
    beast::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    // Let the reader coroutine see the end before the stream goes.
    asio::steady_timer t(ex, 20ms);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
}

}  // namespace airsql::server
