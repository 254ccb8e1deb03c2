// SPDX-License-Identifier: Apache-2.0
#include "graphql/name_encoding.hpp"

#include <cstdint>

namespace airsql::graphql {

namespace {

// The code letter of printable ASCII punctuation and space after "XX".
char punctuation_code(char c) {
    switch (c) {
        case ' ': return '0';
        case '!': return '1';
        case '"': return '2';
        case '#': return '3';
        case '$': return '4';
        case '%': return '5';
        case '&': return '6';
        case '\'': return '7';
        case '(': return '8';
        case ')': return '9';
        case '*': return 'A';
        case '+': return 'B';
        case ',': return 'C';
        case '-': return 'D';
        case '.': return 'E';
        case '/': return 'F';
        case ':': return 'G';
        case ';': return 'H';
        case '<': return 'I';
        case '=': return 'J';
        case '>': return 'K';
        case '?': return 'L';
        case '@': return 'M';
        case '[': return 'N';
        case '\\': return 'O';
        case ']': return 'P';
        case '^': return 'Q';
        case '_': return 'R';
        case '`': return 'S';
        case '{': return 'T';
        case '|': return 'U';
        case '}': return 'V';
        case '~': return 'W';
        default: return 0;
    }
}

bool is_word_char(char32_t c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// Decodes one UTF-8 sequence at s[i]; invalid bytes decode as themselves.
char32_t next_code_point(std::string_view s, std::size_t& i) {
    auto b0 = static_cast<unsigned char>(s[i]);
    auto continuation = [&](std::size_t k) {
        return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    };
    auto cont = [&](std::size_t k) {
        return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F);
    };
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    if ((b0 & 0xE0) == 0xC0 && continuation(1)) {
        char32_t cp = (static_cast<char32_t>(b0 & 0x1F) << 6) | cont(1);
        if (cp >= 0x80) {
            i += 2;
            return cp;
        }
    } else if ((b0 & 0xF0) == 0xE0 && continuation(1) && continuation(2)) {
        char32_t cp = (static_cast<char32_t>(b0 & 0x0F) << 12) | (cont(1) << 6) | cont(2);
        if (cp >= 0x800) {
            i += 3;
            return cp;
        }
    } else if ((b0 & 0xF8) == 0xF0 && continuation(1) && continuation(2) && continuation(3)) {
        char32_t cp = (static_cast<char32_t>(b0 & 0x07) << 18) | (cont(1) << 12) |
                      (cont(2) << 6) | cont(3);
        if (cp >= 0x10000 && cp <= 0x10FFFF) {
            i += 4;
            return cp;
        }
    }
    ++i;
    return b0;
}

// Steps 2 and 3: escape existing "XX", then double underscores, each left to right.
std::string escape_runs(std::string_view s) {
    std::string xx;
    xx.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        if (s.compare(i, 2, "XX") == 0) {
            xx += "XXXXXX";
            i += 2;
        } else {
            xx.push_back(s[i++]);
        }
    }
    std::string out;
    out.reserve(xx.size());
    for (std::size_t i = 0; i < xx.size();) {
        if (xx.compare(i, 2, "__") == 0) {
            out += "XXRXXR";
            i += 2;
        } else {
            out.push_back(xx[i++]);
        }
    }
    return out;
}

// Step 4: every character outside [A-Za-z0-9_] becomes an XX escape.
void encode_characters(std::string_view s, std::string& out) {
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp = next_code_point(s, i);
        if (is_word_char(cp)) {
            out.push_back(static_cast<char>(cp));
            continue;
        }
        if (cp >= 0x20 && cp < 0x7F) {
            out += "XX";
            out.push_back(punctuation_code(static_cast<char>(cp)));
            continue;
        }
        // Hex digits of the code point mapped 0-9a-f -> a-p, padded with 'a' to five.
        std::string letters;
        for (char32_t v = cp; v > 0; v >>= 4) letters.insert(letters.begin(), static_cast<char>('a' + (v & 0xF)));
        if (letters.empty()) letters = "a";
        if (letters.size() <= 5) {
            out += "XX";
            out.append(5 - letters.size(), 'a');
            out += letters;
        } else {
            out += "XXY";
            out += letters;
        }
    }
}

}  // namespace

std::string encode_name(std::string_view name) {
    std::string out;
    out.reserve(name.size() + 8);
    if (!name.empty() && name[0] >= '0' && name[0] <= '9') {
        out += "XXZ";
        out.push_back(name[0]);
        name.remove_prefix(1);
    }
    encode_characters(escape_runs(name), out);
    return out;
}

bool is_graphql_name(std::string_view name) {
    if (name.empty()) return false;
    char c = name[0];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')) return false;
    for (char d : name) {
        if (!is_word_char(static_cast<unsigned char>(d))) return false;
    }
    return true;
}

}  // namespace airsql::graphql
