// SPDX-License-Identifier: Apache-2.0
#include "sqlite/bounded_functions.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace airsql::sqlite {

namespace {

// Thrown inside a function body when the connection's deadline has passed.
struct interrupted {};

// Counts work and looks at the clock every 64Ki steps (a clock read costs ~20 ns).
class work_meter {
public:
    explicit work_meter(const call_deadline& d) : deadline_(d) {}
    void step(std::size_t cost = 1) {
        done_ += cost;
        if (done_ < check_every) return;
        done_ = 0;
        if (std::chrono::steady_clock::now() >= deadline_.until) throw interrupted{};
    }

private:
    static constexpr std::size_t check_every = 1u << 16;
    const call_deadline& deadline_;
    std::size_t done_ = 0;
};

using bytes = const unsigned char*;

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Decodes one character the way SQLite's LIKE and GLOB do: a lead byte takes every following
// continuation byte, and overlong, surrogate and non-character results read as U+FFFD.
char32_t read_char(bytes& p) {
    char32_t c = *p++;
    if (c < 0xC0) return c;
    if (c < 0xE0) {
        c &= 0x1F;
    } else if (c < 0xF0) {
        c &= 0x0F;
    } else if (c < 0xF8) {
        c &= 0x07;
    } else if (c < 0xFC) {
        c &= 0x03;
    } else if (c < 0xFE) {
        c &= 0x01;
    } else {
        c = 0;
    }
    while (is_continuation(*p)) c = (c << 6) + (*p++ & 0x3F);
    if (c < 0x80 || (c & 0xFFFFF800) == 0xD800 || (c & 0xFFFFFFFE) == 0xFFFE) c = 0xFFFD;
    return c;
}

void skip_char(bytes& p) {
    if (*p++ >= 0xC0) {
        while (is_continuation(*p)) ++p;
    }
}

char32_t ascii_lower(char32_t c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

// ---- LIKE and GLOB ----

// The special characters of one pattern language. A zero disables a character (an ESCAPE
// that equals '%' or '_' makes that character literal).
struct pattern_rules {
    char32_t match_all;
    char32_t match_one;
    char32_t match_set;  // '[' for GLOB, 0 for LIKE
    bool no_case;
};

enum class match { yes, no, no_and_give_up };

class pattern_matcher {
public:
    pattern_matcher(const pattern_rules& rules, char32_t other, const call_deadline& d)
        : rules_(rules), other_(other), meter_(d) {}

    // `other` is the ESCAPE character for LIKE and '[' for GLOB.
    match compare(bytes pattern, bytes text) {
        char32_t c;
        while ((c = read_char(pattern)) != 0) {
            meter_.step();
            if (is(c, rules_.match_all)) return after_wildcard(pattern, text);
            bool escaped = false;
            if (is(c, other_)) {
                if (rules_.match_set == 0) {
                    c = read_char(pattern);
                    if (c == 0) return match::no;
                    escaped = true;
                } else {
                    if (!matches_set(pattern, text)) return match::no;
                    continue;
                }
            }
            char32_t t = read_char(text);
            if (c == t) continue;
            if (rules_.no_case && c < 0x80 && t < 0x80 && ascii_lower(c) == ascii_lower(t)) {
                continue;
            }
            if (is(c, rules_.match_one) && !escaped && t != 0) continue;
            return match::no;
        }
        return *text == 0 ? match::yes : match::no;
    }

private:
    static bool is(char32_t c, char32_t special) { return special != 0 && c == special; }

    // `pattern` is just past a match_all character.
    match after_wildcard(bytes pattern, bytes text) {
        char32_t c;
        // Runs of match_all and match_one collapse; each match_one still takes a character.
        while (true) {
            bytes before = pattern;
            c = read_char(pattern);
            if (is(c, rules_.match_all)) continue;
            if (is(c, rules_.match_one)) {
                if (read_char(text) == 0) return match::no_and_give_up;
                continue;
            }
            if (c != 0 && is(c, other_) && rules_.match_set != 0) {
                // A "[...]" set right after the wildcard: try it at every position.
                while (*text) {
                    meter_.step();
                    match m = compare(before, text);
                    if (m != match::no) return m;
                    skip_char(text);
                }
                return match::no_and_give_up;
            }
            break;
        }
        if (c == 0) return match::yes;
        if (is(c, other_)) {  // LIKE's escape: the next character is literal
            c = read_char(pattern);
            if (c == 0) return match::no_and_give_up;
        }
        bool fold = rules_.no_case && c < 0x80;
        while (true) {
            meter_.step();
            char32_t t = read_char(text);
            if (t == 0) return match::no_and_give_up;
            if (t != c && !(fold && t < 0x80 && ascii_lower(t) == ascii_lower(c))) continue;
            match m = compare(pattern, text);
            if (m != match::no) return m;
        }
    }

    // `pattern` is just past '['; consumes the set and one character of `text`.
    bool matches_set(bytes& pattern, bytes& text) {
        char32_t t = read_char(text);
        if (t == 0) return false;
        bool seen = false;
        bool invert = false;
        char32_t c = read_char(pattern);
        if (c == '^') {
            invert = true;
            c = read_char(pattern);
        }
        if (c == ']') {
            seen = t == ']';
            c = read_char(pattern);
        }
        char32_t range_start = 0;
        while (c != 0 && c != ']') {
            meter_.step();
            if (c == '-' && *pattern != ']' && *pattern != 0 && range_start > 0) {
                c = read_char(pattern);
                if (t >= range_start && t <= c) seen = true;
                range_start = 0;
            } else {
                if (t == c) seen = true;
                range_start = c;
            }
            c = read_char(pattern);
        }
        return c != 0 && seen != invert;
    }

    pattern_rules rules_;
    char32_t other_;
    work_meter meter_;
};

constexpr pattern_rules like_rules{'%', '_', 0, true};
constexpr pattern_rules glob_rules{'*', '?', '[', false};

std::size_t count_chars(bytes p) {
    std::size_t n = 0;
    while (*p) {
        skip_char(p);
        ++n;
    }
    return n;
}

const call_deadline& deadline_of(sqlite3_context* ctx) {
    return *static_cast<const call_deadline*>(sqlite3_user_data(ctx));
}

// Runs a function body, turning a passed deadline and exhausted memory into SQLite errors.
template <class Body>
void guarded(sqlite3_context* ctx, Body&& body) {
    try {
        body();
    } catch (const interrupted&) {
        sqlite3_result_error(ctx, "interrupted: the query ran past its time limit", -1);
        sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    } catch (const std::bad_alloc&) {
        sqlite3_result_error_nomem(ctx);
    }
}

void pattern_function(sqlite3_context* ctx, int argc, sqlite3_value** argv,
                      pattern_rules rules) {
    // This SQLite build has LIKE_DOESNT_MATCH_BLOBS.
    if (sqlite3_value_type(argv[0]) == SQLITE_BLOB || sqlite3_value_type(argv[1]) == SQLITE_BLOB) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    sqlite3* db = sqlite3_context_db_handle(ctx);
    if (sqlite3_value_bytes(argv[0]) > sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, -1)) {
        sqlite3_result_error(ctx, "LIKE or GLOB pattern too complex", -1);
        return;
    }
    char32_t other = rules.match_set;
    if (argc == 3) {
        bytes escape = sqlite3_value_text(argv[2]);
        if (escape == nullptr) return;
        if (count_chars(escape) != 1) {
            sqlite3_result_error(ctx, "ESCAPE expression must be a single character", -1);
            return;
        }
        other = read_char(escape);
        if (other == rules.match_all) rules.match_all = 0;
        if (other == rules.match_one) rules.match_one = 0;
    }
    bytes pattern = sqlite3_value_text(argv[0]);
    bytes text = sqlite3_value_text(argv[1]);
    if (pattern == nullptr || text == nullptr) return;
    guarded(ctx, [&] {
        pattern_matcher m(rules, other, deadline_of(ctx));
        sqlite3_result_int(ctx, m.compare(pattern, text) == match::yes);
    });
}

void like_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    pattern_function(ctx, argc, argv, like_rules);
}

