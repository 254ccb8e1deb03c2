// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the multipart/form-data parser: the first line of the input is the
// request's Content-Type, the rest the body. The body is parsed from memory and from a file
// (as uploads are); both must agree. Bad input must throw airsql::error invalid_argument;
// parts must lie inside the body, in order, not overlapping.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "airsql/error.hpp"
#include "fuzz_fixture.hpp"
#include "multipart.hpp"

namespace {

using airsql::fuzz::fail;

struct outcome {
    std::vector<airsql::server::multipart_part> parts;
    std::string error;
};

outcome parse(const airsql::byte_source& body, std::string_view content_type) {
    outcome out;
    try {
        auto boundary = airsql::server::multipart_boundary(content_type);
        out.parts = airsql::server::parse_multipart(body, boundary);
    } catch (const airsql::error& e) {
        if (e.code() != airsql::errc::invalid_argument) {
            fail("the parser threw an error other than invalid_argument", e.what());
        }
        out.error = e.what();
    }
    return out;
}

std::string body_file() {
    static std::string path = [] {
        char name[] = "/tmp/airsql-multipart-fuzz-XXXXXX";
        int fd = ::mkstemp(name);
        if (fd >= 0) ::close(fd);
        return std::string(name);
    }();
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    auto eol = input.find('\n');
    if (eol == std::string_view::npos) return 0;
    auto content_type = input.substr(0, eol);
    auto body = input.substr(eol + 1);

    auto in_memory = parse(airsql::byte_source::from_memory(body), content_type);
    for (std::size_t i = 0; i < in_memory.parts.size(); ++i) {
        const auto& p = in_memory.parts[i];
        if (p.offset > body.size() || p.length > body.size() - p.offset) {
            fail("a part lies outside the body");
        }
        if (i > 0) {
            const auto& prev = in_memory.parts[i - 1];
            if (p.offset < prev.offset + prev.length) fail("parts overlap or are out of order");
        }
        auto content = airsql::server::part_source(airsql::byte_source::from_memory(body), p);
        if (content.size() != p.length) fail("part_source has the wrong size");
    }

    auto path = body_file();
    if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(body.data(), 1, body.size(), f);
        std::fclose(f);
        auto from_file = parse(airsql::byte_source::from_file(path), content_type);
        if (from_file.error != in_memory.error ||
            from_file.parts.size() != in_memory.parts.size()) {
            fail("parsing from a file and from memory disagree");
        }
        for (std::size_t i = 0; i < in_memory.parts.size(); ++i) {
            const auto& a = in_memory.parts[i];
            const auto& b = from_file.parts[i];
            if (a.offset != b.offset || a.length != b.length || a.name != b.name ||
                a.file_name != b.file_name || a.content_type != b.content_type) {
                fail("parsing from a file and from memory disagree on a part");
            }
        }
    }
    return 0;
}
