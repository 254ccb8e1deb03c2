// SPDX-License-Identifier: Apache-2.0
// A cap on the SQLite memory of one request. SQLite's own heap limit is process-wide: one
// tenant's large query would make every other tenant's queries fail. airsql's allocator wraps
// SQLite's and counts, per thread, what a request allocates while a `memory_budget` is in
// force; past its limit allocations fail (SQLITE_NOMEM) for that request only.
#pragma once

#include <cstddef>
#include <cstdint>

namespace airsql::sqlite {

/// Installs the counting allocator. Must run before SQLite initialises in this process (the
/// engine does it first thing); returns false, changing nothing, when it is too late, in which
/// case budgets are not enforced. Thread-safe; later calls return the first call's result.
bool install_memory_accounting();

/// The process-wide cap on SQLite's heap, enforced by the same allocator (it replaces
/// `sqlite3_hard_heap_limit64`, whose statistics take a global mutex on every allocation):
/// past it every allocation fails (SQLITE_NOMEM) until memory is freed. Threads count in
/// steps of 256 KiB, so the cap may be passed by that much per thread. 0: no cap.
void set_heap_limit(std::int64_t bytes) noexcept;

/// SQLite memory allocated through the counting allocator and not yet freed, process-wide
/// (other threads' last counts of less than 256 KiB not included).
std::int64_t heap_used_bytes() noexcept;

/// While alive, caps the SQLite memory the current thread allocates (net of what it frees) at
/// `limit` bytes; 0 means no cap. Nested budgets: the innermost applies. Not movable.
class memory_budget {
  public:
    explicit memory_budget(std::size_t limit);
    ~memory_budget();
    memory_budget(const memory_budget&) = delete;
    memory_budget& operator=(const memory_budget&) = delete;

    /// Whether an allocation was refused because of this budget.
    bool exceeded() const noexcept { return exceeded_; }
    std::size_t limit() const noexcept { return limit_; }

    /// Called by the allocator (internal).
    bool try_take(std::int64_t bytes) noexcept;
    void give_back(std::int64_t bytes) noexcept { used_ -= bytes; }

  private:
    std::size_t limit_;
    std::int64_t used_ = 0;
    bool exceeded_ = false;
    memory_budget* outer_;
};

}  // namespace airsql::sqlite
