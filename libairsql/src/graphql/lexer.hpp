// SPDX-License-Identifier: Apache-2.0
// The GraphQL lexical grammar (spec October 2021, section 2.1): turns UTF-8 source text into
// tokens on demand, skipping ignored tokens and decoding string values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "graphql/ast.hpp"
#include "graphql/parser.hpp"

namespace airsql::graphql {

enum class token_kind : std::uint8_t {
    end,  ///< end of the document, described as `<EOF>`
    bang,
    dollar,
    amp,
    paren_l,
    paren_r,
    spread,
    colon,
    equals,
    at,
    bracket_l,
    bracket_r,
    brace_l,
    pipe,
    brace_r,
    name,
    int_,
    float_,
    string,
    block_string,
};

/// A lexical token. `raw` views the source text, so a token lives no longer than its source.
struct token {
    token_kind kind = token_kind::end;
    /// The token exactly as written (for a string, including its quotes); empty at the end.
    std::string_view raw;
    /// string and block_string: the decoded value in UTF-8; empty for every other kind.
    std::string value;
    location loc;  ///< of the token's first character
};

/// The graphql-js name of a token kind: `Name`, `Int`, `<EOF>`, or a quoted punctuator `"{"`.
std::string_view describe(token_kind kind) noexcept;

/// The graphql-js description of a token, as used in error messages: the kind followed by the
/// value for names, numbers and strings (`Name "id"`, `Int "3"`), the kind alone otherwise.
std::string describe(const token& t);

/// Reads tokens from a source text one at a time. Copying a lexer is cheap and gives an
/// independent cursor, which is how the parser looks one token ahead. Not thread-safe; the
/// source must outlive the lexer and its tokens.
class lexer {
public:
    /// `max_tokens` bounds the number of tokens `next` returns before it throws (the end token is
    /// not counted).
    explicit lexer(std::string_view source, std::size_t max_tokens = SIZE_MAX) noexcept
        : src_(source), max_tokens_(max_tokens) {}

    /// Skips ignored tokens (white space, line terminators, commas, comments, byte order marks)
    /// and returns the next token; at the end of the source returns `token_kind::end`, again on
    /// every further call. Throws syntax_error, located at the offending character, for text that
    /// is not a token, for ill-formed UTF-8, and once more than `max_tokens` tokens were read.
    token next();

    /// The token `next` would return, without moving this lexer.
    token lookahead() const { return lexer(*this).next(); }

private:
    void skip_ignored();
    void skip_comment();
    void start_line(std::size_t at) noexcept;
    location location_at(std::size_t at) noexcept;

    token read_number(std::size_t start, location loc);
    token read_name(std::size_t start, location loc);
    token read_string(std::size_t start, location loc);
    token read_block_string(std::size_t start, location loc);
    std::size_t read_escape(std::size_t at, std::string& out);
    std::size_t read_digits(std::size_t at);
    std::size_t utf8_length_or_throw(std::size_t at);

    std::string describe_char_at(std::size_t at);
    std::string_view excerpt(std::size_t from, std::size_t code_points) const noexcept;
    [[noreturn]] void fail(std::string_view message, std::size_t at);

    std::string_view src_;
    std::size_t pos_ = 0;
    std::size_t max_tokens_;
    std::size_t tokens_ = 0;
    std::uint32_t line_ = 1;
    std::size_t line_start_ = 0;
    // Columns are counted lazily: the column of byte `col_mark_` is known, and later positions
    // count the code points from there, so each byte is counted once however long the line.
    std::size_t col_mark_ = 0;
    std::uint32_t col_at_mark_ = 1;
};

/// BlockStringValue() from the spec: removes the common indentation of all lines but the first
/// and drops leading and trailing blank lines. `raw` must use `\n` as its only line terminator.
std::string block_string_value(std::string_view raw);

}  // namespace airsql::graphql
