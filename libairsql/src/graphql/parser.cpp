// SPDX-License-Identifier: Apache-2.0
// A recursive-descent parser for executable documents (spec October 2021, section 2 and
// appendix B). Recursion is bounded by parse_limits::max_depth, so no input overflows the stack.
#include "graphql/parser.hpp"

#include <utility>

#include "graphql/lexer.hpp"

namespace airsql::graphql {

namespace {

bool is_type_system_keyword(std::string_view name) noexcept {
    return name == "schema" || name == "scalar" || name == "type" || name == "interface" ||
           name == "union" || name == "enum" || name == "input" || name == "directive" ||
           name == "extend";
}

class parser {
public:
    parser(std::string_view source, const parse_limits& limits)
        : lexer_(source, limits.max_tokens), max_depth_(limits.max_depth) {
        advance();
    }

    document parse_document() {
        document doc;
        // A document holds at least one definition.
        do {
            parse_definition(doc);
        } while (!peek(token_kind::end));
        return doc;
    }

private:
    // --- token helpers -------------------------------------------------------------------------

    void advance() { token_ = lexer_.next(); }

    bool peek(token_kind kind) const noexcept { return token_.kind == kind; }

    bool peek_keyword(std::string_view keyword) const noexcept {
        return token_.kind == token_kind::name && token_.raw == keyword;
    }

    /// Consumes the current token if it has `kind`.
    bool skip(token_kind kind) {
        if (token_.kind != kind) return false;
        advance();
        return true;
    }

    /// Consumes a token of `kind` and returns its location, or throws.
    location expect(token_kind kind) {
        if (token_.kind != kind) {
            fail("Expected " + std::string(describe(kind)) + ", found " + describe(token_) + ".",
                 token_.loc);
        }
        const location loc = token_.loc;
        advance();
        return loc;
    }

    void expect_keyword(std::string_view keyword) {
        if (!peek_keyword(keyword)) {
            fail("Expected \"" + std::string(keyword) + "\", found " + describe(token_) + ".",
                 token_.loc);
        }
        advance();
    }

    [[noreturn]] void unexpected(const token& t) { fail("Unexpected " + describe(t) + ".", t.loc); }
    [[noreturn]] void unexpected() { unexpected(token_); }

    [[noreturn]] static void fail(const std::string& message, location loc) {
        throw syntax_error("Syntax Error: " + message, loc);
    }

    [[noreturn]] void type_system_definition(const token& keyword) {
        fail("Unexpected " + describe(keyword) +
                 "; only executable definitions (operations and fragments) are allowed.",
             keyword.loc);
    }

    std::string parse_name() {
        if (token_.kind != token_kind::name) expect(token_kind::name);
        std::string name(token_.raw);
        advance();
        return name;
    }

    /// Enters one level of nesting at the current token; `depth` is the counter of its kind.
    void enter(std::size_t& depth) {
        if (++depth > max_depth_) {
            fail("Document nests deeper than " + std::to_string(max_depth_) + " levels.",
                 token_.loc);
        }
    }

    // --- definitions ---------------------------------------------------------------------------

    void parse_definition(document& doc) {
        if (peek(token_kind::brace_l)) {
            doc.operations.push_back(parse_operation());
            return;
        }
        if (peek(token_kind::string) || peek(token_kind::block_string)) {
            // A description only ever precedes a type system definition.
            const token keyword = lexer_.lookahead();
            if (keyword.kind == token_kind::name && is_type_system_keyword(keyword.raw)) {
                type_system_definition(keyword);
            }
            fail("Unexpected description, descriptions are supported only on type definitions.",
                 token_.loc);
        }
        if (peek(token_kind::name)) {
            if (token_.raw == "query" || token_.raw == "mutation" || token_.raw == "subscription") {
                doc.operations.push_back(parse_operation());
                return;
            }
            if (token_.raw == "fragment") {
                doc.fragments.push_back(parse_fragment_definition());
                return;
            }
            if (is_type_system_keyword(token_.raw)) type_system_definition(token_);
        }
        unexpected();
    }

