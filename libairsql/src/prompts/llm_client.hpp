// SPDX-License-Identifier: Apache-2.0
// A client for OpenAI-compatible chat-completions servers (libcurl): one question, one answer,
// streamed (server-sent events) or not, with the options' time, size and concurrency limits.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/engine_impl.hpp"

namespace airsql::prompts {

struct chat_message {
    std::string role;  ///< "system" or "user"
    std::string content;
};

struct chat_answer {
    std::string content;
    std::string model;  ///< as the server names it (else the model asked for)
};

/// Asks the configured model. Errors: see prompts.hpp (`unavailable`, `deadline_exceeded`).
chat_answer chat(engine::impl& e, const std::vector<chat_message>& messages);

/// The answer in a non-streamed chat completion body (`choices[0].message.content`);
/// `unavailable` when the body is not one (an `error` object's message is quoted).
chat_answer parse_completion(std::string_view body);

/// The answer in a streamed body: the `choices[0].delta.content` of each `data:` event, up to
/// `data: [DONE]`; `unavailable` when no event carries content or one is not JSON.
chat_answer parse_completion_stream(std::string_view body);

}  // namespace airsql::prompts
