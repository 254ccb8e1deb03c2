// SPDX-License-Identifier: Apache-2.0
#include "connection_registry.hpp"

namespace airsql::server {

connection_registry::connection_registry(std::size_t max_connections, std::size_t max_per_address)
    : max_connections_(max_connections), max_per_address_(max_per_address) {}

std::optional<connection_registry::id> connection_registry::open(const std::string& address,
                                                                 shed_function shed) {
    std::lock_guard lock(mutex_);
    auto& count = per_address_[address];
    if (count >= max_per_address_) {
        if (count == 0) per_address_.erase(address);
        return std::nullopt;
    }
    ++count;
    auto conn = next_id_++;
    auto& e = open_[conn];
    e.address = address;
    e.shed = std::move(shed);
    e.idle = true;
    e.idle_pos = idle_.insert(idle_.end(), conn);
    return conn;
}

void connection_registry::close(id conn) {
    std::unique_lock lock(mutex_);
    auto it = open_.find(conn);
    if (it == open_.end()) return;
    if (it->second.idle) idle_.erase(it->second.idle_pos);
    auto count = per_address_.find(it->second.address);
    if (--count->second == 0) per_address_.erase(count);
    bool was_full = open_.size() >= max_connections_;
    open_.erase(it);
    if (was_full) notify_if_full(lock);
}

void connection_registry::set_idle(id conn, bool idle) {
    std::unique_lock lock(mutex_);
    auto it = open_.find(conn);
    if (it == open_.end() || it->second.idle == idle) return;
    it->second.idle = idle;
    if (idle) {
        it->second.idle_pos = idle_.insert(idle_.end(), conn);
        if (open_.size() >= max_connections_) notify_if_full(lock);
    } else {
        idle_.erase(it->second.idle_pos);
    }
}

void connection_registry::notify_if_full(std::unique_lock<std::mutex>& lock) {
    lock.unlock();
    if (on_room_) on_room_();
}

bool connection_registry::shed_oldest_idle() {
    shed_function shed;
    {
        std::lock_guard lock(mutex_);
        if (idle_.empty()) return false;
        auto& e = open_.at(idle_.front());
        idle_.pop_front();
        e.idle = false;  // until the session says otherwise: a shed is asked only once
        shed = e.shed;
    }
    if (shed) shed();
    return true;
}

bool connection_registry::over_cap() const {
    std::lock_guard lock(mutex_);
    return open_.size() > max_connections_;
}

bool connection_registry::full_and_busy() const {
    std::lock_guard lock(mutex_);
    return open_.size() >= max_connections_ && idle_.empty();
}

std::size_t connection_registry::size() const {
    std::lock_guard lock(mutex_);
    return open_.size();
}

bool request_limiter::try_begin(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto& count = in_progress_[key];
    if (count >= per_key_) {
        if (count == 0) in_progress_.erase(key);
        return false;
    }
    ++count;
    return true;
}

void request_limiter::end(const std::string& key) {
    std::lock_guard lock(mutex_);
    auto it = in_progress_.find(key);
    if (it == in_progress_.end()) return;
    if (--it->second == 0) in_progress_.erase(it);
}

}  // namespace airsql::server
