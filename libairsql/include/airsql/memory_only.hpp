// SPDX-License-Identifier: Apache-2.0
#pragma once

namespace airsql {

/// While an instance lives on a thread, library calls on that thread answer only from
/// memory: a call that would read or write a database file, or hash a password, throws
/// `error(errc::would_block)` before doing anything. A server's I/O threads use it to answer
/// cheap requests (cached GraphQL responses) inline and hand everything else to a worker
/// pool, so no blocking work ever runs on them. Scopes nest; not copyable.
class memory_only_scope {
public:
    memory_only_scope() noexcept;
    ~memory_only_scope();
    memory_only_scope(const memory_only_scope&) = delete;
    memory_only_scope& operator=(const memory_only_scope&) = delete;

    /// Whether a scope is active on the calling thread.
    static bool active() noexcept;
};

}  // namespace airsql
