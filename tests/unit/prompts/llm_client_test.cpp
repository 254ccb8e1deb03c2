// SPDX-License-Identifier: Apache-2.0
// Reading chat-completion answers, streamed and not, and the errors for answers that are not
// (the HTTP side is tested through the server against a local stand-in, test_prompts.py).
#include <functional>
#include <string>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "core/engine_impl.hpp"
#include "engine_fixture.hpp"
#include "prompts/llm_client.hpp"

using namespace airsql;

namespace {

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        CHECK(e.code() == errc::unavailable);
        return e.what();
    }
    return "(did not throw)";
}

}  // namespace

TEST_CASE("a chat completion's first choice is the answer", "[prompts]") {
    auto a = prompts::parse_completion(
        R"({"model": "m-1", "choices": [{"message": {"role": "assistant", "content": "SELECT 1"}},
                                        {"message": {"content": "ignored"}}]})");
    CHECK(a.content == "SELECT 1");
    CHECK(a.model == "m-1");
    CHECK(
        prompts::parse_completion(R"({"choices": [{"message": {"content": ""}}]})").model.empty());
}

TEST_CASE("answers that are not chat completions are unavailable errors", "[prompts]") {
    CHECK(message_of([] { prompts::parse_completion("<html>"); }) ==
          "the language model's answer is not JSON");
    CHECK(message_of([] { prompts::parse_completion(R"({"choices": []})"); }).find("no choices") !=
          std::string::npos);
    CHECK(message_of([] {
              prompts::parse_completion(R"({"choices": [{"message": {"content": 3}}]})");
          }).find("not a chat completion") != std::string::npos);
    CHECK(message_of([] {
              prompts::parse_completion(R"({"error": {"message": "quota exceeded", "type": "x"}})");
          }) == "the language model server reported an error: quota exceeded");
}

TEST_CASE("a streamed answer is the deltas up to [DONE]", "[prompts]") {
    auto a = prompts::parse_completion_stream(
        ": keep-alive\r\n\r\n"
        "event: message\r\n"
        "data: {\"model\": \"m-2\", \"choices\": [{\"delta\": {\"role\": \"assistant\"}}]}\r\n\r\n"
        "data: {\"choices\": [{\"delta\": {\"content\": \"SELECT \"}}]}\n\n"
        "data:{\"choices\": [{\"delta\": {\"content\": \"1\"}}]}\n\n"
        "data: [DONE]\n\n"
        "data: {\"choices\": [{\"delta\": {\"content\": \" after done\"}}]}\n\n");
    CHECK(a.content == "SELECT 1");
    CHECK(a.model == "m-2");
    CHECK(message_of([] { prompts::parse_completion_stream("data: [DONE]\n\n"); }) ==
          "the language model's streamed answer carried no text");
    CHECK(message_of([] {
              prompts::parse_completion_stream("data: {oops\n\n");
          }).find("not JSON") != std::string::npos);
    CHECK(message_of([] {
              prompts::parse_completion_stream("data: {\"error\": {\"message\": \"boom\"}}\n\n");
          }).find("boom") != std::string::npos);
}

TEST_CASE("no model configured, or too many waiting calls, is unavailable", "[prompts]") {
    test::engine_fixture fx;
    auto& e = fx.eng.internals();
    CHECK(message_of([&] {
              prompts::chat(e, {{"user", "hi"}});
          }).find("no language model") != std::string::npos);
    e.opts.llm_base_url = "http://127.0.0.1:9";  // nothing listens on the discard port
    e.opts.llm_max_concurrent_requests = 1;
    e.llm_calls = 1;  // one call already waiting
    CHECK(message_of([&] {
              prompts::chat(e, {{"user", "hi"}});
          }).find("busy") != std::string::npos);
    e.llm_calls = 0;
    CHECK(message_of([&] {
              prompts::chat(e, {{"user", "hi"}});
          }).find("could not reach") != std::string::npos);
    CHECK(e.llm_calls == 0);  // the slot is given back after a failure
}
