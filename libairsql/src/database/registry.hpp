// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "airsql/options.hpp"
#include "database/hosted_database.hpp"

namespace airsql::database {

/// The open hosted databases, by id. Database files are opened only through here.
/// At most `options::max_open_databases` stay open while unused: beyond that the least
/// recently used ones that nobody holds are closed (each open database keeps connections and
/// their page caches, counted against SQLite's process-wide heap limit). Thread-safe. Ids must already be known to the catalog; they are checked again here to
/// be plain [0-9a-z] so no id can name a path outside `databases/`.
class registry {
public:
    registry(std::filesystem::path databases_dir, const options& opts);

    /// The open database, opening it on first use. `not_found` if its file is missing.
    std::shared_ptr<hosted_database> open(std::string_view id);

    /// Creates the folder and an empty database file (WAL mode) and opens it.
    std::shared_ptr<hosted_database> create(std::string_view id);

    /// A fresh path in the registry's staging folder (`.staging`, beside the databases' folders
    /// and emptied when the registry starts) where a new file for `id` may be prepared, then
    /// `adopt`ed or `replace`d into place. The caller removes it when it is not used: a new id
    /// or a deletion of the database meanwhile leaves it where it is.
    std::filesystem::path staging_file(std::string_view id);

    /// Moves a prepared file into place as the new database `id` (which must not exist yet).
    /// The file is taken as it is: it is not rewritten (an upload downloads byte for byte).
    void adopt(std::string_view id, const std::filesystem::path& prepared);

    /// Atomically swaps the database's file for `prepared`: new opens wait while the current
    /// users finish with their handles (up to `wait`; else `unavailable` and nothing changes),
    /// then the old file (and its WAL) is closed and replaced. Readers see the old or the new
    /// database, never a mix. `not_found` when the database went away meanwhile (deleted, or
    /// given a new id).
    void replace(std::string_view id, const std::filesystem::path& prepared,
                 std::chrono::milliseconds wait = std::chrono::seconds(30));

    /// Renames the database's folder (the database gets a new id), with the same waiting as
    /// `replace`.
    void rename(std::string_view id, std::string_view new_id,
                std::chrono::milliseconds wait = std::chrono::seconds(30));

    /// Closes the database (after in-flight users finish with their handles) and deletes its
    /// folder.
    void remove(std::string_view id);

    /// How open databases learn their size cap (called with a database id at a write lease
    /// after `limits_changed`). Set once, before the first open.
    void set_size_limit(std::function<std::uint64_t(const std::string& id)> max_bytes_for) {
        limits_.max_bytes_for = std::move(max_bytes_for);
    }

    /// Some size caps changed: every open database re-reads its cap at its next write.
    void limits_changed() noexcept { limits_.generation.fetch_add(1, std::memory_order_acq_rel); }

    /// The cap of one database now (for checks before a file is written).
    std::uint64_t max_bytes_of(std::string_view id) const {
        return limits_.max_bytes_for ? limits_.max_bytes_for(std::string(id))
                                     : opts_.max_database_bytes;
    }

    /// How open databases learn their event triggers (see event_trigger_source). Set once,
    /// before the first open.
    void set_event_triggers(std::function<std::vector<event_trigger_spec>(const std::string&)> fn,
                            std::size_t max_queue_rows, std::size_t max_payload_bytes) {
        triggers_.specs_for = std::move(fn);
        triggers_.max_queue_rows = max_queue_rows;
        triggers_.max_payload_bytes = max_payload_bytes;
    }
    /// Some event triggers changed: every open database reinstalls them at its next write.
    void event_triggers_changed() noexcept {
        triggers_.generation.fetch_add(1, std::memory_order_acq_rel);
    }

    /// Where the database's file lives.
    std::filesystem::path file_of(std::string_view id) const;

    /// Set once, before any database opens: told of every write lease that changed rows (and
    /// of a `replace`, as a change of every table), and of a database that went away (`rename`
    /// or `remove`: its id is no longer valid). For live queries.
    void set_listeners(commit_listener on_commit, std::function<void(const std::string&)> on_gone) {
        on_commit_ = std::move(on_commit);
        on_gone_ = std::move(on_gone);
    }

private:
    std::filesystem::path dir_;
    const options& opts_;
    size_limit_source limits_;
    event_trigger_source triggers_;
    struct entry {
        std::shared_ptr<hosted_database> db;
        std::uint64_t last_use = 0;
    };
    // Closes the least recently used databases nobody holds, down to the cap. Needs mutex_.
    void close_idle_beyond_cap();
    // Runs `change` on the database's files with nobody holding it and opens of it paused.
    template <class Fn>
    void with_exclusive_files(std::string_view id, std::chrono::milliseconds wait, Fn change);

    commit_listener on_commit_;
    std::function<void(const std::string&)> on_gone_;
    std::mutex mutex_;
    std::condition_variable exclusive_done_;
    std::unordered_set<std::string> exclusive_;  ///< ids whose files are being swapped
    std::unordered_map<std::string, entry> open_;
    std::uint64_t uses_ = 0;
};

}  // namespace airsql::database
