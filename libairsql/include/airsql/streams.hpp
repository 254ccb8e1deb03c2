// SPDX-License-Identifier: Apache-2.0
// Bytes in and out of the library without holding them in memory: uploads arrive as a
// `byte_source` (a file, part of a file, or memory); exports and downloads leave through a
// `byte_sink` the caller provides (the server writes to a temporary file it then sends).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace airsql {

/// Bytes handed to the library, e.g. one part of a multipart upload. Either a byte range of a
/// file (`file` non-empty) or a view of memory the caller keeps alive for the call.
struct byte_source {
    std::filesystem::path file;  ///< read [offset, offset + length) of this file
    std::uint64_t offset = 0;
    std::uint64_t length = 0;    ///< for `file`: the byte count (0 = empty)
    std::string_view memory;     ///< used when `file` is empty
    std::string file_name;       ///< the name the client gave, e.g. "people.csv" (may be empty)
    std::string media_type;      ///< the Content-Type the client gave (may be empty)

    /// A source over memory.
    static byte_source from_memory(std::string_view bytes, std::string file_name = {},
                                   std::string media_type = {});
    /// A source over a whole file (`invalid_argument` if it cannot be read).
    static byte_source from_file(const std::filesystem::path& path, std::string file_name = {},
                                 std::string media_type = {});

    std::uint64_t size() const noexcept { return file.empty() ? memory.size() : length; }
};

/// Reads a `byte_source` front to back in chunks.
class byte_reader {
public:
    explicit byte_reader(const byte_source& source);
    ~byte_reader();
    byte_reader(const byte_reader&) = delete;
    byte_reader& operator=(const byte_reader&) = delete;

    /// Up to `capacity` next bytes into `buffer`; 0 at the end. Throws `internal` on I/O errors.
    std::size_t read(char* buffer, std::size_t capacity);
    std::uint64_t remaining() const noexcept { return remaining_; }

private:
    const byte_source& source_;
    int fd_ = -1;
    std::uint64_t position_ = 0;
    std::uint64_t remaining_ = 0;
};

/// Where the library writes a streamed result (export, download). Implementations decide
/// where bytes go; `write` may throw to abort.
class byte_sink {
public:
    virtual ~byte_sink() = default;
    virtual void write(std::string_view bytes) = 0;
};

/// A sink that appends to a file (created or truncated), buffered.
class file_sink final : public byte_sink {
public:
    explicit file_sink(const std::filesystem::path& path);
    ~file_sink() override;
    file_sink(const file_sink&) = delete;
    file_sink& operator=(const file_sink&) = delete;
    void write(std::string_view bytes) override;
    /// Writes out the buffer; call before reading the file. Throws `internal` on I/O errors.
    void flush();
    std::uint64_t bytes_written() const noexcept { return written_; }

private:
    int fd_ = -1;
    std::string buffer_;
    std::uint64_t written_ = 0;
};

/// A sink that collects bytes in memory (tests and small results).
class string_sink final : public byte_sink {
public:
    void write(std::string_view bytes) override { data.append(bytes); }
    std::string data;
};

/// What a streamed result is, for the HTTP layer's headers.
struct stream_meta {
    std::string media_type;  ///< e.g. "text/csv; charset=utf-8"
    std::string file_name;   ///< for Content-Disposition: attachment; filename=…
};

}  // namespace airsql
