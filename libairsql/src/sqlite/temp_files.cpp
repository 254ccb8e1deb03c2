// SPDX-License-Identifier: Apache-2.0
#include "sqlite/temp_files.hpp"

#include <sqlite3.h>

#include <atomic>
#include <limits>
#include <mutex>

namespace airsql::sqlite {

namespace {

std::atomic<std::int64_t> in_use{0};
std::atomic<std::int64_t> limit{std::numeric_limits<std::int64_t>::max()};

// Takes `bytes` more from the total; false (nothing taken) past the limit.
bool reserve(std::int64_t bytes) {
    auto current = in_use.load(std::memory_order_relaxed);
    do {
        if (current + bytes > limit.load(std::memory_order_relaxed)) return false;
    } while (!in_use.compare_exchange_weak(current, current + bytes, std::memory_order_relaxed));
    return true;
}

void release(std::int64_t bytes) { in_use.fetch_sub(bytes, std::memory_order_relaxed); }

// A temporary file: our header, then the default VFS's own file structure.
struct temp_file {
    sqlite3_file base;
    sqlite3_int64 extent;  ///< the end of what was written, as counted in `in_use`
    sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
static_assert(sizeof(temp_file) % 8 == 0, "the default VFS's file must stay 8-byte aligned");

temp_file* of(sqlite3_file* f) { return reinterpret_cast<temp_file*>(f); }

int x_close(sqlite3_file* f) {
    auto* t = of(f);
    release(t->extent);
    t->extent = 0;
    return t->real()->pMethods->xClose(t->real());
}
int x_read(sqlite3_file* f, void* buf, int amount, sqlite3_int64 offset) {
    return of(f)->real()->pMethods->xRead(of(f)->real(), buf, amount, offset);
}
int x_write(sqlite3_file* f, const void* buf, int amount, sqlite3_int64 offset) {
    auto* t = of(f);
    auto end = offset + amount;
    if (end > t->extent) {
        if (!reserve(end - t->extent)) return SQLITE_FULL;
        t->extent = end;
    }
    return t->real()->pMethods->xWrite(t->real(), buf, amount, offset);
}
int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
    auto* t = of(f);
    if (size < t->extent) {
        release(t->extent - size);
        t->extent = size;
    }
    return t->real()->pMethods->xTruncate(t->real(), size);
}
int x_sync(sqlite3_file* f, int flags) { return of(f)->real()->pMethods->xSync(of(f)->real(), flags); }
int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
    return of(f)->real()->pMethods->xFileSize(of(f)->real(), size);
}
int x_lock(sqlite3_file* f, int level) { return of(f)->real()->pMethods->xLock(of(f)->real(), level); }
int x_unlock(sqlite3_file* f, int level) {
    return of(f)->real()->pMethods->xUnlock(of(f)->real(), level);
}
int x_check_reserved_lock(sqlite3_file* f, int* out) {
    return of(f)->real()->pMethods->xCheckReservedLock(of(f)->real(), out);
}
int x_file_control(sqlite3_file* f, int op, void* arg) {
    return of(f)->real()->pMethods->xFileControl(of(f)->real(), op, arg);
}
int x_sector_size(sqlite3_file* f) { return of(f)->real()->pMethods->xSectorSize(of(f)->real()); }
int x_device_characteristics(sqlite3_file* f) {
    return of(f)->real()->pMethods->xDeviceCharacteristics(of(f)->real());
}

// Version 1: no shared memory (temporary files have none) and no memory mapping (SQLite then
// reads them with xRead).
const sqlite3_io_methods temp_methods = {
    1,           x_close,      x_read,         x_write,
    x_truncate,  x_sync,       x_file_size,    x_lock,
    x_unlock,    x_check_reserved_lock,        x_file_control,
    x_sector_size, x_device_characteristics,
    nullptr,     nullptr,      nullptr,        nullptr,
    nullptr,     nullptr,
};

sqlite3_vfs* root_of(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
    auto* root = root_of(vfs);
    constexpr int temporary = SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TEMP_JOURNAL |
                              SQLITE_OPEN_TRANSIENT_DB | SQLITE_OPEN_SUBJOURNAL;
    if (name != nullptr && (flags & temporary) == 0) {
        // A database, its journal or WAL: the default VFS's file, in our (larger) space.
        return root->xOpen(root, name, f, flags, out_flags);
    }
    auto* t = of(f);
    t->base.pMethods = nullptr;
    t->extent = 0;
    int rc = root->xOpen(root, name, t->real(), flags, out_flags);
    if (rc != SQLITE_OK) {
        // SQLite calls xClose only when pMethods is set; close what the default VFS opened.
        if (t->real()->pMethods) t->real()->pMethods->xClose(t->real());
        return rc;
    }
    t->base.pMethods = &temp_methods;
    return SQLITE_OK;
}

int x_delete(sqlite3_vfs* vfs, const char* name, int sync_dir) {
    return root_of(vfs)->xDelete(root_of(vfs), name, sync_dir);
}
int x_access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
    return root_of(vfs)->xAccess(root_of(vfs), name, flags, out);
}
int x_full_pathname(sqlite3_vfs* vfs, const char* name, int n, char* out) {
    return root_of(vfs)->xFullPathname(root_of(vfs), name, n, out);
}
void* x_dl_open(sqlite3_vfs* vfs, const char* name) { return root_of(vfs)->xDlOpen(root_of(vfs), name); }
void x_dl_error(sqlite3_vfs* vfs, int n, char* out) { root_of(vfs)->xDlError(root_of(vfs), n, out); }
void (*x_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
    return root_of(vfs)->xDlSym(root_of(vfs), handle, symbol);
}
void x_dl_close(sqlite3_vfs* vfs, void* handle) { root_of(vfs)->xDlClose(root_of(vfs), handle); }
int x_randomness(sqlite3_vfs* vfs, int n, char* out) {
    return root_of(vfs)->xRandomness(root_of(vfs), n, out);
}
int x_sleep(sqlite3_vfs* vfs, int microseconds) {
    return root_of(vfs)->xSleep(root_of(vfs), microseconds);
}
int x_current_time(sqlite3_vfs* vfs, double* out) {
    return root_of(vfs)->xCurrentTime(root_of(vfs), out);
}
int x_get_last_error(sqlite3_vfs* vfs, int n, char* out) {
    return root_of(vfs)->xGetLastError ? root_of(vfs)->xGetLastError(root_of(vfs), n, out) : 0;
}
int x_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
    auto* root = root_of(vfs);
    if (root->iVersion >= 2 && root->xCurrentTimeInt64) return root->xCurrentTimeInt64(root, out);
    double days = 0;
    int rc = root->xCurrentTime(root, &days);
    *out = static_cast<sqlite3_int64>(days * 86'400'000.0);
    return rc;
}

