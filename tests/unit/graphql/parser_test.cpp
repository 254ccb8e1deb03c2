// SPDX-License-Identifier: Apache-2.0
#include "graphql/parser.hpp"

#include <string>

#include "catch.hpp"

using namespace airsql::graphql;

namespace {

/// "line:column: message" of the error parsing `source` throws.
std::string parse_error(std::string_view source, const parse_limits& limits = {}) {
    try {
        parse(source, limits);
    } catch (const syntax_error& e) {
        return std::to_string(e.where().line) + ":" + std::to_string(e.where().column) + ": " +
               e.what();
    }
    FAIL("parsed without error: " << source);
    return {};
}

std::string at(location loc) { return std::to_string(loc.line) + ":" + std::to_string(loc.column); }

/// The value of argument `x` of the only field of `{ f(x: …) }`.
value argument_value(std::string_view literal) {
    const std::string source = "{ f(x: " + std::string(literal) + ") }";
    const document doc = parse(source);
    return doc.operations.at(0).selections.items.at(0).arguments.at(0).val;
}

std::string repeat(std::string_view s, std::size_t n) {
    std::string out;
    out.reserve(s.size() * n);
    for (std::size_t i = 0; i < n; ++i) out.append(s);
    return out;
}

// GraphiQL's standard introspection query (graphql-js getIntrospectionQuery with descriptions).
constexpr std::string_view introspection_query = R"(
    query IntrospectionQuery {
      __schema {
        queryType { name }
        mutationType { name }
        subscriptionType { name }
        types {
          ...FullType
        }
        directives {
          name
          description
          locations
          args {
            ...InputValue
          }
        }
      }
    }

    fragment FullType on __Type {
      kind
      name
      description
      fields(includeDeprecated: true) {
        name
        description
        args {
          ...InputValue
        }
        type {
          ...TypeRef
        }
        isDeprecated
        deprecationReason
      }
      inputFields {
        ...InputValue
      }
      interfaces {
        ...TypeRef
      }
      enumValues(includeDeprecated: true) {
        name
        description
        isDeprecated
        deprecationReason
      }
      possibleTypes {
        ...TypeRef
      }
    }

    fragment InputValue on __InputValue {
      name
      description
      type { ...TypeRef }
      defaultValue
    }

    fragment TypeRef on __Type {
      kind
      name
      ofType {
        kind
        name
        ofType {
          kind
          name
          ofType {
            kind
            name
            ofType {
              kind
              name
              ofType {
                kind
                name
                ofType {
                  kind
                  name
                  ofType {
                    kind
                    name
                  }
                }
              }
            }
          }
        }
      }
    }
)";

}  // namespace

TEST_CASE("the query shorthand is an anonymous query", "[graphql]") {
    const document doc = parse("{ me { name } }");
    REQUIRE(doc.operations.size() == 1);
    CHECK(doc.fragments.empty());
    const operation& op = doc.operations[0];
    CHECK(op.type == operation_type::query);
    CHECK(op.name.empty());
    CHECK(op.variables.empty());
    CHECK(at(op.loc) == "1:1");
    CHECK(at(op.selections.loc) == "1:1");
    REQUIRE(op.selections.items.size() == 1);
    const selection& me = op.selections.items[0];
    CHECK(me.kind == selection_kind::field);
    CHECK(me.name == "me");
    CHECK(me.alias.empty());
    CHECK(at(me.loc) == "1:3");
    REQUIRE(me.selections.items.size() == 1);
    CHECK(me.selections.items[0].name == "name");
    CHECK(at(me.selections.loc) == "1:6");
    CHECK(me.selections.items[0].selections.items.empty());
}

