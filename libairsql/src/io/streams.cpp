// SPDX-License-Identifier: Apache-2.0
#include "airsql/streams.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>

#include "airsql/error.hpp"

namespace airsql {

namespace {
constexpr std::size_t sink_buffer_bytes = 1 << 20;

[[noreturn]] void io_failure(std::string_view what, const std::filesystem::path& path) {
    throw error(errc::internal, fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}
}  // namespace

byte_source byte_source::from_memory(std::string_view bytes, std::string file_name,
                                     std::string media_type) {
    byte_source s;
    s.memory = bytes;
    s.file_name = std::move(file_name);
    s.media_type = std::move(media_type);
    return s;
}

byte_source byte_source::from_file(const std::filesystem::path& path, std::string file_name,
                                   std::string media_type) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) throw error(errc::invalid_argument, fmt::format("cannot read {}: {}", path.string(), ec.message()));
    byte_source s;
    s.file = path;
    s.length = size;
    s.file_name = std::move(file_name);
    s.media_type = std::move(media_type);
    return s;
}

byte_reader::byte_reader(const byte_source& source) : source_(source) {
    remaining_ = source.size();
    if (!source.file.empty()) {
        fd_ = ::open(source.file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd_ < 0) io_failure("cannot open", source.file);
        position_ = source.offset;
    }
}

byte_reader::~byte_reader() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t byte_reader::read(char* buffer, std::size_t capacity) {
    auto want = static_cast<std::size_t>(std::min<std::uint64_t>(capacity, remaining_));
    if (want == 0) return 0;
    if (fd_ < 0) {
        std::memcpy(buffer, source_.memory.data() + (source_.memory.size() - remaining_), want);
        remaining_ -= want;
        return want;
    }
    for (;;) {
        auto n = ::pread(fd_, buffer, want, static_cast<off_t>(position_));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) io_failure("cannot read", source_.file);
        if (n == 0) throw error(errc::internal, fmt::format("{} ended early", source_.file.string()));
        position_ += static_cast<std::uint64_t>(n);
        remaining_ -= static_cast<std::uint64_t>(n);
        return static_cast<std::size_t>(n);
    }
}

file_sink::file_sink(const std::filesystem::path& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd_ < 0) io_failure("cannot create", path);
    buffer_.reserve(sink_buffer_bytes);
}

file_sink::~file_sink() {
    try {
        flush();
    } catch (...) {
    }
    if (fd_ >= 0) ::close(fd_);
}

void file_sink::write(std::string_view bytes) {
    written_ += bytes.size();
    if (buffer_.size() + bytes.size() > sink_buffer_bytes) flush();
    if (bytes.size() >= sink_buffer_bytes) {
        buffer_.append(bytes);
        flush();
        return;
    }
    buffer_.append(bytes);
}

void file_sink::flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        auto n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw error(errc::internal, fmt::format("cannot write: {}", std::strerror(errno)));
        done += static_cast<std::size_t>(n);
    }
    buffer_.clear();
}

}  // namespace airsql