void glob_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    pattern_function(ctx, argc, argv, glob_rules);
}

// ---- instr ----

// Owns a copy of a value so that reading it as text does not change the caller's argument.
struct value_copy {
    sqlite3_value* v;
    explicit value_copy(sqlite3_value* from) : v(sqlite3_value_dup(from)) {}
    ~value_copy() { sqlite3_value_free(v); }
    value_copy(const value_copy&) = delete;
    value_copy& operator=(const value_copy&) = delete;
};

void instr_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
    int haystack_type = sqlite3_value_type(argv[0]);
    int needle_type = sqlite3_value_type(argv[1]);
    if (haystack_type == SQLITE_NULL || needle_type == SQLITE_NULL) return;
    if (sqlite3_value_bytes(argv[1]) == 0) {
        sqlite3_result_int(ctx, 1);
        return;
    }
    bool is_text = !(haystack_type == SQLITE_BLOB && needle_type == SQLITE_BLOB);
    bool mixed = (haystack_type == SQLITE_BLOB) != (needle_type == SQLITE_BLOB);
    value_copy haystack_copy(mixed ? argv[0] : nullptr);
    value_copy needle_copy(mixed ? argv[1] : nullptr);
    sqlite3_value* h = mixed ? haystack_copy.v : argv[0];
    sqlite3_value* n = mixed ? needle_copy.v : argv[1];
    if (mixed && (h == nullptr || n == nullptr)) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    auto* hay = static_cast<const unsigned char*>(is_text ? static_cast<const void*>(sqlite3_value_text(h))
                                                          : sqlite3_value_blob(h));
    auto* needle = static_cast<const unsigned char*>(
        is_text ? static_cast<const void*>(sqlite3_value_text(n)) : sqlite3_value_blob(n));
    auto hay_size = static_cast<std::size_t>(sqlite3_value_bytes(h));
    auto needle_size = static_cast<std::size_t>(sqlite3_value_bytes(n));
    if (needle == nullptr || (hay_size > 0 && hay == nullptr)) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    // SQLite tries a match only where a character starts (for text), so a needle that begins
    // with a continuation byte can only match at the very start.
    const unsigned char* found = nullptr;
    if (needle_size <= hay_size) {
        if (is_text && is_continuation(needle[0])) {
            if (std::memcmp(hay, needle, needle_size) == 0) found = hay;
        } else {
            // glibc's memmem is linear in the haystack (two-way string matching).
            found = static_cast<const unsigned char*>(memmem(hay, hay_size, needle, needle_size));
        }
    }
    if (found == nullptr) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    std::int64_t position = 1;
    if (is_text) {
        for (const unsigned char* p = hay + 1; p <= found; ++p) position += !is_continuation(*p);
    } else {
        position += found - hay;
    }
    sqlite3_result_int64(ctx, position);
}

