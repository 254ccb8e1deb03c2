// SPDX-License-Identifier: Apache-2.0
#include "graphql/lexer.hpp"

#include <string>
#include <vector>

#include "catch.hpp"

using namespace airsql::graphql;

namespace {

/// All tokens of `source` up to, not including, the end token.
std::vector<token> lex_all(std::string_view source) {
    lexer lex(source);
    std::vector<token> tokens;
    for (token t = lex.next(); t.kind != token_kind::end; t = lex.next()) tokens.push_back(t);
    return tokens;
}

/// The only token of `source`.
token lex_one(std::string_view source) {
    lexer lex(source);
    token t = lex.next();
    REQUIRE(lex.next().kind == token_kind::end);
    return t;
}

/// The decoded value of the single string or block string in `source`.
std::string string_value(std::string_view source) {
    const token t = lex_one(source);
    REQUIRE((t.kind == token_kind::string || t.kind == token_kind::block_string));
    return t.value;
}

/// "line:column: message" of the error lexing `source` throws.
std::string lex_error(std::string_view source) {
    try {
        lex_all(source);
    } catch (const syntax_error& e) {
        return std::to_string(e.where().line) + ":" + std::to_string(e.where().column) + ": " +
               e.what();
    }
    FAIL("lexed without error: " << source);
    return {};
}

std::string at(const token& t) {
    return std::to_string(t.loc.line) + ":" + std::to_string(t.loc.column);
}

}  // namespace

TEST_CASE("the lexer reads every punctuator", "[graphql]") {
    const auto tokens = lex_all("! $ & ( ) ... : = @ [ ] { | }");
    const std::vector<token_kind> expected = {
        token_kind::bang,    token_kind::dollar,    token_kind::amp,       token_kind::paren_l,
        token_kind::paren_r, token_kind::spread,    token_kind::colon,     token_kind::equals,
        token_kind::at,      token_kind::bracket_l, token_kind::bracket_r, token_kind::brace_l,
        token_kind::pipe,    token_kind::brace_r};
    REQUIRE(tokens.size() == expected.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) CHECK(tokens[i].kind == expected[i]);
    CHECK(tokens[5].raw == "...");
}

TEST_CASE("names start with a letter or underscore and continue with digits", "[graphql]") {
    const auto tokens = lex_all("_ a_1 __typename Zebra9 x");
    REQUIRE(tokens.size() == 5);
    CHECK(tokens[0].raw == "_");
    CHECK(tokens[1].raw == "a_1");
    CHECK(tokens[2].raw == "__typename");
    CHECK(tokens[3].raw == "Zebra9");
    for (const auto& t : tokens) CHECK(t.kind == token_kind::name);
}

TEST_CASE("white space, commas, comments and byte order marks are ignored", "[graphql]") {
    const auto tokens =
        lex_all("\xEF\xBB\xBF a,,,\tb # comment , { }\n# another\r\nc\xEF\xBB\xBF d #");
    REQUIRE(tokens.size() == 4);
    CHECK(tokens[0].raw == "a");
    CHECK(tokens[1].raw == "b");
    CHECK(tokens[2].raw == "c");
    CHECK(tokens[3].raw == "d");
    CHECK(lex_all("").empty());
    CHECK(lex_all(" \t\n\r\n\r,,# only a comment").empty());
}

TEST_CASE("the end token repeats once the source is exhausted", "[graphql]") {
    lexer lex("a");
    CHECK(lex.next().kind == token_kind::name);
    const token end = lex.next();
    CHECK(end.kind == token_kind::end);
    CHECK(at(end) == "1:2");
    CHECK(lex.next().kind == token_kind::end);
}