TEST_CASE("operations have a type, an optional name, variables and directives", "[graphql]") {
    const document doc = parse(R"(
query Q { a }
mutation M($id: ID!, $n: Int = 3 @deprecated) @traced(level: 2) { b }
subscription { c }
query { d }
)");
    REQUIRE(doc.operations.size() == 4);
    CHECK(doc.operations[0].type == operation_type::query);
    CHECK(doc.operations[0].name == "Q");
    CHECK(at(doc.operations[0].loc) == "2:1");

    const operation& m = doc.operations[1];
    CHECK(m.type == operation_type::mutation);
    CHECK(m.name == "M");
    REQUIRE(m.variables.size() == 2);
    CHECK(m.variables[0].name == "id");
    CHECK(at(m.variables[0].loc) == "3:12");
    CHECK(m.variables[0].type.k == type_ref::kind::non_null);
    CHECK(m.variables[0].type.of.at(0).name == "ID");
    CHECK_FALSE(m.variables[0].default_value.has_value());
    CHECK(m.variables[1].name == "n");
    REQUIRE(m.variables[1].default_value.has_value());
    CHECK(m.variables[1].default_value->kind == value_kind::int_);
    CHECK(m.variables[1].default_value->text == "3");
    REQUIRE(m.variables[1].directives.size() == 1);
    CHECK(m.variables[1].directives[0].name == "deprecated");
    REQUIRE(m.directives.size() == 1);
    CHECK(m.directives[0].name == "traced");
    CHECK(at(m.directives[0].loc) == "3:47");
    REQUIRE(m.directives[0].arguments.size() == 1);
    CHECK(m.directives[0].arguments[0].name == "level");

    CHECK(doc.operations[2].type == operation_type::subscription);
    CHECK(doc.operations[2].name.empty());
    CHECK(doc.operations[3].type == operation_type::query);
    CHECK(doc.operations[3].name.empty());
}

TEST_CASE("fields have aliases, arguments, directives and sub-selections", "[graphql]") {
    const document doc =
        parse("{ small: pic(size: 64, crop: true) @include(if: $big) @skip(if: false) { url } }");
    const selection& f = doc.operations.at(0).selections.items.at(0);
    CHECK(f.alias == "small");
    CHECK(f.name == "pic");
    CHECK(f.response_key() == "small");
    CHECK(at(f.loc) == "1:3");
    REQUIRE(f.arguments.size() == 2);
    CHECK(f.arguments[0].name == "size");
    CHECK(at(f.arguments[0].loc) == "1:14");
    CHECK(at(f.arguments[0].val.loc) == "1:20");
    CHECK(f.arguments[1].name == "crop");
    CHECK(f.arguments[1].val.kind == value_kind::boolean);
    CHECK(f.arguments[1].val.boolean);
    REQUIRE(f.directives.size() == 2);
    CHECK(f.directives[0].name == "include");
    CHECK(f.directives[0].arguments.at(0).val.kind == value_kind::variable);
    CHECK(f.directives[0].arguments.at(0).val.text == "big");
    CHECK(f.directives[1].name == "skip");
    REQUIRE(f.selections.items.size() == 1);
    CHECK(f.selections.items[0].response_key() == "url");

    const document plain = parse("{ pic }");
    CHECK(plain.operations[0].selections.items[0].response_key() == "pic");
}

TEST_CASE("commas are insignificant and keywords are ordinary names", "[graphql]") {
    const document doc = parse(
        "query query($on: on = on,,) { ,query: mutation, fragment(on: on, true: null) on type, }");
    const operation& op = doc.operations.at(0);
    CHECK(op.name == "query");
    CHECK(op.variables.at(0).name == "on");
    CHECK(op.variables.at(0).type.name == "on");
    CHECK(op.variables.at(0).default_value->kind == value_kind::enum_);
    CHECK(op.variables.at(0).default_value->text == "on");
    REQUIRE(op.selections.items.size() == 4);
    CHECK(op.selections.items[0].alias == "query");
    CHECK(op.selections.items[0].name == "mutation");
    CHECK(op.selections.items[1].name == "fragment");
    CHECK(op.selections.items[1].arguments.at(1).name == "true");
    CHECK(op.selections.items[1].arguments.at(1).val.kind == value_kind::null);
    CHECK(op.selections.items[2].name == "on");
    CHECK(op.selections.items[3].name == "type");
}

