// SPDX-License-Identifier: Apache-2.0
#include "tables/table_sql.hpp"

#include <sqlite3.h>

#include <fmt/format.h>
#include <algorithm>
#include <cctype>

#include "airsql/error.hpp"

namespace airsql::tables {

namespace {

[[noreturn]] void bad(const std::string& message) { throw error(errc::invalid_argument, message); }

bool is_ident_start(unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; }
bool is_ident_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '$' || c >= 0x80; }

}  // namespace


std::vector<sql_token> tokenize(std::string_view s) {
    std::vector<sql_token> out;
    std::size_t i = 0;
    auto quoted_run = [&](char close, sql_token::kind k) {
        std::size_t begin = i;
        std::string text;
        ++i;
        for (;;) {
            if (i >= s.size()) bad("unterminated quoted text in SQL");
            if (s[i] == close) {
                if (close != ']' && i + 1 < s.size() && s[i + 1] == close) {
                    text.push_back(close);
                    i += 2;
                    continue;
                }
                ++i;
                break;
            }
            text.push_back(s[i++]);
        }
        out.push_back({k, std::move(text), begin, i});
    };
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        if (std::isspace(c)) {
            ++i;
        } else if (s.compare(i, 2, "--") == 0) {
            while (i < s.size() && s[i] != '\n') ++i;
        } else if (s.compare(i, 2, "/*") == 0) {
            auto end = s.find("*/", i + 2);
            if (end == std::string_view::npos) bad("unterminated comment in SQL");
            i = end + 2;
        } else if ((c == 'x' || c == 'X') && i + 1 < s.size() && s[i + 1] == '\'') {
            std::size_t begin = i++;
            quoted_run('\'', sql_token::blob);
            out.back().begin = begin;
        } else if (c == '\'') {
            quoted_run('\'', sql_token::string);
        } else if (c == '"' || c == '`') {
            quoted_run(static_cast<char>(c), sql_token::quoted);
        } else if (c == '[') {
            quoted_run(']', sql_token::quoted);
        } else if (std::isdigit(c) || (c == '.' && i + 1 < s.size() &&
                                       std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
            std::size_t begin = i;
            while (i < s.size() &&
                   (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.' ||
                    ((s[i] == '+' || s[i] == '-') && (s[i - 1] == 'e' || s[i - 1] == 'E')))) {
                ++i;
            }
            out.push_back({sql_token::number, std::string(s.substr(begin, i - begin)), begin, i});
        } else if (is_ident_start(c)) {
            std::size_t begin = i;
            while (i < s.size() && is_ident_char(static_cast<unsigned char>(s[i]))) ++i;
            out.push_back({sql_token::word, std::string(s.substr(begin, i - begin)), begin, i});
        } else {
            out.push_back({sql_token::punct, std::string(1, static_cast<char>(c)), i, i + 1});
            ++i;
        }
    }
    return out;
}

bool is_keyword(const sql_token& t, std::string_view word) {
    return t.k == sql_token::word && ascii_lower(t.text) == word;
}

bool is_punct(const sql_token& t, char c) {
    return t.k == sql_token::punct && t.text.size() == 1 && t.text[0] == c;
}

bool names(const sql_token& t, std::string_view name) {
    return (t.k == sql_token::word || t.k == sql_token::quoted) &&
           ascii_lower(t.text) == ascii_lower(name);
}

