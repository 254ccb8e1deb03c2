// SPDX-License-Identifier: Apache-2.0
// Bookkeeping of open connections for the server's connection caps. Plain C++ (no Asio): the
// session tells it what happens, the accept loop asks it what to do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

namespace airsql::server {

/// The open connections of the server, counted in total and per client address, with the idle
/// ones (no byte of a request received yet: new, or kept alive between requests) in the order
/// they became idle, so that at the connection cap the oldest idle one can be shed rather than
/// a new client starved. Thread-safe.
class connection_registry {
  public:
    using id = std::uint64_t;
    /// Asks one connection to close if it is still idle. Called without locks held, from any
    /// thread; must not block (post to the connection's executor).
    using shed_function = std::function<void()>;

    /// `max_connections` is the cap the accept loop keeps to; `max_per_address` the most
    /// connections one client address may hold (open() refuses more).
    connection_registry(std::size_t max_connections, std::size_t max_per_address);

    /// Registers a new connection from `address`, idle. nullopt when that address already
    /// holds `max_per_address` connections.
    std::optional<id> open(const std::string& address, shed_function shed);

    /// Unregisters a connection (its socket is closing).
    void close(id conn);

    /// Marks a connection idle (waiting for the first byte of a request) or busy.
    void set_idle(id conn, bool idle);

    /// Asks the connection idle the longest to close (it leaves the idle list at once); false
    /// when no connection is idle.
    bool shed_oldest_idle();

    /// More connections are open than the cap allows.
    bool over_cap() const;

    /// At the cap with no idle connection to shed: accepting now would only starve someone.
    bool full_and_busy() const;

    /// Called (without locks held) when a connection closes or becomes idle while the registry
    /// is at its cap, so a waiting accept loop can resume. Set before use; not thread-safe.
    void on_room(std::function<void()> notify) { on_room_ = std::move(notify); }

    std::size_t size() const;
    std::size_t max_connections() const noexcept { return max_connections_; }

  private:
    struct entry {
        std::string address;
        shed_function shed;
        bool idle = false;
        std::list<id>::iterator idle_pos;
    };

    void notify_if_full(std::unique_lock<std::mutex>& lock);

    std::size_t max_connections_;
    std::size_t max_per_address_;
    mutable std::mutex mutex_;
    id next_id_ = 1;
    std::unordered_map<id, entry> open_;
    std::unordered_map<std::string, std::size_t> per_address_;
    std::list<id> idle_;  ///< oldest first
    std::function<void()> on_room_;
};

/// What each key has in progress, refused beyond a limit: the requests of each client
/// address, the inline writes of each principal. Thread-safe.
class request_limiter {
  public:
    explicit request_limiter(std::size_t per_key) : per_key_(per_key) {}

    /// Counts one more for `key`; false (and nothing counted) at the limit.
    bool try_begin(const std::string& key);
    /// The end of one counted by try_begin.
    void end(const std::string& key);

  private:
    std::size_t per_key_;
    std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> in_progress_;
};

}  // namespace airsql::server
