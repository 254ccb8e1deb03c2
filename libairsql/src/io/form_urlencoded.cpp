// SPDX-License-Identifier: Apache-2.0
#include "airsql/form_urlencoded.hpp"

#include <fmt/format.h>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>

#include "airsql/error.hpp"
#include "json/utf8.hpp"

namespace airsql {

form_fields form_fields::parse(std::string_view body, std::size_t max_bytes,
                               std::size_t max_fields) {
    if (body.size() > max_bytes) {
        throw error(
            errc::invalid_argument,
            fmt::format("the form has {} bytes; at most {} are accepted", body.size(), max_bytes));
    }
    form_fields out;
    if (body.empty()) return out;
    // An escaped NUL is refused before Boost.URL sees it: Boost 1.81's parse_query runs strlen
    // over such input (found by form_urlencoded_fuzz: a heap read past the end of a buffer
    // without a terminator). Fields may not hold NUL anyway; and the parser gets a
    // NUL-terminated copy.
    for (std::size_t i = body.find('%'); i != std::string_view::npos; i = body.find('%', i + 1)) {
        if (i + 2 < body.size() && body[i + 1] == '0' && body[i + 2] == '0') {
            throw error(errc::invalid_argument,
                        "form fields must be UTF-8 text without NUL characters");
        }
    }
    if (body.find('\0') != std::string_view::npos) {
        throw error(errc::invalid_argument,
                    "form fields must be UTF-8 text without NUL characters");
    }
    const std::string copy(body);
    auto parsed = boost::urls::parse_query(copy);
    if (!parsed) {
        throw error(errc::invalid_argument,
                    "the form is not application/x-www-form-urlencoded (bad % escape)");
    }
    boost::urls::encoding_opts opt;
    opt.space_as_plus = true;
    for (auto p : *parsed) {
        if (out.fields_.size() >= max_fields) {
            throw error(errc::invalid_argument,
                        fmt::format("the form has more than {} fields", max_fields));
        }
        std::string key = p.key.decode(opt);
        std::string value = p.has_value ? p.value.decode(opt) : std::string();
        for (const auto* s : {&key, &value}) {
            if (s->find('\0') != std::string::npos || json::first_invalid_utf8(*s) != s->size()) {
                throw error(errc::invalid_argument,
                            "form fields must be UTF-8 text without NUL characters");
            }
        }
        out.fields_.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

std::optional<std::string> form_fields::get(std::string_view name) const {
    for (const auto& [k, v] : fields_) {
        if (k == name) return v;
    }
    return std::nullopt;
}

}  // namespace airsql