namespace {

// Where each top-level element of a token range [first, last) ends: indices of the
// separating commas (depth 0), plus `last`.
std::vector<std::size_t> element_ends(const std::vector<sql_token>& t, std::size_t first,
                                      std::size_t last) {
    std::vector<std::size_t> ends;
    int depth = 0;
    for (std::size_t i = first; i < last; ++i) {
        if (is_punct(t[i], '(')) ++depth;
        if (is_punct(t[i], ')')) --depth;
        if (depth == 0 && is_punct(t[i], ',')) ends.push_back(i);
    }
    ends.push_back(last);
    return ends;
}

bool starts_table_constraint(const sql_token& t) {
    return is_keyword(t, "constraint") || is_keyword(t, "primary") || is_keyword(t, "unique") ||
           is_keyword(t, "check") || is_keyword(t, "foreign");
}

// Whether token i starts a column constraint (the token before it decides a few cases:
// "ON DELETE SET NULL", "NOT DEFERRABLE", "GENERATED ALWAYS AS").
std::optional<column_constraint::kind> constraint_start(const std::vector<sql_token>& t,
                                                        std::size_t i, std::size_t last) {
    const auto& w = t[i];
    if (w.k != sql_token::word) return std::nullopt;
    auto prev_is = [&](std::string_view word) { return i > 0 && is_keyword(t[i - 1], word); };
    auto next_is = [&](std::string_view word) {
        return i + 1 < last && is_keyword(t[i + 1], word);
    };
    auto word = ascii_lower(w.text);
    if (word == "primary" && next_is("key")) return column_constraint::primary_key;
    if (word == "not" && next_is("null")) return column_constraint::not_null;
    if (word == "null" && !prev_is("not") && !prev_is("set")) return column_constraint::null;
    if (word == "unique") return column_constraint::unique;
    if (word == "check") return column_constraint::check;
    if (word == "default") return column_constraint::default_;
    if (word == "collate") return column_constraint::collate;
    if (word == "references") return column_constraint::references;
    if (word == "generated" && next_is("always")) return column_constraint::generated;
    if (word == "as" && !prev_is("always")) return column_constraint::generated;
    return std::nullopt;
}

table_element split_column(std::string_view sql, const std::vector<sql_token>& t, std::size_t first,
                           std::size_t last) {
    table_element e;
    e.is_column = true;
    e.text = std::string(sql.substr(t[first].begin, t[last - 1].end - t[first].begin));
    e.name = t[first].text;
    // The type: tokens up to the first constraint (or CONSTRAINT name) at depth 0.
    std::size_t i = first + 1;
    int depth = 0;
    std::size_t type_end = i;
    for (; type_end < last; ++type_end) {
        if (is_punct(t[type_end], '(')) ++depth;
        if (is_punct(t[type_end], ')')) --depth;
        if (depth == 0 &&
            (is_keyword(t[type_end], "constraint") || constraint_start(t, type_end, last))) {
            break;
        }
    }
    if (type_end > i)
        e.type = std::string(sql.substr(t[i].begin, t[type_end - 1].end - t[i].begin));
    // The constraints: each runs until the next one starts at depth 0.
    i = type_end;
    while (i < last) {
        std::size_t begin = i;
        if (is_keyword(t[i], "constraint")) i += 2;  // CONSTRAINT name
        if (i >= last) break;
        auto k = constraint_start(t, i, last).value_or(column_constraint::other);
        std::size_t j = i + 1;
        if (k == column_constraint::not_null || k == column_constraint::primary_key) ++j;
        depth = 0;
        for (; j < last; ++j) {
            if (is_punct(t[j], '(')) ++depth;
            if (is_punct(t[j], ')')) --depth;
            if (depth == 0 && (is_keyword(t[j], "constraint") || constraint_start(t, j, last)))
                break;
        }
        e.constraints.push_back(
            {k, std::string(sql.substr(t[begin].begin, t[j - 1].end - t[begin].begin))});
        i = j;
    }
    return e;
}

}  // namespace

create_table_parts split_create_table(std::string_view sql) {
    auto t = tokenize(sql);
    std::size_t open = 0;
    while (open < t.size() && !is_punct(t[open], '(')) ++open;
    if (open >= t.size()) bad("the table has no column list");
    // The matching ")".
    int depth = 0;
    std::size_t close = open;
    for (; close < t.size(); ++close) {
        if (is_punct(t[close], '(')) ++depth;
        if (is_punct(t[close], ')') && --depth == 0) break;
    }
    if (close >= t.size()) bad("the table's column list is not closed");
    create_table_parts parts;
    parts.head = std::string(sql.substr(0, t[open].end));
    parts.tail = std::string(sql.substr(t[close].begin));
    std::size_t first = open + 1;
    for (auto end : element_ends(t, first, close)) {
        if (end > first) {
            if (starts_table_constraint(t[first])) {
                table_element e;
                e.text = std::string(sql.substr(t[first].begin, t[end - 1].end - t[first].begin));
                parts.elements.push_back(std::move(e));
            } else {
                parts.elements.push_back(split_column(sql, t, first, end));
            }
        }
        first = end + 1;
    }
    return parts;
}

std::string column_text(const table_element& column) {
    // The name as SQLite stores it in pragma table_info; quoted always.
    std::string out = "\"";
    for (char c : column.name) {
        if (c == '"') out.push_back('"');
        out.push_back(c);
    }
    out.push_back('"');
    if (!column.type.empty()) out += " " + column.type;
    for (const auto& c : column.constraints) out += " " + c.text;
    return out;
}