TEST_CASE("fragment spreads, inline fragments and fragment definitions", "[graphql]") {
    const document doc = parse(R"(
{
  ...userFields @include(if: true)
  ... on Page { likers }
  ... @skip(if: $x) { id }
  ... { name }
  ...onion
}
fragment userFields on User @cached { friends { count } }
fragment F on on { x }
)");
    const auto& items = doc.operations.at(0).selections.items;
    REQUIRE(items.size() == 5);
    CHECK(items[0].kind == selection_kind::fragment_spread);
    CHECK(items[0].name == "userFields");
    CHECK(at(items[0].loc) == "3:3");
    REQUIRE(items[0].directives.size() == 1);
    CHECK(items[0].directives[0].name == "include");
    CHECK(at(items[0].directives[0].loc) == "3:17");

    CHECK(items[1].kind == selection_kind::inline_fragment);
    CHECK(items[1].type_condition == "Page");
    CHECK(at(items[1].loc) == "4:3");
    CHECK(items[1].selections.items.at(0).name == "likers");

    CHECK(items[2].kind == selection_kind::inline_fragment);
    CHECK(items[2].type_condition.empty());
    CHECK(items[2].directives.at(0).name == "skip");
    CHECK(items[2].selections.items.at(0).name == "id");

    CHECK(items[3].kind == selection_kind::inline_fragment);
    CHECK(items[3].type_condition.empty());
    CHECK(items[3].directives.empty());

    CHECK(items[4].kind == selection_kind::fragment_spread);
    CHECK(items[4].name == "onion");

    REQUIRE(doc.fragments.size() == 2);
    const fragment& user = doc.fragments[0];
    CHECK(user.name == "userFields");
    CHECK(user.type_condition == "User");
    CHECK(at(user.loc) == "9:1");
    CHECK(user.directives.at(0).name == "cached");
    CHECK(user.selections.items.at(0).selections.items.at(0).name == "count");
    CHECK(doc.fragments[1].name == "F");
    CHECK(doc.fragments[1].type_condition == "on");
}

TEST_CASE("operations and fragments keep their document order", "[graphql]") {
    const document doc = parse("fragment A on T { a } query One { b } fragment B on T { c } { d }");
    REQUIRE(doc.operations.size() == 2);
    CHECK(doc.operations[0].name == "One");
    CHECK(doc.operations[1].name.empty());
    REQUIRE(doc.fragments.size() == 2);
    CHECK(doc.fragments[0].name == "A");
    CHECK(doc.fragments[1].name == "B");
}

TEST_CASE("every kind of value literal parses", "[graphql]") {
    SECTION("scalars keep their text or decoded value") {
        value v = argument_value("42");
        CHECK(v.kind == value_kind::int_);
        CHECK(v.text == "42");
        v = argument_value("-0");
        CHECK(v.kind == value_kind::int_);
        CHECK(v.text == "-0");
        v = argument_value("-1.5e3");
        CHECK(v.kind == value_kind::float_);
        CHECK(v.text == "-1.5e3");
        v = argument_value(R"("say \"hi\"\n")");
        CHECK(v.kind == value_kind::string);
        CHECK(v.text == "say \"hi\"\n");
        v = argument_value("\"\"\"\n    multi\n      line\n  \"\"\"");
        CHECK(v.kind == value_kind::string);
        CHECK(v.text == "multi\n  line");
        CHECK(argument_value("true").boolean);
        CHECK(argument_value("true").kind == value_kind::boolean);
        CHECK_FALSE(argument_value("false").boolean);
        CHECK(argument_value("false").kind == value_kind::boolean);
        CHECK(argument_value("null").kind == value_kind::null);
        v = argument_value("MOBILE_WEB");
        CHECK(v.kind == value_kind::enum_);
        CHECK(v.text == "MOBILE_WEB");
        v = argument_value("$devicePicSize");
        CHECK(v.kind == value_kind::variable);
        CHECK(v.text == "devicePicSize");
        CHECK(at(v.loc) == "1:8");
    }
    SECTION("lists hold any values, including none") {
        CHECK(argument_value("[]").kind == value_kind::list);
        CHECK(argument_value("[]").list.empty());
        const value v = argument_value(R"([1, "a", [true, null], $v])");
        REQUIRE(v.list.size() == 4);
        CHECK(v.list[0].kind == value_kind::int_);
        CHECK(v.list[1].text == "a");
        CHECK(v.list[2].kind == value_kind::list);
        CHECK(v.list[2].list.at(1).kind == value_kind::null);
        CHECK(v.list[3].kind == value_kind::variable);
    }
    SECTION("objects keep their fields in document order") {
        CHECK(argument_value("{}").kind == value_kind::object);
        CHECK(argument_value("{}").fields.empty());
        const value v = argument_value("{a: 1, b: {c: [$v]}}");
        CHECK(at(v.loc) == "1:8");
        REQUIRE(v.fields.size() == 2);
        CHECK(v.fields[0].name == "a");
        CHECK(at(v.fields[0].loc) == "1:9");
        CHECK(at(v.fields[0].val.loc) == "1:12");
        CHECK(v.fields[1].name == "b");
        CHECK(at(v.fields[1].loc) == "1:15");
        const value& inner = v.fields[1].val;
        CHECK(inner.kind == value_kind::object);
        CHECK(at(inner.loc) == "1:18");
        const value& list = inner.fields.at(0).val;
        CHECK(at(list.loc) == "1:22");
        CHECK(list.list.at(0).kind == value_kind::variable);
        CHECK(list.list.at(0).text == "v");
        CHECK(at(list.list.at(0).loc) == "1:23");
    }
}

