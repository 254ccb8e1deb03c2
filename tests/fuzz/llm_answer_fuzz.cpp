// SPDX-License-Identifier: Apache-2.0
// libFuzzer target for reading a language model server's answers (bytes from outside airsql):
// the same bytes as a chat completion body and as a streamed (server-sent events) body either
// give an answer or raise `unavailable` with a UTF-8 message (it ends up in a JSON body), and
// never anything else. An answer read from a stream is the concatenation of its deltas, so it
// is never longer than the input.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "airsql/error.hpp"
#include "prompts/llm_client.hpp"
#include "utf8_check.hpp"

namespace {

template <class F>
void check(F&& read, std::string_view input) {
    try {
        auto answer = read(input);
        if (answer.content.size() > input.size()) {  // JSON unescaping never lengthens text
            std::fprintf(stderr, "answer longer than its input could hold\n");
            std::abort();
        }
    } catch (const airsql::error& e) {
        if (e.code() != airsql::errc::unavailable || !airsql::fuzz::is_utf8(e.what())) {
            std::fprintf(stderr, "unexpected error: %s\n", e.what());
            std::abort();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    check([](std::string_view s) { return airsql::prompts::parse_completion(s); }, input);
    check([](std::string_view s) { return airsql::prompts::parse_completion_stream(s); }, input);
    return 0;
}
