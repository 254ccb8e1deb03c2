// SPDX-License-Identifier: Apache-2.0
#include "airsql/memory_only.hpp"

namespace airsql {

namespace {
thread_local int depth = 0;
}

memory_only_scope::memory_only_scope() noexcept { ++depth; }
memory_only_scope::~memory_only_scope() { --depth; }
bool memory_only_scope::active() noexcept { return depth > 0; }

}  // namespace airsql
