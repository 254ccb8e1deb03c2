// SPDX-License-Identifier: Apache-2.0
#include "database/registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>
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

registry::registry(std::filesystem::path databases_dir, const options& opts)
    : dir_(std::move(databases_dir)), opts_(opts) {
    std::filesystem::create_directories(dir_);
}

std::filesystem::path registry::file_of(std::string_view id) const {
    check_id(id);
    return dir_ / std::string(id) / "main.sqlite";
}

std::shared_ptr<hosted_database> registry::open(std::string_view id) {
    auto file = file_of(id);
    std::lock_guard lock(mutex_);
    auto it = open_.find(std::string(id));
    if (it != open_.end()) {
        it->second.last_use = ++uses_;
        return it->second.db;
    }
    core::about_to_block();
    if (!std::filesystem::exists(file)) {
        throw error(errc::not_found, fmt::format("Database \"{}\" does not exist", id));
    }
    auto db = std::make_shared<hosted_database>(std::string(id), file, opts_);
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

void registry::remove(std::string_view id) {
    auto file = file_of(id);
    {
        std::lock_guard lock(mutex_);
        open_.erase(std::string(id));
    }
    std::error_code ec;
    std::filesystem::remove_all(file.parent_path(), ec);
    if (ec) throw error(errc::internal, "cannot delete the database files");
}

}  // namespace airsql::database
