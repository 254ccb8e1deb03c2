// SPDX-License-Identifier: Apache-2.0
#include "core/data_dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <string>

#include "airsql/error.hpp"

namespace airsql::core {

data_dir_lock::data_dir_lock(const std::filesystem::path& dir) {
    auto file = dir / "airsql.lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        throw error(errc::unavailable,
                    fmt::format("cannot create {}: {}", file.string(), std::strerror(errno)));
    }
    // flock locks belong to the open file description: a second engine in this very process
    // opens its own description and is refused too.
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = {};
        auto n = ::pread(fd_, pid, sizeof pid - 1, 0);
        ::close(fd_);
        fd_ = -1;
        std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : "unknown";
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
        throw error(errc::failed_precondition,
                    fmt::format("the data directory {} is in use by another airsql process (pid "
                                "{}); stop it or choose another data directory",
                                dir.string(), holder));
    }
    auto pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        [[maybe_unused]] auto written = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
}

data_dir_lock::~data_dir_lock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
}

}  // namespace airsql::core