sqlite3_vfs vfs{};

}  // namespace

const char* bounded_temp_vfs() {
    static std::once_flag registered;
    std::call_once(registered, [] {
        sqlite3_initialize();
        auto* root = sqlite3_vfs_find(nullptr);
        vfs.iVersion = 2;
        vfs.szOsFile = root->szOsFile + static_cast<int>(sizeof(temp_file));
        vfs.mxPathname = root->mxPathname;
        vfs.zName = "airsql-bounded-temp";
        vfs.pAppData = root;
        vfs.xOpen = x_open;
        vfs.xDelete = x_delete;
        vfs.xAccess = x_access;
        vfs.xFullPathname = x_full_pathname;
        vfs.xDlOpen = x_dl_open;
        vfs.xDlError = x_dl_error;
        vfs.xDlSym = x_dl_sym;
        vfs.xDlClose = x_dl_close;
        vfs.xRandomness = x_randomness;
        vfs.xSleep = x_sleep;
        vfs.xCurrentTime = x_current_time;
        vfs.xGetLastError = x_get_last_error;
        vfs.xCurrentTimeInt64 = x_current_time_int64;
        sqlite3_vfs_register(&vfs, 0);
    });
    return vfs.zName;
}

void set_temp_file_limit(std::uint64_t bytes) {
    auto max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    limit.store(static_cast<std::int64_t>(bytes == 0 || bytes > max ? max : bytes));
}

std::uint64_t temp_file_bytes() {
    auto n = in_use.load();
    return n > 0 ? static_cast<std::uint64_t>(n) : 0;
}

}  // namespace airsql::sqlite
