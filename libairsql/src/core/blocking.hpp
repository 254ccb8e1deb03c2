// SPDX-License-Identifier: Apache-2.0
// The choke points of blocking work call this first (SQLite connections and pools, the
// database registry, password hashing), so a memory_only_scope can refuse them up front.
#pragma once

#include "airsql/error.hpp"
#include "airsql/memory_only.hpp"

namespace airsql::core {

inline void about_to_block() {
    if (memory_only_scope::active()) {
        throw error(errc::would_block, "this needs blocking work; run it off the I/O thread");
    }
}

}  // namespace airsql::core