TEST_CASE("lines and columns are 1-based and columns count code points", "[graphql]") {
    SECTION("every line terminator starts a line") {
        const auto tokens = lex_all("a\nb\r\nc\rd\n\n  e");
        REQUIRE(tokens.size() == 5);
        CHECK(at(tokens[0]) == "1:1");
        CHECK(at(tokens[1]) == "2:1");
        CHECK(at(tokens[2]) == "3:1");
        CHECK(at(tokens[3]) == "4:1");
        CHECK(at(tokens[4]) == "6:3");
    }
    SECTION("multi-byte characters count once") {
        const auto tokens =
            lex_all("\"h\xC3\xA9\xE7\x8C\xAB\xF0\x9F\x98\x80\" @ # \xE7\x8C\xAB\n  x");
        REQUIRE(tokens.size() == 3);
        CHECK(at(tokens[1]) == "1:8");
        CHECK(at(tokens[2]) == "2:3");
    }
    SECTION("the byte order mark is a code point") {
        CHECK(at(lex_all("\xEF\xBB\xBFquery")[0]) == "1:2");
    }
    SECTION("block strings move the line count") {
        const auto tokens = lex_all("\"\"\"a\r\n\xC3\xA9\rb\"\"\" x");
        REQUIRE(tokens.size() == 2);
        CHECK(at(tokens[0]) == "1:1");
        CHECK(at(tokens[1]) == "3:6");
    }
}

TEST_CASE("the lexer can look one token ahead without moving", "[graphql]") {
    lexer lex("a b");
    CHECK(lex.lookahead().raw == "a");
    CHECK(lex.next().raw == "a");
    CHECK(lex.lookahead().raw == "b");
    CHECK(lex.next().raw == "b");
    CHECK(lex.next().kind == token_kind::end);
}

TEST_CASE("integers and floats follow the spec's lexical rules", "[graphql]") {
    for (const char* text : {"0", "-0", "7", "123", "-123", "9007199254740993"}) {
        const token t = lex_one(text);
        CHECK(t.kind == token_kind::int_);
        CHECK(t.raw == text);
    }
    for (const char* text :
         {"0.0", "-0.5", "1.5", "1e5", "1E5", "1e+5", "1e-5", "-1.5e10", "6.0221413e23", "0e0"}) {
        const token t = lex_one(text);
        CHECK(t.kind == token_kind::float_);
        CHECK(t.raw == text);
    }
    // Punctuators and white space end a number.
    const auto tokens = lex_all("1,2)3]-4}5.0 6");
    REQUIRE(tokens.size() == 9);
    CHECK(tokens[0].raw == "1");
    CHECK(tokens[3].raw == "3");
    CHECK(tokens[5].raw == "-4");
    CHECK(tokens[7].raw == "5.0");
    CHECK(tokens[8].raw == "6");
}

TEST_CASE("malformed numbers are errors at the offending character", "[graphql]") {
    CHECK(lex_error("01") == "1:2: Syntax Error: Invalid number, unexpected digit after 0: \"1\".");
    CHECK(lex_error("-00") ==
          "1:3: Syntax Error: Invalid number, unexpected digit after 0: \"0\".");
    CHECK(lex_error("-") == "1:2: Syntax Error: Invalid number, expected digit but got: <EOF>.");
    CHECK(lex_error("- 1") == "1:2: Syntax Error: Invalid number, expected digit but got: \" \".");
    CHECK(lex_error("-a") == "1:2: Syntax Error: Invalid number, expected digit but got: \"a\".");
    CHECK(lex_error("1.") == "1:3: Syntax Error: Invalid number, expected digit but got: <EOF>.");
    CHECK(lex_error("1.e1") == "1:3: Syntax Error: Invalid number, expected digit but got: \"e\".");
    CHECK(lex_error("1e") == "1:3: Syntax Error: Invalid number, expected digit but got: <EOF>.");
    CHECK(lex_error("1e+") == "1:4: Syntax Error: Invalid number, expected digit but got: <EOF>.");
    CHECK(lex_error("123abc") ==
          "1:4: Syntax Error: Invalid number, expected digit but got: \"a\".");
    CHECK(lex_error("1_") == "1:2: Syntax Error: Invalid number, expected digit but got: \"_\".");
    CHECK(lex_error("1.2.3") ==
          "1:4: Syntax Error: Invalid number, expected digit but got: \".\".");
    CHECK(lex_error("0x12") == "1:2: Syntax Error: Invalid number, expected digit but got: \"x\".");
    CHECK(lex_error("1.0e5e") ==
          "1:6: Syntax Error: Invalid number, expected digit but got: \"e\".");
    CHECK(lex_error("1\"") == "1:3: Syntax Error: Unterminated string.");
    CHECK(lex_error("+1") == "1:1: Syntax Error: Unexpected character: \"+\".");
    CHECK(lex_error(".5") == "1:1: Syntax Error: Unexpected character: \".\".");
    CHECK(lex_error("-\xC3\xA9") ==
          "1:2: Syntax Error: Invalid number, expected digit but got: U+00E9.");
}