    operation parse_operation() {
        operation op;
        op.loc = token_.loc;
        if (peek(token_kind::brace_l)) {
            // The query shorthand: a bare selection set.
            op.selections = parse_selection_set();
            return op;
        }
        if (peek_keyword("query")) {
            op.type = operation_type::query;
        } else if (peek_keyword("mutation")) {
            op.type = operation_type::mutation;
        } else if (peek_keyword("subscription")) {
            op.type = operation_type::subscription;
        } else {
            unexpected();
        }
        advance();
        if (peek(token_kind::name)) {
            op.name_loc = token_.loc;
            op.name = parse_name();
        }
        if (peek(token_kind::paren_l)) parse_variable_definitions(op.variables);
        parse_directives(op.directives, false);
        op.selections = parse_selection_set();
        return op;
    }

    fragment parse_fragment_definition() {
        fragment frag;
        frag.loc = token_.loc;
        expect_keyword("fragment");
        if (peek_keyword("on")) unexpected();
        frag.name_loc = token_.loc;
        frag.name = parse_name();
        expect_keyword("on");
        frag.type_condition_loc = token_.loc;
        frag.type_condition = parse_name();
        parse_directives(frag.directives, false);
        frag.selections = parse_selection_set();
        return frag;
    }

    void parse_variable_definitions(std::vector<variable_definition>& out) {
        expect(token_kind::paren_l);
        do {
            variable_definition var;
            var.loc = expect(token_kind::dollar);
            var.name_loc = token_.loc;
            var.name = parse_name();
            expect(token_kind::colon);
            var.type = parse_type();
            if (skip(token_kind::equals)) var.default_value = parse_value(true);
            parse_directives(var.directives, true);
            out.push_back(std::move(var));
        } while (!skip(token_kind::paren_r));
    }

    type_ref parse_type() {
        type_ref type;
        type.loc = token_.loc;
        if (peek(token_kind::bracket_l)) {
            enter(value_depth_);
            advance();
            type.k = type_ref::kind::list;
            type.of.push_back(parse_type());
            expect(token_kind::bracket_r);
            --value_depth_;
        } else {
            type.name = parse_name();
        }
        if (!skip(token_kind::bang)) return type;
        type_ref non_null;
        non_null.k = type_ref::kind::non_null;
        non_null.loc = type.loc;
        non_null.of.push_back(std::move(type));
        return non_null;
    }

    // --- selections ----------------------------------------------------------------------------

    selection_set parse_selection_set() {
        if (!peek(token_kind::brace_l)) expect(token_kind::brace_l);
        enter(selection_depth_);
        selection_set set;
        set.loc = token_.loc;
        advance();
        // A selection set holds at least one selection.
        do {
            set.items.push_back(peek(token_kind::spread) ? parse_fragment_selection()
                                                         : parse_field());
        } while (!skip(token_kind::brace_r));
        --selection_depth_;
        return set;
    }

    selection parse_field() {
        selection field;
        field.kind = selection_kind::field;
        field.loc = token_.loc;
        std::string name_or_alias = parse_name();
        if (skip(token_kind::colon)) {
            field.alias = std::move(name_or_alias);
            field.name = parse_name();
        } else {
            field.name = std::move(name_or_alias);
        }
        if (peek(token_kind::paren_l)) parse_arguments(field.arguments, false);
        parse_directives(field.directives, false);
        if (peek(token_kind::brace_l)) field.selections = parse_selection_set();
        return field;
    }

