// SPDX-License-Identifier: Apache-2.0
#include "database/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <system_error>
#include <thread>
#include <vector>

#include "airsql/error.hpp"
#include "core/blocking.hpp"

namespace airsql::database {

namespace {

void check_id(std::string_view id) {
    bool ok = !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z');
    });
    if (!ok) throw error(errc::not_found, fmt::format("Database \"{}\" does not exist", id));
}

}  // namespace

namespace {

// Files being prepared (uploads, snapshots) live here, not in a database's own folder: a new
// id (a rename of that folder) or a deletion while a file is being prepared must neither move
// it out of reach nor make it vanish under the preparing request. Not a database id ('.').
constexpr const char* staging_folder = ".staging";

}  // namespace

registry::registry(std::filesystem::path databases_dir, const options& opts)
    : dir_(std::move(databases_dir)), opts_(opts) {
    std::filesystem::create_directories(dir_);
    // One engine per data folder: whatever is staged now was left by an earlier process.
    std::error_code ec;
    std::filesystem::remove_all(dir_ / staging_folder, ec);
    std::filesystem::create_directories(dir_ / staging_folder);
}

std::filesystem::path registry::file_of(std::string_view id) const {
    check_id(id);
    return dir_ / std::string(id) / "main.sqlite";
}

std::shared_ptr<hosted_database> registry::open(std::string_view id) {
    check_id(id);
    std::string key(id);
    std::unique_lock lock(mutex_);
    if (exclusive_.count(key)) {
        core::about_to_block();
        exclusive_done_.wait(lock, [&] { return exclusive_.count(key) == 0; });
    }
    auto it = open_.find(key);
    if (it != open_.end()) {
        it->second.last_use = ++uses_;
        return it->second.db;
    }
    core::about_to_block();
    // The path only for a database not open yet: every request opens its database.
    auto file = file_of(id);
    if (!std::filesystem::exists(file)) {
        throw error(errc::not_found, fmt::format("Database \"{}\" does not exist", id));
    }
    auto db = std::make_shared<hosted_database>(std::string(id), file, opts_, &on_commit_, &limits_,
                                                &triggers_);
    open_.emplace(std::string(id), entry{db, ++uses_});
    close_idle_beyond_cap();
    return db;
}

void registry::close_idle_beyond_cap() {
    if (open_.size() <= opts_.max_open_databases) return;
    // Only the registry holds an idle database: closing it cannot pull connections from under
    // a request, and a later open() makes a fresh one (there is never a second writer).
    std::vector<std::pair<std::uint64_t, std::string>> idle;
    for (const auto& [id, e] : open_) {
        if (e.db.use_count() == 1) idle.emplace_back(e.last_use, id);
    }
    std::sort(idle.begin(), idle.end());
    for (const auto& [last_use, id] : idle) {
        if (open_.size() <= opts_.max_open_databases) break;
        open_.erase(id);
    }
}

std::shared_ptr<hosted_database> registry::create(std::string_view id) {
    auto file = file_of(id);
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) throw error(errc::unavailable, "cannot create the database folder");
    {
        // Create the file; hosted connections then open it read-write.
        sqlite::connection conn(file, sqlite::connection::mode::read_write_create);
        conn.exec("PRAGMA journal_mode = WAL");
    }
    return open(id);
}

std::filesystem::path registry::staging_file(std::string_view id) {
    check_id(id);
    static std::atomic<std::uint64_t> counter{0};
    return dir_ / staging_folder / fmt::format("{}-{}.sqlite", id, counter.fetch_add(1) + 1);
}

void registry::adopt(std::string_view id, const std::filesystem::path& prepared) {
    auto file = file_of(id);
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) throw error(errc::unavailable, "cannot create the database folder");
    if (std::filesystem::exists(file)) {
        throw error(errc::already_exists, fmt::format("Database \"{}\" exists already", id));
    }
    std::filesystem::rename(prepared, file, ec);
    if (ec) throw error(errc::unavailable, "cannot move the new database file into place");
}

template <class Fn>
void registry::with_exclusive_files(std::string_view id, std::chrono::milliseconds wait,
                                    Fn change) {
    core::about_to_block();
    std::string key(id);
    std::weak_ptr<hosted_database> old;
    {
        std::unique_lock lock(mutex_);
        exclusive_done_.wait(lock, [&] { return exclusive_.count(key) == 0; });
        exclusive_.insert(key);
        if (auto it = open_.find(key); it != open_.end()) {
            old = it->second.db;
            open_.erase(it);
        }
    }
    auto release = [&] {
        std::lock_guard lock(mutex_);
        exclusive_.erase(key);
        exclusive_done_.notify_all();
    };
    // In-flight requests finish on the old database. Its connections must be closed before
    // the files change: SQLite deletes "<file>-wal" by name when the last one closes.
    auto until = std::chrono::steady_clock::now() + wait;
    while (!old.expired()) {
        if (std::chrono::steady_clock::now() > until) {
            release();
            throw error(errc::unavailable,
                        "the database is busy; try again when its requests have finished");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    try {
        change();
    } catch (...) {
        release();
        throw;
    }
    release();
}

void registry::replace(std::string_view id, const std::filesystem::path& prepared,
                       std::chrono::milliseconds wait) {
    auto file = file_of(id);
    with_exclusive_files(id, wait, [&] {
        // Gone meanwhile (deleted, or a new id): the prepared file replaces nothing.
        if (!std::filesystem::exists(file)) {
            throw error(errc::not_found,
                        fmt::format("Database \"{}\" does not exist (deleted, or given a new id, "
                                    "while the file was being prepared)",
                                    id));
        }
        std::error_code ec;
        std::filesystem::remove(file.string() + "-wal", ec);
        std::filesystem::remove(file.string() + "-shm", ec);
        std::filesystem::remove(file.string() + "-journal", ec);
        std::filesystem::rename(prepared, file, ec);
        if (ec) throw error(errc::unavailable, "cannot move the new database file into place");
    });
    if (on_commit_) {
        commit_touch everything;
        everything.all = true;
        on_commit_(std::string(id), everything);
    }
}

void registry::rename(std::string_view id, std::string_view new_id,
                      std::chrono::milliseconds wait) {
    auto from = file_of(id).parent_path();
    auto to = file_of(new_id).parent_path();
    with_exclusive_files(id, wait, [&] {
        if (std::filesystem::exists(to)) {
            throw error(errc::already_exists,
                        fmt::format("Database \"{}\" exists already", new_id));
        }
        std::filesystem::rename(from, to);
    });
    if (on_gone_) on_gone_(std::string(id));
}

void registry::remove(std::string_view id) {
    auto file = file_of(id);
    {
        std::lock_guard lock(mutex_);
        open_.erase(std::string(id));
    }
    if (on_gone_) on_gone_(std::string(id));
    std::error_code ec;
    std::filesystem::remove_all(file.parent_path(), ec);
    if (ec) throw error(errc::internal, "cannot delete the database files");
}

}  // namespace airsql::database
