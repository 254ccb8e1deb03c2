// SPDX-License-Identifier: Apache-2.0
#include "prompts/llm_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <mutex>

#include "airsql/error.hpp"
#include "json/utf8.hpp"

namespace airsql::prompts {

namespace bj = boost::json;

namespace {

[[noreturn]] void unavailable(const std::string& message) {
    throw error(errc::unavailable, message);
}

std::string excerpt(std::string_view text) {
    return json::to_valid_utf8(std::string(text.substr(0, 200)));
}

// One concurrent call counted against `llm_max_concurrent_requests` while it lives.
class call_slot {
  public:
    explicit call_slot(engine::impl& e) : e_(e) {
        if (e_.llm_calls.fetch_add(1) >= e_.opts.llm_max_concurrent_requests) {
            e_.llm_calls.fetch_sub(1);
            unavailable("the language model is busy with other requests; try again shortly");
        }
    }
    ~call_slot() { e_.llm_calls.fetch_sub(1); }
    call_slot(const call_slot&) = delete;
    call_slot& operator=(const call_slot&) = delete;

  private:
    engine::impl& e_;
};

struct response_sink {
    std::string body;
    std::size_t limit = 0;
    bool too_large = false;
};

std::size_t on_data(char* data, std::size_t size, std::size_t count, void* user) {
    auto* sink = static_cast<response_sink*>(user);
    auto n = size * count;
    if (sink->body.size() + n > sink->limit) {
        sink->too_large = true;
        return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
    }
    sink->body.append(data, n);
    return n;
}

void init_curl_once() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string request_body(const options& opts, const std::vector<chat_message>& messages) {
    bj::array list;
    for (const auto& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
    return bj::serialize(bj::object{{"model", opts.llm_model},
                                    {"messages", std::move(list)},
                                    {"temperature", 0},
                                    {"stream", opts.llm_stream}});
}

std::string endpoint(const std::string& base) {
    auto url = base;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url + "/chat/completions";
}

// The `content` of choices[0].message (or .delta for stream events), if any.
const bj::string* choice_text(const bj::value& v, std::string_view part) {
    const auto* o = v.if_object();
    const auto* choices = o ? o->if_contains("choices") : nullptr;
    if (!choices || !choices->is_array() || choices->get_array().empty()) return nullptr;
    const auto* first = choices->get_array().front().if_object();
    const auto* msg = first ? first->if_contains(part) : nullptr;
    const auto* content =
        msg && msg->is_object() ? msg->get_object().if_contains("content") : nullptr;
    return content ? content->if_string() : nullptr;
}

std::string model_of(const bj::value& v) {
    const auto* o = v.if_object();
    const auto* m = o ? o->if_contains("model") : nullptr;
    return m && m->is_string() ? std::string(m->get_string()) : std::string();
}

}  // namespace

chat_answer parse_completion(std::string_view body) {
    boost::system::error_code ec;
    auto v = bj::parse(body, ec);
    if (ec) unavailable("the language model's answer is not JSON");
    if (const auto* o = v.if_object(); o && o->contains("error")) {
        const auto& err = o->at("error");
        std::string message = err.is_object() && err.get_object().contains("message") &&
                                      err.get_object().at("message").is_string()
                                  ? std::string(err.get_object().at("message").get_string())
                                  : bj::serialize(err);
        unavailable(
            fmt::format("the language model server reported an error: {}", excerpt(message)));
    }
    const auto* text = choice_text(v, "message");
    if (!text) unavailable("the language model's answer is not a chat completion (no choices)");
    return {std::string(*text), model_of(v)};
}

chat_answer parse_completion_stream(std::string_view body) {
    chat_answer out;
    bool any = false;
    std::size_t pos = 0;
    while (pos < body.size()) {
        auto end = body.find('\n', pos);
        if (end == std::string_view::npos) end = body.size();
        auto line = body.substr(pos, end - pos);
        pos = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.starts_with("data:")) continue;  // comments, event names, blank lines
        auto data = line.substr(5);
        if (!data.empty() && data.front() == ' ') data.remove_prefix(1);
        if (data == "[DONE]") break;
        boost::system::error_code ec;
        auto v = bj::parse(data, ec);
        if (ec) unavailable("the language model's streamed answer holds an event that is not JSON");
        if (const auto* o = v.if_object(); o && o->contains("error")) {
            unavailable(fmt::format("the language model server reported an error: {}",
                                    excerpt(bj::serialize(o->at("error")))));
        }
        if (out.model.empty()) out.model = model_of(v);
        if (const auto* text = choice_text(v, "delta")) {
            out.content += *text;
            any = true;
        }
    }
    if (!any) unavailable("the language model's streamed answer carried no text");
    return out;
}

chat_answer chat(engine::impl& e, const std::vector<chat_message>& messages) {
    const auto& opts = e.opts;
    if (opts.llm_base_url.empty()) {
        unavailable(
            "no language model is configured on this server (set llm_base_url, "
            "llm_api_key and llm_model)");
    }
    call_slot slot(e);
    init_curl_once();
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) unavailable("could not start an HTTP request to the language model");
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr,
                                                                        curl_slist_free_all);
    auto add_header = [&](const std::string& h) {
        headers.reset(curl_slist_append(headers.release(), h.c_str()));
    };
    add_header("Content-Type: application/json");
    add_header(opts.llm_stream ? "Accept: text/event-stream, application/json"
                               : "Accept: application/json");
    if (!opts.llm_api_key.empty()) add_header("Authorization: Bearer " + opts.llm_api_key);
    auto url = endpoint(opts.llm_base_url);
    auto body = request_body(opts, messages);
    response_sink sink;
    sink.limit = opts.llm_max_answer_bytes;
    auto timeout = static_cast<long>(opts.llm_timeout.count());
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, timeout);
    curl_easy_setopt(curl.get(), CURLOPT_CONNECTTIMEOUT_MS, std::min(timeout, 10'000L));
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &sink);
    auto rc = curl_easy_perform(curl.get());
    if (sink.too_large) {
        unavailable(fmt::format("the language model's answer is larger than {} bytes",
                                opts.llm_max_answer_bytes));
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        throw error(errc::deadline_exceeded,
                    fmt::format("the language model did not answer within {} ms",
                                opts.llm_timeout.count()));
    }
    if (rc != CURLE_OK) {
        unavailable(fmt::format("could not reach the language model: {}", curl_easy_strerror(rc)));
    }
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (status == 429) {
        unavailable(
            "the language model server is rate limiting requests (HTTP 429); try again "
            "later");
    }
    if (status == 401 || status == 403) {
        unavailable(fmt::format("the language model server refused the API key (HTTP {})", status));
    }
    if (status < 200 || status > 299) {
        unavailable(fmt::format("the language model server answered HTTP {}", status));
    }
    const char* type = nullptr;
    curl_easy_getinfo(curl.get(), CURLINFO_CONTENT_TYPE, &type);
    bool stream = type && std::string_view(type).starts_with("text/event-stream");
    auto answer = stream ? parse_completion_stream(sink.body) : parse_completion(sink.body);
    if (answer.model.empty()) answer.model = opts.llm_model;
    if (answer.content.empty()) unavailable("the language model's answer was empty");
    return answer;
}

}  // namespace airsql::prompts