    /// A fragment spread `...Name` or an inline fragment `... on Type {…}` / `... {…}`.
    selection parse_fragment_selection() {
        selection sel;
        sel.loc = expect(token_kind::spread);
        const bool has_type_condition = peek_keyword("on");
        if (!has_type_condition && peek(token_kind::name)) {
            sel.kind = selection_kind::fragment_spread;
            sel.name_loc = token_.loc;
            sel.name = parse_name();
            parse_directives(sel.directives, false);
            return sel;
        }
        sel.kind = selection_kind::inline_fragment;
        if (has_type_condition) {
            advance();
            sel.name_loc = token_.loc;
            sel.type_condition = parse_name();
        }
        parse_directives(sel.directives, false);
        sel.selections = parse_selection_set();
        return sel;
    }

    void parse_arguments(std::vector<argument>& out, bool is_const) {
        expect(token_kind::paren_l);
        do {
            argument arg;
            arg.loc = token_.loc;
            arg.name = parse_name();
            expect(token_kind::colon);
            arg.val = parse_value(is_const);
            out.push_back(std::move(arg));
        } while (!skip(token_kind::paren_r));
    }

    void parse_directives(std::vector<directive>& out, bool is_const) {
        while (peek(token_kind::at)) {
            directive dir;
            dir.loc = token_.loc;
            advance();
            dir.name = parse_name();
            if (peek(token_kind::paren_l)) parse_arguments(dir.arguments, is_const);
            out.push_back(std::move(dir));
        }
    }

    // --- values --------------------------------------------------------------------------------

    /// Value[Const] when `is_const`: variables are refused in default values and their nesting.
    value parse_value(bool is_const) {
        value val;
        val.loc = token_.loc;
        switch (token_.kind) {
            case token_kind::bracket_l:
                enter(value_depth_);
                advance();
                val.kind = value_kind::list;
                while (!skip(token_kind::bracket_r)) val.list.push_back(parse_value(is_const));
                --value_depth_;
                return val;
            case token_kind::brace_l:
                enter(value_depth_);
                advance();
                val.kind = value_kind::object;
                while (!skip(token_kind::brace_r)) {
                    object_field field;
                    field.loc = token_.loc;
                    field.name = parse_name();
                    expect(token_kind::colon);
                    field.val = parse_value(is_const);
                    val.fields.push_back(std::move(field));
                }
                --value_depth_;
                return val;
            case token_kind::int_:
            case token_kind::float_:
                val.kind = token_.kind == token_kind::int_ ? value_kind::int_ : value_kind::float_;
                val.text = token_.raw;
                advance();
                return val;
            case token_kind::string:
            case token_kind::block_string:
                val.kind = value_kind::string;
                val.text = std::move(token_.value);
                advance();
                return val;
            case token_kind::name:
                if (token_.raw == "true" || token_.raw == "false") {
                    val.kind = value_kind::boolean;
                    val.boolean = token_.raw == "true";
                } else if (token_.raw == "null") {
                    val.kind = value_kind::null;
                } else {
                    val.kind = value_kind::enum_;
                    val.text = token_.raw;
                }
                advance();
                return val;
            case token_kind::dollar:
                if (is_const) {
                    const token dollar = token_;
                    advance();
                    if (peek(token_kind::name)) {
                        fail("Unexpected variable \"$" + std::string(token_.raw) +
                                 "\" in constant value.",
                             dollar.loc);
                    }
                    unexpected(dollar);
                }
                advance();
                val.kind = value_kind::variable;
                val.text = parse_name();
                return val;
            default:
                unexpected();
        }
    }

    lexer lexer_;
    std::size_t max_depth_;
    token token_;
    std::size_t selection_depth_ = 0;
    std::size_t value_depth_ = 0;
};

}  // namespace

document parse(std::string_view source, const parse_limits& limits) {
    if (source.size() > limits.max_bytes) {
        throw syntax_error(
            "Syntax Error: Document is larger than " + std::to_string(limits.max_bytes) + " bytes.",
            location{1, 1});
    }
    return parser(source, limits).parse_document();
}

}  // namespace airsql::graphql
