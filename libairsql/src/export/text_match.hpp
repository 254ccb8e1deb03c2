// SPDX-License-Identifier: Apache-2.0
// The matching rules of table search, on case-folded code points.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace airsql::exporting {

/// How well a row matches; smaller is better. `none` = no match.
enum class match_rank { exact = 1, prefix, word_start, substring, all_words, fuzzy, none };

/// UTF-8 decoded and lower-cased (Unicode simple case mapping of the C.UTF-8 locale; bytes
/// that are not valid UTF-8 become U+FFFD). `out` is replaced.
void fold_case(std::string_view utf8, std::u32string& out);

/// Bounded Damerau-Levenshtein distance (optimal string alignment: insertions, deletions,
/// substitutions and adjacent transpositions cost 1): the distance when it is at most `max`,
/// else max + 1.
std::size_t edit_distance(std::u32string_view a, std::u32string_view b, std::size_t max);

/// Edits a word of `length` code points may be away from a cell word and still match: none
/// below 3, one for 3–5, two from 6.
std::size_t allowed_edits(std::size_t length);

/// A search term prepared once: the folded whole term and its whitespace-separated words.
class search_pattern {
public:
    explicit search_pattern(std::string_view term);

    /// Rank of one cell against the whole term (exact … substring, or none).
    match_rank rank_cell(std::u32string_view cell) const;

    const std::u32string& term() const noexcept { return term_; }
    const std::vector<std::u32string>& words() const noexcept { return words_; }
    /// Whether word `k` occurs in the cell (time linear in both).
    bool word_occurs_in(std::size_t k, std::u32string_view cell) const;

private:
    std::u32string term_;
    std::vector<std::u32string> words_;
    std::vector<std::size_t> term_failure_;                ///< KMP table of term_
    std::vector<std::vector<std::size_t>> word_failures_;  ///< KMP tables of words_
};

/// Collects, over the cells of one row, whether every word of the term occurs in some cell and
/// the best fuzzy distance of each word, then ranks the row.
class row_matcher {
public:
    /// `tick`, when set, is called every few thousand word comparisons within a cell (one
    /// large cell against a term of many words costs their product) and may throw to stop.
    explicit row_matcher(const search_pattern& p, std::function<void()> tick = {});
    void start_row();
    void add_cell(std::u32string_view cell);
    match_rank rank() const;
    /// Total edits of the fuzzy match (0 for other ranks).
    std::size_t distance() const;

private:
    const search_pattern& p_;
    match_rank best_ = match_rank::none;
    std::vector<bool> word_found_;
    std::vector<std::size_t> word_edits_;
    std::vector<std::u32string_view> cell_words_;
    std::function<void()> tick_;
};

}  // namespace airsql::exporting
