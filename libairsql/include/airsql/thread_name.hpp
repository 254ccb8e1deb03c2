// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <pthread.h>

#include <algorithm>
#include <string>
#include <string_view>

namespace airsql {

/// Names the calling thread for `top -H`, `perf` and `gdb` (Linux keeps 15 bytes of it).
/// Best effort: a name the kernel refuses leaves the thread as it was.
inline void name_this_thread(std::string_view name) {
    std::string kept(name.substr(0, std::min<std::size_t>(name.size(), 15)));
    pthread_setname_np(pthread_self(), kept.c_str());
}

}  // namespace airsql
