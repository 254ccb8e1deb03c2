// SPDX-License-Identifier: Apache-2.0
#include "core/clock.hpp"

#include <fmt/format.h>

#include <cctype>
#include <ctime>

namespace airsql::core {

std::string to_iso_utc(time_point t) {
    using namespace std::chrono;
    auto ms_total = duration_cast<milliseconds>(t.time_since_epoch()).count();
    auto secs = static_cast<std::time_t>(ms_total / 1000);
    auto ms = ms_total % 1000;
    if (ms < 0) {
        ms += 1000;
        --secs;
    }
    // The date and time to the second, remembered per thread: every authenticated request
    // asks for the time, and gmtime_r takes glibc's time-zone lock.
    thread_local std::time_t cached_secs = 0;
    thread_local std::string cached_prefix;
    if (cached_prefix.empty() || secs != cached_secs) {
        std::tm tm{};
        gmtime_r(&secs, &tm);
        cached_prefix = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.", tm.tm_year + 1900,
                                    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached_secs = secs;
    }
    std::string out = cached_prefix;
    out += static_cast<char>('0' + ms / 100);
    out += static_cast<char>('0' + ms / 10 % 10);
    out += static_cast<char>('0' + ms % 10);
    out += 'Z';
    return out;
}

std::string now_iso_utc() { return to_iso_utc(now()); }

time_point now() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(
        std::chrono::system_clock::now());
}

namespace {

bool read_digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

}  // namespace

std::optional<time_point> parse_iso_utc(std::string_view s) {
    using namespace std::chrono;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, ms = 0;
    if (!read_digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !read_digits(s, 5, 2, mo) ||
        s[7] != '-' || !read_digits(s, 8, 2, d)) {
        return std::nullopt;
    }
    std::size_t pos = 10;
    if (pos < s.size()) {
        if (s[pos] != 'T' && s[pos] != ' ') return std::nullopt;
        if (!read_digits(s, pos + 1, 2, h) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
            !read_digits(s, pos + 4, 2, mi)) {
            return std::nullopt;
        }
        pos += 6;
        if (pos < s.size() && s[pos] == ':') {
            if (!read_digits(s, pos + 1, 2, sec)) return std::nullopt;
            pos += 3;
            if (pos < s.size() && s[pos] == '.') {
                ++pos;
                int digits = 0;
                while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) {
                    if (digits < 3) ms = ms * 10 + (s[pos] - '0');
                    ++digits;
                    ++pos;
                }
                if (digits == 0) return std::nullopt;
                for (; digits < 3; ++digits) ms *= 10;
            }
        }
        std::string_view zone = s.substr(pos);
        if (zone != "Z" && zone != "+00:00" && zone != "") return std::nullopt;
    }
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    return time_point(sys_days(ymd).time_since_epoch() + hours(h) + minutes(mi) + seconds(sec) +
                      milliseconds(ms));
}

}  // namespace airsql::core
