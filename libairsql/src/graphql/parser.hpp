// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "graphql/ast.hpp"

namespace airsql::graphql {

/// Limits that keep hostile documents cheap to reject.
struct parse_limits {
    std::size_t max_bytes = 512 * 1024;  ///< larger documents are refused before lexing
    std::size_t max_depth = 64;          ///< nesting of selection sets, and of list/object values
    std::size_t max_tokens = 100'000;    ///< tokens in the whole document
};

/// A syntax error: the message follows graphql-js ("Syntax Error: Expected Name, found <EOF>.")
/// and `where` is the position of the offending token.
class syntax_error : public std::runtime_error {
public:
    syntax_error(const std::string& message, location where)
        : std::runtime_error(message), where_(where) {}
    location where() const noexcept { return where_; }

private:
    location where_;
};

/// Parses an executable document. Type system definitions (schema, type, directive, …) are
/// refused with a syntax_error. Throws syntax_error on any error, including limit violations.
document parse(std::string_view source, const parse_limits& limits = {});

}  // namespace airsql::graphql
