// SPDX-License-Identifier: Apache-2.0
// Just enough of SQLite's SQL text to edit one column of a CREATE TABLE statement: a tokenizer
// that keeps source positions, the split of the table body into column definitions and table
// constraints, and the split of a column definition into its type and constraints. Everything
// else is left to SQLite (the edited statement is run, and SQLite parses it).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ascii.hpp"

namespace airsql::tables {

struct sql_token {
    enum kind { word, quoted, string, number, punct, blob } k = punct;
    std::string text;       ///< identifiers and strings unquoted; punctuation as is
    std::size_t begin = 0;  ///< position in the source
    std::size_t end = 0;
};

/// Tokens of `sql` (comments and spaces dropped). `invalid_argument` for an unterminated
/// string, quoted identifier or comment.
std::vector<sql_token> tokenize(std::string_view sql);

/// Whether the token is the keyword `word` (lower-case).
bool is_keyword(const sql_token& t, std::string_view word);
bool is_punct(const sql_token& t, char c);
/// Identifiers (bare or quoted) naming `name`, ASCII case-insensitively.
bool names(const sql_token& t, std::string_view name);

using core::ascii_lower;

/// One constraint of a column definition, as source text.
struct column_constraint {
    enum kind {
        primary_key,
        not_null,
        null,
        unique,
        check,
        default_,
        collate,
        references,
        generated,
        other
    } k = other;
    std::string text;
};

/// One element of a CREATE TABLE body.
struct table_element {
    bool is_column = false;
    std::string text;  ///< the whole element as written
    // Columns only:
    std::string name;
    std::string type;  ///< as written, may be empty
    std::vector<column_constraint> constraints;
};

struct create_table_parts {
    std::string head;  ///< up to and including the "(" (CREATE TABLE name ()
    std::vector<table_element> elements;
    std::string tail;  ///< from the closing ")" on (WITHOUT ROWID, STRICT)
};

/// Splits a CREATE TABLE statement from sqlite_master. `invalid_argument` when it has no body
/// (CREATE TABLE … AS SELECT is stored with its columns, so every stored table has one).
create_table_parts split_create_table(std::string_view sql);

/// Reassembles a column definition from its parts.
std::string column_text(const table_element& column);

/// Whether a CHECK constraint's text is `CHECK (<column> IN (…))` for `column`.
bool is_items_check(std::string_view check_text, std::string_view column);

/// Whether the element text mentions the identifier `name` (as a bare or quoted identifier,
/// not inside a string).
bool mentions(std::string_view text, std::string_view name);

/// Checks user text meant as one SQL expression inside parentheses (a DEFAULT or CHECK):
/// balanced parentheses that never close the surrounding one, no `;`, no comments, at most
/// `max_length` bytes. `invalid_argument` naming `what` otherwise.
void check_expression(std::string_view expression, std::string_view what, std::size_t max_length);

/// Checks a declared type: empty, or words and an optional "(n)" / "(n, m)" — no SQL
/// keywords, so it cannot carry a constraint. `invalid_argument` otherwise.
void check_type_name(std::string_view type);

/// An SQL string literal.
std::string quote_literal(std::string_view value);

}  // namespace airsql::tables
