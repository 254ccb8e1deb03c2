// SPDX-License-Identifier: Apache-2.0
#include "files/media_type.hpp"

#include <magic.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <mutex>

#include "airsql/http_fields.hpp"
#include "json/utf8.hpp"

namespace airsql::files {

namespace {

constexpr std::string_view unknown_type = "application/octet-stream";
constexpr std::size_t max_stored_bytes = 255;

// One libmagic handle for the process: loading the compiled database costs a few
// milliseconds and a few MB, so it happens once; the handle is not thread-safe, so every use
// holds the mutex (a lookup over 8 KiB takes well under a millisecond).
class magic_database {
public:
    static magic_database& instance() {
        static magic_database db;
        return db;
    }

    detected_type detect(std::string_view head) {
        std::lock_guard lock(mutex_);
        detected_type out{std::string(unknown_type), {}};
        if (!cookie_ || head.empty()) return out;
        if (magic_setflags(cookie_, MAGIC_MIME_TYPE) == 0) {
            if (const char* t = magic_buffer(cookie_, head.data(), head.size())) {
                std::string type(t);
                // "application/x-empty" and friends say no more than octet-stream.
                if (type.find('/') != std::string::npos && type != "application/x-empty") {
                    out.media_type = std::move(type);
                }
            }
        }
        if (magic_setflags(cookie_, MAGIC_EXTENSION) == 0) {
            if (const char* e = magic_buffer(cookie_, head.data(), head.size())) {
                std::string_view ext(e);
                ext = ext.substr(0, ext.find('/'));  // "jpeg/jpg/jpe/jfif": the first
                bool plain = !ext.empty() && ext.size() <= 10 &&
                             std::all_of(ext.begin(), ext.end(), [](unsigned char c) {
                                 return std::isalnum(c) != 0;
                             });
                if (plain) out.extension = std::string(ext);
            }
        }
        return out;
    }

private:
    magic_database() {
        cookie_ = magic_open(MAGIC_MIME_TYPE);
        if (cookie_ && magic_load(cookie_, nullptr) != 0) {
            std::cerr << "airsql: libmagic database not loaded (" << magic_error(cookie_)
                      << "); file types will not be detected\n";
            magic_close(cookie_);
            cookie_ = nullptr;
        }
    }
    ~magic_database() {
        if (cookie_) magic_close(cookie_);
    }

    std::mutex mutex_;
    magic_t cookie_ = nullptr;
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

detected_type detect_media_type(std::string_view head) {
    return magic_database::instance().detect(head.substr(0, detection_bytes));
}

std::optional<std::string> clean_media_type(std::string_view given) {
    given = trim(given);
    if (given.empty() || given.size() > max_stored_bytes) return std::nullopt;
    auto semi = given.find(';');
    auto essence = trim(given.substr(0, semi));
    auto slash = essence.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == essence.size()) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < essence.size(); ++i) {
        if (i != slash && !is_http_token_char(static_cast<unsigned char>(essence[i]))) {
            return std::nullopt;
        }
    }
    std::string out(essence);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (out == unknown_type) return std::nullopt;
    if (semi != std::string_view::npos) {
        auto params = trim(given.substr(semi + 1));
        // Parameters are kept as sent, if they are printable ASCII (no CR/LF: they end up in a
        // response header).
        bool printable = std::all_of(params.begin(), params.end(), [](unsigned char c) {
            return c >= 0x20 && c < 0x7f;
        });
        if (!printable) return std::nullopt;
        if (!params.empty()) out += "; " + std::string(params);
    }
    return out;
}

std::optional<std::string> clean_file_name(std::string_view given) {
    auto cut = given.find_last_of("/\\");
    if (cut != std::string_view::npos) given.remove_prefix(cut + 1);
    auto valid = json::to_valid_utf8(std::string(given));
    std::string out;
    out.reserve(valid.size());
    for (unsigned char c : valid) {
        if (c < 0x20 || c == 0x7f) continue;
        out.push_back(static_cast<char>(c));
    }
    auto trimmed = trim(out);
    out = std::string(trimmed);
    if (out.size() > max_stored_bytes) {
        // Cut at a character boundary: never in the middle of a UTF-8 sequence.
        std::size_t end = max_stored_bytes;
        while (end > 0 && (static_cast<unsigned char>(out[end]) & 0xC0) == 0x80) --end;
        out.resize(end);
    }
    if (out.empty() || out == "." || out == "..") return std::nullopt;
    return out;
}

}  // namespace airsql::files
