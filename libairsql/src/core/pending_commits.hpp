// SPDX-License-Identifier: Apache-2.0
// What an inline_scope keeps of the commits made in it (see airsql/memory_only.hpp).
#pragma once

#include <functional>
#include <vector>

#include "airsql/memory_only.hpp"

struct airsql::pending_commits::state {
    struct commit {
        std::function<bool()> durable;  ///< whether it is on disk already (does not block)
        /// Waits until it is on disk, then tells listeners; false when the sync failed.
        std::function<bool()> finish;
        const void* sync = nullptr;     ///< what it waits on: its database's group commit
    };
    std::vector<commit> commits;
};

namespace airsql::core {

/// Hands a commit made inside the active inline_scope to it: the scope's caller waits for it
/// before answering. Only while inline_scope::active().
void defer_commit(pending_commits::state::commit c);

/// Notes for take_durability_failure() that this thread's write was not made durable.
void note_not_durable() noexcept;

/// While alive, the active inline_scope refuses writes (e.g. a batch of several operations:
/// one committed, a later one refused, would run the first again elsewhere).
class inline_writes_refused {
  public:
    inline_writes_refused() noexcept;
    ~inline_writes_refused();
    inline_writes_refused(const inline_writes_refused&) = delete;
    inline_writes_refused& operator=(const inline_writes_refused&) = delete;

  private:
    bool saved_;
};

}  // namespace airsql::core