TEST_CASE("variables are refused in constant values", "[graphql]") {
    CHECK(parse_error("query ($a: Int = $b) { f }") ==
          "1:18: Syntax Error: Unexpected variable \"$b\" in constant value.");
    CHECK(parse_error("query ($a: [Int] = [1, $b]) { f }") ==
          "1:24: Syntax Error: Unexpected variable \"$b\" in constant value.");
    CHECK(parse_error("query ($a: In = {x: {y: $b}}) { f }") ==
          "1:25: Syntax Error: Unexpected variable \"$b\" in constant value.");
    CHECK(parse_error("query ($a: Int @dir(x: $b)) { f }") ==
          "1:24: Syntax Error: Unexpected variable \"$b\" in constant value.");
    CHECK(parse_error("query ($a: Int = $) { f }") == "1:18: Syntax Error: Unexpected \"$\".");
    // Everywhere else variables are values.
    CHECK_NOTHROW(parse("query Q($a: Int) @d(x: $a) { f(x: [$a, {b: $a}]) @d(x: $a) }"));
    CHECK_NOTHROW(parse("fragment F on T @d(x: $a) { ... @d(x: $a) { f } ...G @d(x: $a) }"));
}

TEST_CASE("type references nest lists and non-null", "[graphql]") {
    const document doc = parse("query ($a: [Int!]!, $b: [[String]], $c: T) { f }");
    const auto& vars = doc.operations.at(0).variables;
    REQUIRE(vars.size() == 3);
    const type_ref& a = vars[0].type;
    CHECK(a.k == type_ref::kind::non_null);
    CHECK(at(a.loc) == "1:12");
    REQUIRE(a.of.size() == 1);
    const type_ref& a_list = a.of[0];
    CHECK(a_list.k == type_ref::kind::list);
    CHECK(at(a_list.loc) == "1:12");
    REQUIRE(a_list.of.size() == 1);
    CHECK(a_list.of[0].k == type_ref::kind::non_null);
    CHECK(at(a_list.of[0].loc) == "1:13");
    CHECK(a_list.of[0].of.at(0).k == type_ref::kind::named);
    CHECK(a_list.of[0].of.at(0).name == "Int");

    const type_ref& b = vars[1].type;
    CHECK(b.k == type_ref::kind::list);
    CHECK(b.of.at(0).k == type_ref::kind::list);
    CHECK(b.of.at(0).of.at(0).name == "String");

    CHECK(vars[2].type.k == type_ref::kind::named);
    CHECK(vars[2].type.name == "T");
    CHECK(vars[2].type.of.empty());
}

TEST_CASE("default values may be any constant value", "[graphql]") {
    const document doc = parse(R"(
        query ($a: [In] = [{x: 1, y: "s", z: [ENUM, null, 1.5, true]}], $b: S = """b""") { f }
    )");
    const auto& vars = doc.operations.at(0).variables;
    const value& a = vars.at(0).default_value.value();
    CHECK(a.kind == value_kind::list);
    const value& obj = a.list.at(0);
    CHECK(obj.fields.size() == 3);
    CHECK(obj.fields.at(2).val.list.size() == 4);
    CHECK(obj.fields.at(2).val.list.at(0).kind == value_kind::enum_);
    CHECK(obj.fields.at(2).val.list.at(2).kind == value_kind::float_);
    CHECK(vars.at(1).default_value->text == "b");
}