// ---- replace ----

void replace_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
    auto* text = sqlite3_value_text(argv[0]);
    if (text == nullptr) return;
    auto text_size = static_cast<std::size_t>(sqlite3_value_bytes(argv[0]));
    auto* pattern = sqlite3_value_text(argv[1]);
    if (pattern == nullptr) return;
    if (pattern[0] == 0) {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    auto pattern_size = static_cast<std::size_t>(sqlite3_value_bytes(argv[1]));
    auto* replacement = sqlite3_value_text(argv[2]);
    if (replacement == nullptr) return;
    auto replacement_size = static_cast<std::size_t>(sqlite3_value_bytes(argv[2]));
    auto limit = static_cast<std::size_t>(
        sqlite3_limit(sqlite3_context_db_handle(ctx), SQLITE_LIMIT_LENGTH, -1));
    guarded(ctx, [&] {
        std::string out;
        std::size_t at = 0;
        while (at < text_size) {
            const void* hit = text_size - at >= pattern_size
                                  ? memmem(text + at, text_size - at, pattern, pattern_size)
                                  : nullptr;
            std::size_t next = hit ? static_cast<std::size_t>(static_cast<const unsigned char*>(hit) - text)
                                   : text_size;
            if (out.size() + (next - at) + (hit ? replacement_size : 0) > limit) {
                sqlite3_result_error_toobig(ctx);
                return;
            }
            out.append(reinterpret_cast<const char*>(text + at), next - at);
            if (!hit) break;
            out.append(reinterpret_cast<const char*>(replacement), replacement_size);
            at = next + pattern_size;
        }
        sqlite3_result_text64(ctx, out.data(), out.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    });
}

// ---- trim, ltrim, rtrim ----

enum trim_sides { trim_left = 1, trim_right = 2, trim_both = 3 };

// The characters of a trim set in their order: SQLite removes, at each step, the first set
// member (in set order) that the edge of the text starts with.
class trim_set {
public:
    explicit trim_set(bytes set) {
        while (*set) {
            bytes start = set;
            skip_char(set);
            members_.emplace_back(reinterpret_cast<const char*>(start),
                                  static_cast<std::size_t>(set - start) & 0xFF);
        }
        for (std::size_t i = members_.size(); i-- > 0;) index_[members_[i]] = i;
        for (const auto& [member, i] : index_) lengths_.push_back(member.size());
        std::sort(lengths_.begin(), lengths_.end());
        lengths_.erase(std::unique(lengths_.begin(), lengths_.end()), lengths_.end());
    }

    bool empty() const { return members_.empty(); }

    // Length of the set member that `edge` (the next `available` bytes, at the front when
    // `front`, else at the back) starts with, or 0 when none does.
    std::size_t match(const char* text, std::size_t available, bool front, work_meter& meter) const {
        std::size_t best = members_.size();
        std::size_t best_length = 0;
        for (std::size_t length : lengths_) {
            meter.step();
            if (length == 0 || length > available) continue;
            std::string_view edge(front ? text : text + available - length, length);
            auto it = index_.find(edge);
            if (it != index_.end() && it->second < best) {
                best = it->second;
                best_length = length;
            }
        }
        return best_length;
    }

private:
    std::vector<std::string_view> members_;
    std::unordered_map<std::string_view, std::size_t> index_;  // first position of each member
    std::vector<std::size_t> lengths_;
};

void trim_function(sqlite3_context* ctx, int argc, sqlite3_value** argv, trim_sides sides) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
    if (text == nullptr) return;
    auto size = static_cast<std::size_t>(sqlite3_value_bytes(argv[0]));
    static const unsigned char space[] = " ";
    bytes set = space;
    if (argc == 2) {
        set = sqlite3_value_text(argv[1]);
        if (set == nullptr) return;
    }
    guarded(ctx, [&] {
        trim_set members(set);
        if (!members.empty()) {
            work_meter meter(deadline_of(ctx));
            if (sides & trim_left) {
                while (size > 0) {
                    std::size_t n = members.match(text, size, true, meter);
                    if (n == 0) break;
                    text += n;
                    size -= n;
                }
            }
            if (sides & trim_right) {
                while (size > 0) {
                    std::size_t n = members.match(text, size, false, meter);
                    if (n == 0) break;
                    size -= n;
                }
            }
        }
        sqlite3_result_text64(ctx, text, size, SQLITE_TRANSIENT, SQLITE_UTF8);
    });
}

void trim_both_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    trim_function(ctx, argc, argv, trim_both);
}
void ltrim_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    trim_function(ctx, argc, argv, trim_left);
}
void rtrim_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    trim_function(ctx, argc, argv, trim_right);
}

using scalar = void (*)(sqlite3_context*, int, sqlite3_value**);

struct replacement_function {
    const char* name;
    int args;
    scalar body;
};

constexpr replacement_function replacements[] = {
    {"like", 2, like_function},       {"like", 3, like_function},
    {"glob", 2, glob_function},       {"instr", 2, instr_function},
    {"replace", 3, replace_function}, {"trim", 1, trim_both_function},
    {"trim", 2, trim_both_function},  {"ltrim", 1, ltrim_function},
    {"ltrim", 2, ltrim_function},     {"rtrim", 1, rtrim_function},
    {"rtrim", 2, rtrim_function},
};

}  // namespace

void register_bounded_functions(sqlite3* db, call_deadline* budget) {
    constexpr int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    for (const auto& f : replacements) {
        sqlite3_create_function_v2(db, f.name, f.args, flags, budget, f.body, nullptr, nullptr,
                                   nullptr);
    }
}

}  // namespace airsql::sqlite
