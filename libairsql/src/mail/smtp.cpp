// SPDX-License-Identifier: Apache-2.0
#include "mail/smtp.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>

#include "core/ids.hpp"

namespace airsql::mail {

namespace {

std::string rfc5322_date() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

std::string domain_of(const std::string& address) {
    auto at = address.find('@');
    return at == std::string::npos ? "airsql" : address.substr(at + 1);
}

// Bodies are ours, but take no chance on bare CR or LF: every line ends with CRLF.
std::string crlf_lines(const std::string& text) {
    std::string out;
    out.reserve(text.size() + text.size() / 40);
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\r') continue;
        if (c == '\n') {
            out += "\r\n";
        } else {
            out += c;
        }
    }
    if (!out.ends_with("\r\n")) out += "\r\n";
    return out;
}

struct upload {
    const std::string* data;
    std::size_t offset = 0;
};

std::size_t read_payload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* up = static_cast<upload*>(user);
    std::size_t room = size * count;
    std::size_t left = up->data->size() - up->offset;
    std::size_t n = std::min(room, left);
    std::memcpy(buffer, up->data->data() + up->offset, n);
    up->offset += n;
    return n;
}

}  // namespace

std::string render(const message& m, const std::string& from) {
    return fmt::format(
        "Date: {}\r\nFrom: {}\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <{}@{}>\r\n"
        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n{}",
        rfc5322_date(), from, m.to, m.subject, core::random_base62(24), domain_of(from),
        crlf_lines(m.body));
}

std::string send_smtp(const smtp_settings& smtp, const message& m) {
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return "libcurl could not start";
    CURL* c = curl.get();
    auto payload = render(m, smtp.from);
    upload up{&payload};
    auto from = "<" + smtp.from + ">";
    auto to = "<" + m.to + ">";
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt(
        curl_slist_append(nullptr, to.c_str()), curl_slist_free_all);
    char errbuf[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_URL, smtp.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    // STARTTLS must succeed when asked for (no silent fallback to plain text).
    curl_easy_setopt(c, CURLOPT_USE_SSL,
                     smtp.tls == "starttls" ? long(CURLUSESSL_ALL) : long(CURLUSESSL_NONE));
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, smtp.verify_peer ? 1L : 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, smtp.verify_peer ? 2L : 0L);
    if (!smtp.username.empty()) {
        curl_easy_setopt(c, CURLOPT_USERNAME, smtp.username.c_str());
        curl_easy_setopt(c, CURLOPT_PASSWORD, smtp.password.value_or("").c_str());
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
    curl_easy_setopt(c, CURLOPT_READFUNCTION, read_payload);
    curl_easy_setopt(c, CURLOPT_READDATA, &up);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    auto rc = curl_easy_perform(c);
    if (rc == CURLE_OK) return "";
    return errbuf[0] ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
}

}  // namespace airsql::mail
