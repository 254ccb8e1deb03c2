// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for the app bundle reader (zip through libarchive, or one HTML file), with
// small limits. Bad input must throw airsql::error invalid_argument or payload_too_large, never
// anything else; every file handed out must have a safe path (path_problem empty), no path
// twice, no more than the limits allow, and an index.html must be among them.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "airsql/error.hpp"
#include "apps/bundle.hpp"
#include "fuzz_fixture.hpp"

using airsql::fuzz::fail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    airsql::apps::bundle_limits limits;
    limits.max_bundle_bytes = 1 << 20;
    limits.max_unpacked_bytes = 4 << 20;
    limits.max_files = 64;
    limits.max_file_bytes = 1 << 20;
    limits.max_ratio = 50;
    limits.ratio_floor_bytes = 64 * 1024;
    std::set<std::string> seen;
    std::uint64_t total = 0;
    try {
        auto summary = airsql::apps::read_bundle(
            bytes, limits, [&](const std::string& path, std::string_view content) {
                if (!airsql::apps::path_problem(path).empty()) fail("an unsafe path", path);
                if (!seen.insert(path).second) fail("a path twice", path);
                if (content.size() > limits.max_file_bytes) fail("a file over the cap", path);
                total += content.size();
            });
        if (total > limits.max_unpacked_bytes) fail("more bytes than the cap", "");
        if (seen.size() > limits.max_files) fail("more files than the cap", "");
        if (!seen.count("index.html")) fail("no index.html", "");
        if (summary.files != seen.size() || summary.unpacked_bytes != total) {
            fail("the summary does not match the files", "");
        }
    } catch (const airsql::error& e) {
        if (e.code() != airsql::errc::invalid_argument &&
            e.code() != airsql::errc::payload_too_large) {
            fail("the reader threw an unexpected error", e.what());
        }
    }
    return 0;
}
