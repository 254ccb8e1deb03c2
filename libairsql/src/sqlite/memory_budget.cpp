// SPDX-License-Identifier: Apache-2.0
#include "sqlite/memory_budget.hpp"

#include <sqlite3.h>

#include <atomic>
#include <mutex>

namespace airsql::sqlite {

namespace {

sqlite3_mem_methods system_methods{};
thread_local memory_budget* current_budget = nullptr;

// The process-wide heap cap, counted here instead of by SQLite's memory statistics (which
// take a global mutex on every allocation and free). Each thread counts in its own variable
// and moves its count to the shared one in steps of `heap_step` bytes, so the threads do not
// bounce one cache line on every allocation either; the cap may thus be passed by at most
// one step per thread. 0: no cap.
constexpr std::int64_t heap_step = 256 * 1024;
std::atomic<std::int64_t> heap_limit{0};
std::atomic<std::int64_t> heap_used{0};

// This thread's allocations not yet in heap_used (may be negative: memory is often freed by
// another thread than the one that allocated it). Moved into heap_used when the thread ends,
// or the count would drift with every thread that comes and goes (spare workers, function
// runtimes' threads): downwards, loosening the cap, or upwards until SQLite runs out of
// memory that is not in use.
struct pending_count {
    std::int64_t value = 0;
    ~pending_count() {
        if (value != 0) heap_used.fetch_add(value, std::memory_order_relaxed);
    }
};
thread_local pending_count heap_pending_count;

void heap_count(std::int64_t bytes) noexcept {
    auto& pending = heap_pending_count.value;
    pending += bytes;
    if (pending > heap_step || pending < -heap_step) {
        heap_used.fetch_add(pending, std::memory_order_relaxed);
        pending = 0;
    }
}

// Counts `bytes` against the process-wide cap; false (nothing counted) when it would pass it.
bool heap_take(std::int64_t bytes) noexcept {
    auto limit = heap_limit.load(std::memory_order_relaxed);
    if (limit > 0 && bytes > 0 &&
        heap_used.load(std::memory_order_relaxed) + heap_pending_count.value + bytes > limit) {
        return false;
    }
    heap_count(bytes);
    return true;
}

void heap_give_back(std::int64_t bytes) noexcept {
    if (bytes != 0) heap_count(-bytes);
}

void* counted_malloc(int n) {
    memory_budget* budget = current_budget;
    std::int64_t reserved = system_methods.xRoundup(n);
    if (budget && !budget->try_take(reserved)) return nullptr;
    if (!heap_take(reserved)) {
        if (budget) budget->give_back(reserved);
        return nullptr;
    }
    void* p = system_methods.xMalloc(n);
    // Keep the block's real size (or nothing, if the allocation failed).
    std::int64_t surplus = reserved - (p ? system_methods.xSize(p) : 0);
    heap_give_back(surplus);
    if (budget) budget->give_back(surplus);
    return p;
}

void counted_free(void* p) {
    if (!p) return;
    std::int64_t size = system_methods.xSize(p);
    heap_give_back(size);
    if (current_budget) current_budget->give_back(size);
    system_methods.xFree(p);
}

void* counted_realloc(void* p, int n) {
    memory_budget* budget = current_budget;
    std::int64_t before = p ? system_methods.xSize(p) : 0;
    std::int64_t growth = system_methods.xRoundup(n) - before;
    if (growth > 0) {
        if (budget && !budget->try_take(growth)) return nullptr;
        if (!heap_take(growth)) {
            if (budget) budget->give_back(growth);
            return nullptr;
        }
    }
    void* q = system_methods.xRealloc(p, n);
    if (growth > 0) {
        heap_give_back(growth);
        if (budget) budget->give_back(growth);
    }
    // Count what the allocator really holds now (the old block if realloc failed).
    std::int64_t after = q ? system_methods.xSize(q) : before;
    heap_give_back(before - after);
    if (budget) budget->give_back(before - after);
    return q;
}

int system_size(void* p) { return system_methods.xSize(p); }
int system_roundup(int n) { return system_methods.xRoundup(n); }
int system_init(void* data) { return system_methods.xInit(data); }
void system_shutdown(void* data) { system_methods.xShutdown(data); }

}  // namespace

bool memory_budget::try_take(std::int64_t bytes) noexcept {
    if (limit_ != 0 && bytes > 0 && used_ + bytes > static_cast<std::int64_t>(limit_)) {
        exceeded_ = true;
        return false;
    }
    used_ += bytes;
    return true;
}

memory_budget::memory_budget(std::size_t limit) : limit_(limit), outer_(current_budget) {
    current_budget = this;
}

memory_budget::~memory_budget() {
    current_budget = outer_;
    // Memory this request allocated and did not free (page cache, cached statements) stays
    // with the connection; it is nobody's budget any more.
}

void set_heap_limit(std::int64_t bytes) noexcept {
    heap_limit.store(bytes > 0 ? bytes : 0, std::memory_order_relaxed);
}

std::int64_t heap_used_bytes() noexcept {
    return heap_used.load(std::memory_order_relaxed) + heap_pending_count.value;
}

bool install_memory_accounting() {
    static bool installed = [] {
        if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &system_methods) != SQLITE_OK) return false;
        sqlite3_mem_methods counted = system_methods;
        counted.xMalloc = counted_malloc;
        counted.xFree = counted_free;
        counted.xRealloc = counted_realloc;
        counted.xSize = system_size;
        counted.xRoundup = system_roundup;
        counted.xInit = system_init;
        counted.xShutdown = system_shutdown;
        if (sqlite3_config(SQLITE_CONFIG_MALLOC, &counted) != SQLITE_OK) return false;
        // Both caps are counted above: SQLite's own statistics (a global mutex taken on every
        // allocation and free) are not needed.
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    return installed;
}

}  // namespace airsql::sqlite