bool is_items_check(std::string_view check_text, std::string_view column) {
    auto t = tokenize(check_text);
    std::size_t i = 0;
    if (i < t.size() && is_keyword(t[i], "constraint")) i += 2;
    if (i + 5 >= t.size() || !is_keyword(t[i], "check") || !is_punct(t[i + 1], '(') ||
        !names(t[i + 2], column) || !is_keyword(t[i + 3], "in") || !is_punct(t[i + 4], '(')) {
        return false;
    }
    // Literals up to "))" and nothing after.
    std::size_t j = i + 5;
    while (j < t.size() && !is_punct(t[j], ')')) {
        bool literal = t[j].k == sql_token::string || t[j].k == sql_token::number ||
                       is_punct(t[j], ',') || is_punct(t[j], '-') || is_punct(t[j], '+');
        if (!literal) return false;
        ++j;
    }
    return j + 2 == t.size() && is_punct(t[j + 1], ')');
}

bool mentions(std::string_view text, std::string_view name) {
    for (const auto& tok : tokenize(text)) {
        if (names(tok, name)) return true;
    }
    return false;
}

void check_expression(std::string_view expression, std::string_view what, std::size_t max_length) {
    if (expression.size() > max_length) {
        bad(fmt::format("{} is longer than {} bytes", what, max_length));
    }
    if (expression.find('\0') != std::string_view::npos) bad(fmt::format("{} contains NUL", what));
    auto tokens = tokenize(expression);
    if (tokens.empty()) bad(fmt::format("{} is empty", what));
    // A comment is dropped by the tokenizer: its bytes are then not covered by any token.
    std::size_t covered = 0;
    int depth = 0;
    for (const auto& tok : tokens) {
        for (std::size_t k = covered; k < tok.begin; ++k) {
            if (!std::isspace(static_cast<unsigned char>(expression[k]))) {
                bad(fmt::format("{} may not contain comments", what));
            }
        }
        covered = tok.end;
        if (is_punct(tok, ';')) bad(fmt::format("{} may not contain ';'", what));
        if (is_punct(tok, '(')) ++depth;
        if (is_punct(tok, ')') && --depth < 0) {
            bad(fmt::format("{} has an unbalanced ')'", what));
        }
    }
    for (std::size_t k = covered; k < expression.size(); ++k) {
        if (!std::isspace(static_cast<unsigned char>(expression[k]))) {
            bad(fmt::format("{} may not contain comments", what));
        }
    }
    if (depth != 0) bad(fmt::format("{} has an unbalanced '('", what));
}

void check_type_name(std::string_view type) {
    if (type.empty()) return;
    if (type.size() > 100) bad("sqliteDataType is longer than 100 bytes");
    auto t = tokenize(type);
    std::size_t i = 0;
    for (; i < t.size() && t[i].k == sql_token::word; ++i) {
        if (sqlite3_keyword_check(t[i].text.c_str(), static_cast<int>(t[i].text.size()))) {
            bad(fmt::format("sqliteDataType \"{}\" contains the SQL keyword {}", type, t[i].text));
        }
    }
    if (i == 0) bad(fmt::format("sqliteDataType \"{}\" must start with a word", type));
    if (i < t.size()) {
        // "(" number ["," number] ")"
        auto number_at = [&](std::size_t k) {
            if (k < t.size() && (is_punct(t[k], '-') || is_punct(t[k], '+'))) ++k;
            return k < t.size() && t[k].k == sql_token::number ? k + 1 : std::size_t{0};
        };
        bool ok = is_punct(t[i], '(');
        std::size_t k = ok ? number_at(i + 1) : 0;
        ok = k != 0;
        if (ok && k < t.size() && is_punct(t[k], ',')) {
            k = number_at(k + 1);
            ok = k != 0;
        }
        ok = ok && k + 1 == t.size() && is_punct(t[k], ')');
        if (!ok) {
            bad(
                fmt::format("sqliteDataType \"{}\" is not a type name (words and an optional "
                            "\"(n)\" or \"(n, m)\")",
                            type));
        }
    }
}

std::string quote_literal(std::string_view value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'') out.push_back('\'');
        out.push_back(c);
    }
    out.push_back('\'');
    return out;
}

}  // namespace airsql::tables