TEST_CASE("strings decode every escape sequence", "[graphql]") {
    CHECK(string_value(R"("")") == "");
    CHECK(string_value(R"("simple")") == "simple");
    CHECK(string_value(R"(" white space ")") == " white space ");
    CHECK(string_value(R"("quote \"")") == "quote \"");
    CHECK(string_value(R"("escaped \n\r\b\t\f")") == "escaped \n\r\b\t\f");
    CHECK(string_value(R"("slashes \\ \/")") == "slashes \\ /");
    CHECK(string_value(R"("# not a comment, ok")") == "# not a comment, ok");
    // Non-ASCII text and control characters other than line terminators pass through.
    CHECK(string_value("\"\xD0\xBA\xD0\xBE\xD1\x82\xD1\x8F \xE7\x8C\xAB \xF0\x9F\x98\x80\"") ==
          "\xD0\xBA\xD0\xBE\xD1\x82\xD1\x8F \xE7\x8C\xAB \xF0\x9F\x98\x80");
    CHECK(string_value(std::string_view("\"a\0b\x7F\"", 6)) == std::string_view("a\0b\x7F", 4));
}

TEST_CASE("unicode escapes produce UTF-8, surrogate pairs combine", "[graphql]") {
    CHECK(string_value(R"("\u0041\u00e9\u732B")") == "A\xC3\xA9\xE7\x8C\xAB");
    CHECK(string_value(R"("unicode \u1234\u5678\u90AB\uCDEF")") ==
          "unicode \xE1\x88\xB4\xE5\x99\xB8\xE9\x82\xAB\xEC\xB7\xAF");
    CHECK(string_value(R"("\u{1F600}")") == "\xF0\x9F\x98\x80");
    CHECK(string_value(R"("\u{1f600} \u{41}")") == "\xF0\x9F\x98\x80 A");
    CHECK(string_value(R"("\u{0}")") == std::string(1, '\0'));
    CHECK(string_value(R"("\u{00000041}")") == "A");
    CHECK(string_value(R"("\u{10FFFF}")") == "\xF4\x8F\xBF\xBF");
    CHECK(string_value(R"("\uD83D\uDE00")") == "\xF0\x9F\x98\x80");
    CHECK(string_value(R"("\uD800\uDC00")") == "\xF0\x90\x80\x80");
    CHECK(string_value(R"("\uDBFF\uDFFF")") == "\xF4\x8F\xBF\xBF");
    CHECK(string_value(R"("\uFFFF\uE000")") == "\xEF\xBF\xBF\xEE\x80\x80");
}

TEST_CASE("malformed strings are errors at the offending character", "[graphql]") {
    CHECK(lex_error("\"") == "1:2: Syntax Error: Unterminated string.");
    CHECK(lex_error("\"abc") == "1:5: Syntax Error: Unterminated string.");
    CHECK(lex_error("\"multi\nline\"") == "1:7: Syntax Error: Unterminated string.");
    CHECK(lex_error("\"multi\rline\"") == "1:7: Syntax Error: Unterminated string.");
    CHECK(lex_error(R"("bad \z esc")") ==
          "1:6: Syntax Error: Invalid character escape sequence: \"\\z\".");
    CHECK(lex_error(R"("bad \x esc")") ==
          "1:6: Syntax Error: Invalid character escape sequence: \"\\x\".");
    CHECK(lex_error("\"\\") == "1:2: Syntax Error: Invalid character escape sequence: \"\\\".");
    CHECK(lex_error("\"\\\xC3\xA9\"") ==
          "1:2: Syntax Error: Invalid character escape sequence: \"\\\xC3\xA9\".");
    CHECK(lex_error(R"("\u12 x")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\u12 x\".");
    CHECK(lex_error(R"("\uXYZW")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\uXYZW\".");
    CHECK(lex_error(R"("\u{}")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\u{}\".");
    CHECK(lex_error(R"("\u{110000}")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\u{110000}\".");
    CHECK(lex_error(R"("\u{12x}")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\u{12x\".");
    CHECK(lex_error(R"("\u{000000041}")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\u{000000041\".");
    CHECK(lex_error("\"\\u{41") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\u{41\".");
    // Surrogates must form a pair of fixed-width escapes.
    CHECK(lex_error(R"("\u{D800}")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\u{D800}\".");
    CHECK(lex_error(R"("\uD800")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\uD800\".");
    CHECK(lex_error(R"("\uDE00\uD83D")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\uDE00\".");
    CHECK(lex_error(R"("x\uD83D\u0041")") ==
          "1:3: Syntax Error: Invalid Unicode escape sequence: \"\\uD83D\".");
    CHECK(lex_error(R"("\uD83D\uD83D")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\uD83D\".");
    CHECK(lex_error(R"("\uD83D\u{DE00}")") ==
          "1:2: Syntax Error: Invalid Unicode escape sequence: \"\\uD83D\".");
}

TEST_CASE("ill-formed UTF-8 is refused wherever it appears", "[graphql]") {
    CHECK(lex_error("\xFF") == "1:1: Syntax Error: Invalid UTF-8 byte 0xFF.");
    CHECK(lex_error("a \xC3") == "1:3: Syntax Error: Invalid UTF-8 byte 0xC3.");
    CHECK(lex_error("\"ab\xC0\xAF\"") == "1:4: Syntax Error: Invalid UTF-8 byte 0xC0.");
    CHECK(lex_error("\"\xED\xA0\x80\"") == "1:2: Syntax Error: Invalid UTF-8 byte 0xED.");
    CHECK(lex_error("\"\xF4\x90\x80\x80\"") == "1:2: Syntax Error: Invalid UTF-8 byte 0xF4.");
    CHECK(lex_error("\"\xE2\x82\"") == "1:2: Syntax Error: Invalid UTF-8 byte 0xE2.");
    CHECK(lex_error("\"\"\"\n \x80\"\"\"") == "2:2: Syntax Error: Invalid UTF-8 byte 0x80.");
    CHECK(lex_error("# \xE7\x8C\xAB \xE7\x8C") == "1:5: Syntax Error: Invalid UTF-8 byte 0xE7.");
}

TEST_CASE("characters that start no token are errors", "[graphql]") {
    CHECK(lex_error("?") == "1:1: Syntax Error: Unexpected character: \"?\".");
    CHECK(lex_error("a\n  %") == "2:3: Syntax Error: Unexpected character: \"%\".");
    CHECK(lex_error("..") == "1:1: Syntax Error: Unexpected character: \".\".");
    CHECK(lex_error("'x'") ==
          "1:1: Syntax Error: Unexpected single quote character ('), did you mean to use a double "
          "quote (\")?");
    CHECK(lex_error("\x07") == "1:1: Syntax Error: Unexpected character: U+0007.");
    CHECK(lex_error(std::string_view("\0", 1)) ==
          "1:1: Syntax Error: Unexpected character: U+0000.");
    CHECK(lex_error("\xC3\xA9") == "1:1: Syntax Error: Unexpected character: U+00E9.");
    CHECK(lex_error("\xF0\x9F\x98\x80") == "1:1: Syntax Error: Unexpected character: U+1F600.");
    CHECK(lex_error("\xE2\x80\xA8") == "1:1: Syntax Error: Unexpected character: U+2028.");
}

TEST_CASE("block strings keep characters verbatim and dedent like BlockStringValue", "[graphql]") {
    SECTION("the spec's example equals its quoted form") {
        CHECK(string_value("\"\"\"\n    Hello,\n      World!\n\n    Yours,\n      GraphQL.\n  "
                           "\"\"\"") == "Hello,\n  World!\n\nYours,\n  GraphQL.");
    }
    SECTION("escapes other than \\\"\"\" are plain characters") {
        CHECK(string_value(R"("""\n\t\u0041 \\ \"""""")") == "\\n\\t\\u0041 \\\\ \"\"\"");
        CHECK(string_value(R"("""contains " and "" quotes""")") == "contains \" and \"\" quotes");
    }
    SECTION("the first line is never dedented and counts for nothing") {
        CHECK(string_value("\"\"\"  first\n    second\n      third\"\"\"") ==
              "  first\nsecond\n  third");
        CHECK(string_value("\"\"\"first\n  second\"\"\"") == "first\nsecond");
    }
    SECTION("blank leading and trailing lines go, blank inner lines stay") {
        CHECK(string_value("\"\"\"\n\n   \n  text\n\n  more\n \t \n\"\"\"") == "text\n\nmore");
        CHECK(string_value("\"\"\"   \n\t\n\"\"\"") == "");
        CHECK(string_value("\"\"\"\"\"\"") == "");
        CHECK(string_value("\"\"\"    \"\"\"") == "");
    }
    SECTION("inner lines shorter or longer than the indent") {
        CHECK(string_value("\"\"\"\n    a\n  \n      \n    b\n\"\"\"") == "a\n\n  \nb");
    }
    SECTION("tabs are white space and all line terminators become line feeds") {
        CHECK(string_value("\"\"\"\r\n\t\ta\r\n\t\t  b\r\t\tc\r\n\"\"\"") == "a\n  b\nc");
    }
    SECTION("white space after the last line is not part of the indentation") {
        CHECK(string_value("\"\"\"\n  a\n    b  \n  \"\"\"") == "a\n  b  ");
    }
    SECTION("an escaped triple quote may start a line") {
        CHECK(string_value("\"\"\"\n  \\\"\"\"\n  x\n\"\"\"") == "\"\"\"\nx");
    }
    SECTION("non-ASCII text and the UTF-8 line/column count") {
        CHECK(string_value("\"\"\"\n  \xE7\x8C\xAB\n    \xF0\x9F\x98\x80\n\"\"\"") ==
              "\xE7\x8C\xAB\n  \xF0\x9F\x98\x80");
    }
}

TEST_CASE("unterminated block strings are errors at the end of input", "[graphql]") {
    CHECK(lex_error("\"\"\"") == "1:4: Syntax Error: Unterminated string.");
    CHECK(lex_error("\"\"\"abc\n  de\"\"") == "2:7: Syntax Error: Unterminated string.");
    CHECK(lex_error("\"\"\"abc\\\"\"\"") == "1:11: Syntax Error: Unterminated string.");
}

TEST_CASE("block_string_value implements the spec's algorithm on raw text", "[graphql]") {
    CHECK(block_string_value("") == "");
    CHECK(block_string_value("\n\n") == "");
    CHECK(block_string_value("x") == "x");
    CHECK(block_string_value("  x  ") == "  x  ");
    CHECK(block_string_value("\n  a\n   b\n  c\n") == "a\n b\nc");
    CHECK(block_string_value("head\n  a\n\n  b\n   ") == "head\na\n\nb");
}

TEST_CASE("the lexer refuses more tokens than its limit", "[graphql]") {
    lexer lex("a b c", 2);
    CHECK(lex.next().raw == "a");
    CHECK(lex.next().raw == "b");
    try {
        lex.next();
        FAIL("read a third token");
    } catch (const syntax_error& e) {
        CHECK(std::string(e.what()) ==
              "Syntax Error: Document contains more than 2 tokens. Parsing aborted.");
        CHECK(e.where() == location{1, 5});
    }
    lexer exact("a b", 2);
    CHECK(exact.next().raw == "a");
    CHECK(exact.next().raw == "b");
    CHECK(exact.next().kind == token_kind::end);
}

TEST_CASE("tokens describe themselves in graphql-js words", "[graphql]") {
    CHECK(describe(token_kind::end) == "<EOF>");
    CHECK(describe(token_kind::brace_r) == "\"}\"");
    CHECK(describe(token_kind::spread) == "\"...\"");
    CHECK(describe(lex_one("abc")) == "Name \"abc\"");
    CHECK(describe(lex_one("-1")) == "Int \"-1\"");
    CHECK(describe(lex_one("1.5")) == "Float \"1.5\"");
    CHECK(describe(lex_one(R"("a\tb")")) == "String \"a\tb\"");
    CHECK(describe(lex_one(R"("""  x """)")) == "BlockString \"  x \"");
    CHECK(describe(lex_one("@")) == "\"@\"");
}