TEST_CASE("type system definitions are refused", "[graphql]") {
    const std::string only =
        "; only executable definitions (operations and fragments) are allowed.";
    CHECK(parse_error("type Query { a: Int }") ==
          "1:1: Syntax Error: Unexpected Name \"type\"" + only);
    CHECK(parse_error("{ a }\nschema { query: Q }") ==
          "2:1: Syntax Error: Unexpected Name \"schema\"" + only);
    for (const std::string keyword : {"schema", "scalar", "type", "interface", "union", "enum",
                                      "input", "directive", "extend"}) {
        CHECK(parse_error(keyword + " X") ==
              "1:1: Syntax Error: Unexpected Name \"" + keyword + "\"" + only);
    }
    CHECK(parse_error("extend type Q { b: Int }") ==
          "1:1: Syntax Error: Unexpected Name \"extend\"" + only);
    CHECK(parse_error("directive @d on FIELD") ==
          "1:1: Syntax Error: Unexpected Name \"directive\"" + only);
    // With a description, the keyword after it is the offending token.
    CHECK(parse_error("\"desc\" type X { a: Int }") ==
          "1:8: Syntax Error: Unexpected Name \"type\"" + only);
    CHECK(parse_error("\"\"\"\nblock\ndesc\n\"\"\"\nscalar Date") ==
          "5:1: Syntax Error: Unexpected Name \"scalar\"" + only);
    CHECK(parse_error("\"desc\" query { a }") ==
          "1:1: Syntax Error: Unexpected description, descriptions are supported only on type "
          "definitions.");
    CHECK(parse_error("{ a } \"desc\" { a }") ==
          "1:7: Syntax Error: Unexpected description, descriptions are supported only on type "
          "definitions.");
}

TEST_CASE("syntax errors name the offending token and point at it", "[graphql]") {
    CHECK(parse_error("") == "1:1: Syntax Error: Unexpected <EOF>.");
    CHECK(parse_error("   # only a comment\n") == "2:1: Syntax Error: Unexpected <EOF>.");
    CHECK(parse_error("{") == "1:2: Syntax Error: Expected Name, found <EOF>.");
    CHECK(parse_error("{}") == "1:2: Syntax Error: Expected Name, found \"}\".");
    CHECK(parse_error("{ a }}") == "1:6: Syntax Error: Unexpected \"}\".");
    CHECK(parse_error("{ a } |") == "1:7: Syntax Error: Unexpected \"|\".");
    CHECK(parse_error("{ a }\n\n  { b") == "3:6: Syntax Error: Expected Name, found <EOF>.");
    CHECK(parse_error("foo { a }") == "1:1: Syntax Error: Unexpected Name \"foo\".");
    CHECK(parse_error("42") == "1:1: Syntax Error: Unexpected Int \"42\".");
    CHECK(parse_error("query") == "1:6: Syntax Error: Expected \"{\", found <EOF>.");
    CHECK(parse_error("query & { a }") == "1:7: Syntax Error: Expected \"{\", found \"&\".");
    CHECK(parse_error("query Q ()") == "1:10: Syntax Error: Expected \"$\", found \")\".");
    CHECK(parse_error("query ($a) { a }") == "1:10: Syntax Error: Expected \":\", found \")\".");
    CHECK(parse_error("query ($a: ) { a }") == "1:12: Syntax Error: Expected Name, found \")\".");
    CHECK(parse_error("query ($a: [Int) { a }") ==
          "1:16: Syntax Error: Expected \"]\", found \")\".");
    CHECK(parse_error("query ($a: Int = ) { a }") == "1:18: Syntax Error: Unexpected \")\".");
    CHECK(parse_error("query ($a: Int!!) { a }") ==
          "1:16: Syntax Error: Expected \"$\", found \"!\".");
    CHECK(parse_error("{ a(b) }") == "1:6: Syntax Error: Expected \":\", found \")\".");
    CHECK(parse_error("{ a() }") == "1:5: Syntax Error: Expected Name, found \")\".");
    CHECK(parse_error("{ a(b: ) }") == "1:8: Syntax Error: Unexpected \")\".");
    CHECK(parse_error("{ a(b: [1, 2) }") == "1:13: Syntax Error: Unexpected \")\".");
    CHECK(parse_error("{ a(b: {c 1}) }") == "1:11: Syntax Error: Expected \":\", found Int \"1\".");
    CHECK(parse_error("{ a(b: $) }") == "1:9: Syntax Error: Expected Name, found \")\".");
    CHECK(parse_error("{ a(b: String \"x\") }") ==
          "1:15: Syntax Error: Expected Name, found String \"x\".");
    CHECK(parse_error("{ a @ }") == "1:7: Syntax Error: Expected Name, found \"}\".");
    CHECK(parse_error("{ a: }") == "1:6: Syntax Error: Expected Name, found \"}\".");
    CHECK(parse_error("{ ... }") == "1:7: Syntax Error: Expected \"{\", found \"}\".");
    CHECK(parse_error("{ ...on }") == "1:9: Syntax Error: Expected Name, found \"}\".");
    CHECK(parse_error("{ ... on T }") == "1:12: Syntax Error: Expected \"{\", found \"}\".");
    CHECK(parse_error("fragment on on T { a }") == "1:10: Syntax Error: Unexpected Name \"on\".");
    CHECK(parse_error("fragment F { a }") == "1:12: Syntax Error: Expected \"on\", found \"{\".");
    CHECK(parse_error("fragment F on { a }") == "1:15: Syntax Error: Expected Name, found \"{\".");
    CHECK(parse_error("fragment F on T") == "1:16: Syntax Error: Expected \"{\", found <EOF>.");
}

