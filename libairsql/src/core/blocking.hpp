// SPDX-License-Identifier: Apache-2.0
// The choke points of blocking work call this first (SQLite connections and pools, the
// database registry, password hashing), so a memory_only_scope or an inline_scope can
// refuse them up front.
#pragma once

#include "airsql/error.hpp"
#include "airsql/memory_only.hpp"

namespace airsql::core {

enum class blocking {
    any,           ///< may wait for locks, files or the CPU without bound
    bounded_read,   ///< a read of a hosted database under a deadline (inline_scope may run it)
    bounded_write,  ///< a GraphQL mutation's transaction under a deadline (an inline_scope
                    ///< that allows writes may run it, if the writer is free)
};

inline void about_to_block(blocking kind = blocking::any) {
    if (memory_only_scope::active() ||
        (inline_scope::active() && kind != blocking::bounded_read &&
         !(kind == blocking::bounded_write && inline_scope::writes_allowed()))) {
        throw error(errc::would_block, "this needs blocking work; run it off the I/O thread");
    }
}

}  // namespace airsql::core
