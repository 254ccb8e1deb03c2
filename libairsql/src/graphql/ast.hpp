// SPDX-License-Identifier: Apache-2.0
// The syntax tree of an executable GraphQL document (GraphQL spec, October 2021). Plain value
// types: the parser builds them, validation and execution read them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace airsql::graphql {

/// 1-based line and column of a token in the document (column counts code points).
struct location {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
    bool operator==(const location&) const = default;
};

enum class value_kind { variable, int_, float_, string, boolean, null, enum_, list, object };

struct object_field;

/// A literal or variable in the document.
struct value {
    value_kind kind = value_kind::null;
    /// variable: its name (without `$`); int_/float_: the literal text as written;
    /// string: the decoded string value; enum_: the enum value name.
    std::string text;
    bool boolean = false;              ///< for value_kind::boolean
    std::vector<value> list;           ///< for value_kind::list
    std::vector<object_field> fields;  ///< for value_kind::object, in document order
    location loc;
};

struct object_field {
    std::string name;
    value val;
    location loc;
};

struct argument {
    std::string name;
    value val;
    location loc;
};

struct directive {
    std::string name;
    std::vector<argument> arguments;
    location loc;
};

struct selection;

struct selection_set {
    std::vector<selection> items;
    location loc;  ///< of the opening brace
};

enum class selection_kind { field, fragment_spread, inline_fragment };

struct selection {
    selection_kind kind = selection_kind::field;
    std::string alias;           ///< field: the alias, empty when none
    std::string name;            ///< field: the field name; fragment_spread: the fragment name
    std::vector<argument> arguments;  ///< field only
    std::string type_condition;  ///< inline_fragment: the type condition, empty when none
    std::vector<directive> directives;
    selection_set selections;    ///< field: its sub-selection (may be empty); inline_fragment
    location loc;                ///< of the alias/name, the `...` of a spread or fragment
    location name_loc;           ///< spread: of its name; inline fragment: of its type condition

    /// The key of this field in the response: the alias if any, else the name.
    const std::string& response_key() const { return alias.empty() ? name : alias; }
};

/// A type in a variable definition: Name, [Type], or Type!.
struct type_ref {
    enum class kind { named, list, non_null };
    kind k = kind::named;
    std::string name;           ///< for named
    std::vector<type_ref> of;   ///< for list and non_null: exactly one element
    location loc;
};

struct variable_definition {
    std::string name;  ///< without `$`
    location name_loc;
    type_ref type;
    std::optional<value> default_value;
    std::vector<directive> directives;
    location loc;
};

enum class operation_type { query, mutation, subscription };

struct operation {
    operation_type type = operation_type::query;
    std::string name;  ///< empty for anonymous operations
    location name_loc;
    std::vector<variable_definition> variables;
    std::vector<directive> directives;
    selection_set selections;
    location loc;
};

struct fragment {
    std::string name;
    std::string type_condition;
    std::vector<directive> directives;
    selection_set selections;
    location loc;             ///< of `fragment`
    location name_loc;
    location type_condition_loc;
};

/// An executable document: operations and fragments in document order.
struct document {
    std::vector<operation> operations;
    std::vector<fragment> fragments;
};

}  // namespace airsql::graphql