TEST_CASE("lexical errors surface from parse at the offending character", "[graphql]") {
    CHECK(parse_error("{ a(b: \"x) }") == "1:13: Syntax Error: Unterminated string.");
    CHECK(parse_error("{ a(b: 01) }") ==
          "1:9: Syntax Error: Invalid number, unexpected digit after 0: \"1\".");
    CHECK(parse_error("{ a(b: \"\\q\") }") ==
          "1:9: Syntax Error: Invalid character escape sequence: \"\\q\".");
    CHECK(parse_error("{\n  a(b: \"\\u{D800}\")\n}") ==
          "2:9: Syntax Error: Invalid Unicode escape sequence: \"\\u{D800}\".");
    CHECK(parse_error("{ a ? }") == "1:5: Syntax Error: Unexpected character: \"?\".");
    CHECK(parse_error("{ a(b: 'x') }") ==
          "1:8: Syntax Error: Unexpected single quote character ('), did you mean to use a double "
          "quote (\")?");
    // A lexical error in the token after a description is still reported.
    CHECK(parse_error("\"desc\" ?") == "1:8: Syntax Error: Unexpected character: \"?\".");
}

TEST_CASE("documents larger than max_bytes are refused before lexing", "[graphql]") {
    const std::string doc = std::string(60, ' ') + "{a}";
    CHECK(parse_error(doc, parse_limits{.max_bytes = 62}) ==
          "1:1: Syntax Error: Document is larger than 62 bytes.");
    CHECK_NOTHROW(parse(doc, parse_limits{.max_bytes = 63}));
    // The size check comes first: even text that is not GraphQL gets the same error.
    CHECK(parse_error("\xFF\xFF\xFF", parse_limits{.max_bytes = 2}) ==
          "1:1: Syntax Error: Document is larger than 2 bytes.");
}

