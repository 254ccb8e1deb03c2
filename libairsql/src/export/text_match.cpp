// SPDX-License-Identifier: Apache-2.0
#include "export/text_match.hpp"

#include <clocale>
#include <cwctype>
#include <locale.h>

#include <algorithm>
#include <numeric>

#include "json/utf8.hpp"

namespace airsql::exporting {

namespace {

// Knuth-Morris-Pratt: finding a pattern costs the text's length plus the pattern's, whatever
// both hold (std::u32string_view::find costs their product: "a"×999 "b" in 10 M "a" took 4.7 s,
// in one call no deadline can interrupt).
std::vector<std::size_t> failure_of(std::u32string_view p) {
    std::vector<std::size_t> f(p.size(), 0);
    for (std::size_t i = 1, k = 0; i < p.size(); ++i) {
        while (k > 0 && p[i] != p[k]) k = f[k - 1];
        if (p[i] == p[k]) ++k;
        f[i] = k;
    }
    return f;
}

// Calls `on_match(position)` for each occurrence of `p` in `text`, in order, until it returns
// true; returns whether one did.
template <class F>
bool each_occurrence(std::u32string_view text, std::u32string_view p,
                     const std::vector<std::size_t>& f, F on_match) {
    if (p.empty()) return false;
    std::size_t k = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        while (k > 0 && text[i] != p[k]) k = f[k - 1];
        if (text[i] == p[k]) ++k;
        if (k == p.size()) {
            if (on_match(i + 1 - p.size())) return true;
            k = f[k - 1];
        }
    }
    return false;
}

// The C.UTF-8 locale for towlower_l / iswalnum_l (glibc has it built in); thread-safe to use
// once created, unlike the process-wide setlocale.
locale_t utf8_locale() {
    static locale_t loc = [] {
        locale_t l = newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
        return l ? l : newlocale(LC_CTYPE_MASK, "C", static_cast<locale_t>(nullptr));
    }();
    return loc;
}

char32_t lower(char32_t c) {
    if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    return static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), utf8_locale()));
}

bool is_word_char(char32_t c) {
    if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    return iswalnum_l(static_cast<wint_t>(c), utf8_locale()) != 0;
}

bool is_space(char32_t c) {
    if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r');
    return iswspace_l(static_cast<wint_t>(c), utf8_locale()) != 0;
}

std::vector<std::u32string_view> split(std::u32string_view s, bool (*keep)(char32_t)) {
    std::vector<std::u32string_view> parts;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && !keep(s[i])) ++i;
        std::size_t start = i;
        while (i < s.size() && keep(s[i])) ++i;
        if (i > start) parts.push_back(s.substr(start, i - start));
    }
    return parts;
}

bool not_space(char32_t c) { return !is_space(c); }

}  // namespace

void fold_case(std::string_view s, std::u32string& out) {
    out.clear();
    std::size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            out.push_back(lower(c));
            ++i;
            continue;
        }
        auto n = json::utf8_sequence(s, i);
        if (n == 0) {
            out.push_back(U'\uFFFD');
            ++i;
            continue;
        }
        char32_t cp = n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
        for (std::size_t k = 1; k < n; ++k) {
            cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        }
        out.push_back(lower(cp));
        i += n;
    }
}

std::size_t allowed_edits(std::size_t length) {
    if (length < 3) return 0;
    return length < 6 ? 1 : 2;
}

std::size_t edit_distance(std::u32string_view a, std::u32string_view b, std::size_t max) {
    auto diff = a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
    if (diff > max) return max + 1;
    // Three rows of the optimal-string-alignment table.
    std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
    std::iota(previous.begin(), previous.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        current[0] = i;
        std::size_t row_min = current[0];
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            std::size_t d = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d = std::min(d, before[j - 2] + 1);
            }
            current[j] = d;
            row_min = std::min(row_min, d);
        }
        if (row_min > max) return max + 1;
        std::swap(before, previous);
        std::swap(previous, current);
    }
    return std::min(previous[b.size()], max + 1);
}

search_pattern::search_pattern(std::string_view term) {
    fold_case(term, term_);
    for (auto w : split(term_, &not_space)) words_.emplace_back(w);
    // The whole term with its inner whitespace as typed, but no outer whitespace.
    while (!term_.empty() && is_space(term_.back())) term_.pop_back();
    std::size_t lead = 0;
    while (lead < term_.size() && is_space(term_[lead])) ++lead;
    term_.erase(0, lead);
    term_failure_ = failure_of(term_);
    for (const auto& w : words_) word_failures_.push_back(failure_of(w));
}

bool search_pattern::word_occurs_in(std::size_t k, std::u32string_view cell) const {
    return each_occurrence(cell, words_[k], word_failures_[k], [](std::size_t) { return true; });
}

match_rank search_pattern::rank_cell(std::u32string_view cell) const {
    if (term_.empty() || cell.size() < term_.size()) return match_rank::none;
    if (cell == term_) return match_rank::exact;
    if (cell.substr(0, term_.size()) == term_) return match_rank::prefix;
    // Not at 0: that would be a prefix, answered above.
    auto best = match_rank::none;
    bool word_start = each_occurrence(cell, term_, term_failure_, [&](std::size_t pos) {
        best = match_rank::substring;
        return pos > 0 && !is_word_char(cell[pos - 1]);
    });
    return word_start ? match_rank::word_start : best;
}

row_matcher::row_matcher(const search_pattern& p, std::function<void()> tick)
    : p_(p), word_found_(p.words().size()), word_edits_(p.words().size()), tick_(std::move(tick)) {}

void row_matcher::start_row() {
    best_ = match_rank::none;
    std::fill(word_found_.begin(), word_found_.end(), false);
    for (std::size_t k = 0; k < word_edits_.size(); ++k) {
        word_edits_[k] = allowed_edits(p_.words()[k].size()) + 1;
    }
}

void row_matcher::add_cell(std::u32string_view cell) {
    best_ = std::min(best_, p_.rank_cell(cell));
    if (best_ == match_rank::exact) return;
    bool split_done = false;
    for (std::size_t k = 0; k < p_.words().size(); ++k) {
        const auto& word = p_.words()[k];
        if (word_found_[k]) continue;
        if (p_.word_occurs_in(k, cell)) {
            word_found_[k] = true;
            word_edits_[k] = 0;
            continue;
        }
        auto allowed = allowed_edits(word.size());
        if (allowed == 0 || word_edits_[k] == 0) continue;
        if (!split_done) {
            cell_words_ = split(cell, &is_word_char);
            split_done = true;
        }
        std::size_t compared = 0;
        for (auto candidate : cell_words_) {
            if (tick_ && (++compared & 4095) == 0) tick_();
            auto d = edit_distance(word, candidate, std::min(allowed, word_edits_[k] - 1));
            word_edits_[k] = std::min(word_edits_[k], d);
            if (word_edits_[k] == 0) break;
        }
    }
}

match_rank row_matcher::rank() const {
    if (best_ != match_rank::none) return best_;
    if (p_.words().empty()) return match_rank::none;
    if (std::all_of(word_found_.begin(), word_found_.end(), [](bool b) { return b; })) {
        return match_rank::all_words;
    }
    for (std::size_t k = 0; k < word_edits_.size(); ++k) {
        if (word_edits_[k] > allowed_edits(p_.words()[k].size())) return match_rank::none;
    }
    return match_rank::fuzzy;
}

std::size_t row_matcher::distance() const {
    if (rank() != match_rank::fuzzy) return 0;
    return std::accumulate(word_edits_.begin(), word_edits_.end(), std::size_t{0});
}

}  // namespace airsql::exporting