TEST_CASE("documents with more than max_tokens tokens are refused", "[graphql]") {
    CHECK(parse_error("{ a b c }", parse_limits{.max_tokens = 4}) ==
          "1:9: Syntax Error: Document contains more than 4 tokens. Parsing aborted.");
    CHECK_NOTHROW(parse("{ a b c }", parse_limits{.max_tokens = 5}));
    // The default allows 100000 tokens.
    const std::string many = "{" + repeat("a ", 100'000) + "}";
    CHECK(parse_error(many) ==
          "1:200000: Syntax Error: Document contains more than 100000 tokens. Parsing aborted.");
    CHECK_NOTHROW(parse("{" + repeat("a ", 99'998) + "}"));
}

TEST_CASE("nesting deeper than max_depth is refused", "[graphql]") {
    SECTION("selection sets") {
        CHECK_NOTHROW(parse(repeat("{a", 64) + repeat("}", 64)));
        CHECK(parse_error(repeat("{a", 65) + repeat("}", 65)) ==
              "1:129: Syntax Error: Document nests deeper than 64 levels.");
        CHECK_NOTHROW(parse("{ a { b } }", parse_limits{.max_depth = 2}));
        CHECK(parse_error("{ a { b { c } } }", parse_limits{.max_depth = 2}) ==
              "1:9: Syntax Error: Document nests deeper than 2 levels.");
        CHECK(parse_error("{ ... { ... on T { a } } }", parse_limits{.max_depth = 2}) ==
              "1:18: Syntax Error: Document nests deeper than 2 levels.");
    }
    SECTION("list and object values") {
        CHECK_NOTHROW(parse("{ f(x: " + repeat("[", 64) + repeat("]", 64) + ") }"));
        CHECK(parse_error("{ f(x: " + repeat("[", 65) + repeat("]", 65) + ") }") ==
              "1:72: Syntax Error: Document nests deeper than 64 levels.");
        CHECK(parse_error("{ f(x: " + repeat("{a:", 65) + "1" + repeat("}", 65) + ") }") ==
              "1:200: Syntax Error: Document nests deeper than 64 levels.");
        CHECK(parse_error("{ f(x: " + repeat("[{a:", 33) + ") }") ==
              "1:136: Syntax Error: Document nests deeper than 64 levels.");
        CHECK(parse_error("query ($v: Int = " + repeat("[", 65) + ") { a }") ==
              "1:82: Syntax Error: Document nests deeper than 64 levels.");
    }
    SECTION("list types") {
        CHECK_NOTHROW(parse("query ($v: " + repeat("[", 64) + "Int" + repeat("]", 64) + ") { a }"));
        CHECK(parse_error("query ($v: " + repeat("[", 65) + "Int" + repeat("]", 65) + ") { a }") ==
              "1:76: Syntax Error: Document nests deeper than 64 levels.");
    }
    SECTION("selection sets and values count separately") {
        const std::string deep_value = repeat("[", 64) + repeat("]", 64);
        CHECK_NOTHROW(parse(repeat("{a", 63) + "{f(x: " + deep_value + ")" + repeat("}", 64)));
    }
    SECTION("hostile input fails fast instead of exhausting the stack") {
        CHECK(parse_error(repeat("{a", 200'000)) ==
              "1:129: Syntax Error: Document nests deeper than 64 levels.");
        CHECK(parse_error("{ f(x: " + repeat("[", 500'000)) ==
              "1:72: Syntax Error: Document nests deeper than 64 levels.");
    }
}

TEST_CASE("GraphiQL's introspection query parses", "[graphql]") {
    const document doc = parse(introspection_query);
    REQUIRE(doc.operations.size() == 1);
    const operation& op = doc.operations[0];
    CHECK(op.type == operation_type::query);
    CHECK(op.name == "IntrospectionQuery");
    CHECK(at(op.loc) == "2:5");
    const selection& schema = op.selections.items.at(0);
    CHECK(schema.name == "__schema");
    REQUIRE(schema.selections.items.size() == 5);
    CHECK(schema.selections.items[3].name == "types");
    CHECK(schema.selections.items[3].selections.items.at(0).kind ==
          selection_kind::fragment_spread);
    CHECK(schema.selections.items[3].selections.items.at(0).name == "FullType");

    REQUIRE(doc.fragments.size() == 3);
    CHECK(doc.fragments[0].name == "FullType");
    CHECK(doc.fragments[0].type_condition == "__Type");
    CHECK(doc.fragments[1].name == "InputValue");
    CHECK(doc.fragments[1].type_condition == "__InputValue");
    CHECK(doc.fragments[2].name == "TypeRef");
    CHECK(doc.fragments[2].type_condition == "__Type");

    const auto& full_type = doc.fragments[0].selections.items;
    REQUIRE(full_type.size() == 8);
    CHECK(full_type[3].name == "fields");
    REQUIRE(full_type[3].arguments.size() == 1);
    CHECK(full_type[3].arguments[0].name == "includeDeprecated");
    CHECK(full_type[3].arguments[0].val.kind == value_kind::boolean);
    CHECK(full_type[3].arguments[0].val.boolean);

    // TypeRef unwraps seven levels of ofType.
    int depth = 0;
    const selection_set* level = &doc.fragments[2].selections;
    while (level->items.size() == 3) {
        CHECK(level->items[2].name == "ofType");
        level = &level->items[2].selections;
        ++depth;
    }
    CHECK(depth == 7);
    CHECK(level->items.size() == 2);
}
