// SPDX-License-Identifier: Apache-2.0
#include "sqlite/similar_to.hpp"

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "sqlite/bounded_functions.hpp"

namespace airsql::sqlite {

namespace {

struct interrupted {};

// Decodes one UTF-8 character (lenient: a stray byte stands for itself).
char32_t next_char(std::string_view s, std::size_t& i) {
    auto b = static_cast<unsigned char>(s[i++]);
    if (b < 0xC0) return b;
    int extra = b < 0xE0 ? 1 : b < 0xF0 ? 2 : 3;
    char32_t c = b & (0x3F >> extra);
    while (extra-- > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) {
        c = (c << 6) | (static_cast<unsigned char>(s[i++]) & 0x3F);
    }
    return c;
}

struct char_set {
    bool negated = false;
    std::vector<std::pair<char32_t, char32_t>> ranges;
    bool contains(char32_t c) const {
        bool in = false;
        for (const auto& [lo, hi] : ranges) in = in || (c >= lo && c <= hi);
        return in != negated;
    }
};

// The syntax tree of a pattern.
struct node {
    enum class kind { empty, literal, any, set, concat, alternation, repeat } k = kind::empty;
    char32_t c = 0;
    std::size_t set = 0;
    int min = 0;
    int max = 0;  // -1: unbounded
    std::vector<node> children;
};

class parser {
  public:
    explicit parser(std::string_view p) {
        for (std::size_t i = 0; i < p.size();) chars_.push_back(next_char(p, i));
    }

    node parse(std::vector<char_set>& sets) {
        sets_ = &sets;
        node n = alternation(0);
        if (at_ < chars_.size()) fail("unbalanced ')'");
        return n;
    }

  private:
    [[noreturn]] static void fail(const std::string& why) {
        throw std::invalid_argument("invalid SIMILAR TO pattern: " + why);
    }
    bool more() const { return at_ < chars_.size(); }
    char32_t peek() const { return chars_[at_]; }

    node alternation(int depth) {
        if (depth > max_similar_nesting) {
            fail("parentheses nest deeper than " + std::to_string(max_similar_nesting) + " levels");
        }
        node alt;
        alt.k = node::kind::alternation;
        alt.children.push_back(concatenation(depth));
        while (more() && peek() == '|') {
            ++at_;
            alt.children.push_back(concatenation(depth));
        }
        return alt.children.size() == 1 ? std::move(alt.children[0]) : alt;
    }

    node concatenation(int depth) {
        node cat;
        cat.k = node::kind::concat;
        while (more() && peek() != '|' && peek() != ')') {
            node a = atom(depth);
            while (more() && (peek() == '*' || peek() == '+' || peek() == '?' || peek() == '{')) {
                node r;
                r.k = node::kind::repeat;
                char32_t q = chars_[at_++];
                if (q == '*') {
                    r.min = 0, r.max = -1;
                } else if (q == '+') {
                    r.min = 1, r.max = -1;
                } else if (q == '?') {
                    r.min = 0, r.max = 1;
                } else {
                    r.min = number();
                    r.max = r.min;
                    if (more() && peek() == ',') {
                        ++at_;
                        r.max = more() && peek() != '}' ? number() : -1;
                    }
                    if (!more() || peek() != '}') fail("'{' must be followed by m}, m,} or m,n}");
                    ++at_;
                    if (r.max != -1 && r.max < r.min) fail("{m,n} needs m <= n");
                }
                r.children.push_back(std::move(a));
                a = std::move(r);
            }
            cat.children.push_back(std::move(a));
        }
        return cat;
    }

    int number() {
        if (!more() || peek() < '0' || peek() > '9') fail("'{' must be followed by a number");
        long n = 0;
        while (more() && peek() >= '0' && peek() <= '9') {
            n = n * 10 + (chars_[at_++] - '0');
            if (n > max_similar_repeat) {
                fail("repetition counts may not exceed " + std::to_string(max_similar_repeat));
            }
        }
        return static_cast<int>(n);
    }

    node atom(int depth) {
        node n;
        char32_t c = chars_[at_++];
        switch (c) {
            case '(':
                n = alternation(depth + 1);
                if (!more() || peek() != ')') fail("unbalanced '('");
                ++at_;
                return n;
            case '*':
            case '+':
            case '?':
            case '{':
                fail("nothing to repeat before '" + std::string(1, static_cast<char>(c)) + "'");
            case '%':
                n.k = node::kind::repeat;
                n.min = 0, n.max = -1;
                n.children.push_back(node{node::kind::any});
                return n;
            case '_':
                n.k = node::kind::any;
                return n;
            case '[':
                n.k = node::kind::set;
                n.set = bracket();
                return n;
            case '\\':
                if (!more()) fail("the pattern ends with the escape character '\\'");
                c = chars_[at_++];
                break;
            default:
                break;
        }
        n.k = node::kind::literal;
        n.c = c;
        return n;
    }

    // Just past '['.
    std::size_t bracket() {
        char_set s;
        if (more() && peek() == '^') {
            s.negated = true;
            ++at_;
        }
        bool first = true;
        while (true) {
            if (!more()) fail("unbalanced '['");
            char32_t c = chars_[at_++];
            if (c == ']' && !first) break;
            first = false;
            if (c == '[' && more() && peek() == ':')
                fail("character classes like [:alpha:] are not supported");
            if (c == '\\') {
                if (!more()) fail("the pattern ends with the escape character '\\'");
                c = chars_[at_++];
            }
            char32_t hi = c;
            if (at_ + 1 < chars_.size() && peek() == '-' && chars_[at_ + 1] != ']') {
                at_++;
                hi = chars_[at_++];
                if (hi == '\\') {
                    if (!more()) fail("the pattern ends with the escape character '\\'");
                    hi = chars_[at_++];
                }
                if (hi < c) fail("a range in [...] runs backwards");
            }
            s.ranges.emplace_back(c, hi);
        }
        sets_->push_back(std::move(s));
        return sets_->size() - 1;
    }

    std::vector<char32_t> chars_;
    std::size_t at_ = 0;
    std::vector<char_set>* sets_ = nullptr;
};

struct instruction {
    enum class op { literal, any, set, split, jump, match } o = op::match;
    char32_t c = 0;
    std::size_t x = 0;  // literal/any/set: set index; split, jump: targets
    std::size_t y = 0;
};

// A compiled pattern: the instructions of a Thompson automaton.
class program {
  public:
    explicit program(std::string_view pattern) {
        node root = parser(pattern).parse(sets_);
        emit(root);
        add({instruction::op::match});
    }

    // Whether all of `text` matches; `meter` is called with the work done.
    template <class Meter>
    bool matches(std::string_view text, Meter&& meter) const {
        std::vector<std::size_t> current, next, stack;
        std::vector<std::size_t> seen(code_.size(), 0);
        std::size_t generation = 1;
        add_state(current, 0, seen, generation, stack);
        for (std::size_t i = 0; i < text.size();) {
            if (current.empty()) return false;
            char32_t c = next_char(text, i);
            ++generation;
            next.clear();
            for (auto pc : current) {
                const auto& in = code_[pc];
                bool step = (in.o == instruction::op::literal && in.c == c) ||
                            in.o == instruction::op::any ||
                            (in.o == instruction::op::set && sets_[in.x].contains(c));
                if (step) add_state(next, pc + 1, seen, generation, stack);
            }
            meter(current.size() + 1);
            std::swap(current, next);
        }
        for (auto pc : current) {
            if (code_[pc].o == instruction::op::match) return true;
        }
        return false;
    }

  private:
    void add_state(std::vector<std::size_t>& list, std::size_t pc, std::vector<std::size_t>& seen,
                   std::size_t generation, std::vector<std::size_t>& stack) const {
        stack.push_back(pc);
        while (!stack.empty()) {
            auto at = stack.back();
            stack.pop_back();
            if (seen[at] == generation) continue;
            seen[at] = generation;
            const auto& in = code_[at];
            if (in.o == instruction::op::jump) {
                stack.push_back(in.x);
            } else if (in.o == instruction::op::split) {
                stack.push_back(in.y);
                stack.push_back(in.x);
            } else {
                list.push_back(at);
            }
        }
    }

    std::size_t add(instruction in) {
        if (code_.size() >= max_similar_states) {
            throw std::invalid_argument("SIMILAR TO pattern too complex: it needs more than " +
                                        std::to_string(max_similar_states) + " states");
        }
        code_.push_back(in);
        return code_.size() - 1;
    }

    void emit(const node& n) {
        switch (n.k) {
            case node::kind::empty:
                return;
            case node::kind::literal:
                add({instruction::op::literal, n.c});
                return;
            case node::kind::any:
                add({instruction::op::any});
                return;
            case node::kind::set:
                add({instruction::op::set, 0, n.set});
                return;
            case node::kind::concat:
                for (const auto& c : n.children) emit(c);
                return;
            case node::kind::alternation: {
                std::vector<std::size_t> jumps;
                for (std::size_t i = 0; i < n.children.size(); ++i) {
                    if (i + 1 < n.children.size()) {
                        auto split = add({instruction::op::split});
                        code_[split].x = split + 1;
                        emit(n.children[i]);
                        jumps.push_back(add({instruction::op::jump}));
                        code_[split].y = code_.size();
                    } else {
                        emit(n.children[i]);
                    }
                }
                for (auto j : jumps) code_[j].x = code_.size();
                return;
            }
            case node::kind::repeat: {
                const node& body = n.children[0];
                for (int i = 0; i < n.min; ++i) emit(body);
                if (n.max == -1) {
                    auto split = add({instruction::op::split});
                    code_[split].x = split + 1;
                    emit(body);
                    add({instruction::op::jump, 0, split});
                    code_[split].y = code_.size();
                    return;
                }
                std::vector<std::size_t> splits;
                for (int i = n.min; i < n.max; ++i) {
                    auto split = add({instruction::op::split});
                    code_[split].x = split + 1;
                    splits.push_back(split);
                    emit(body);
                }
                for (auto s : splits) code_[s].y = code_.size();
                return;
            }
        }
    }

    std::vector<char_set> sets_;
    std::vector<instruction> code_;
};

void similar_to_function(sqlite3_context* ctx, int, sqlite3_value** argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    const auto& deadline = *static_cast<const call_deadline*>(sqlite3_user_data(ctx));
    try {
        // The compiled pattern is kept with the statement while its argument stays the same.
        auto* compiled = static_cast<program*>(sqlite3_get_auxdata(ctx, 0));
        if (compiled == nullptr) {
            sqlite3* db = sqlite3_context_db_handle(ctx);
            if (sqlite3_value_bytes(argv[0]) >
                sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, -1)) {
                sqlite3_result_error(ctx, "SIMILAR TO pattern too long", -1);
                return;
            }
            auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
            if (p == nullptr) return sqlite3_result_error_nomem(ctx);
            compiled = new program(
                std::string_view(p, static_cast<std::size_t>(sqlite3_value_bytes(argv[0]))));
            sqlite3_set_auxdata(ctx, 0, compiled, [](void* v) { delete static_cast<program*>(v); });
            // SQLite may have freed it already (it then calls the destructor at once).
            compiled = static_cast<program*>(sqlite3_get_auxdata(ctx, 0));
            if (compiled == nullptr) return sqlite3_result_error_nomem(ctx);
        }
        auto* t = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
        if (t == nullptr) return sqlite3_result_error_nomem(ctx);
        std::size_t work = 0;
        bool hit = compiled->matches(
            std::string_view(t, static_cast<std::size_t>(sqlite3_value_bytes(argv[1]))),
            [&](std::size_t cost) {
                work += cost;
                if (work < (1u << 16)) return;
                work = 0;
                if (std::chrono::steady_clock::now() >= deadline.until) throw interrupted{};
            });
        sqlite3_result_int(ctx, hit ? 1 : 0);
    } catch (const std::invalid_argument& e) {
        sqlite3_result_error(ctx, e.what(), -1);
    } catch (const interrupted&) {
        sqlite3_result_error(ctx, "interrupted: the query ran past its time limit", -1);
        sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
    } catch (const std::bad_alloc&) {
        sqlite3_result_error_nomem(ctx);
    }
}

}  // namespace

void register_similar_to(sqlite3* db, call_deadline* budget) {
    sqlite3_create_function_v2(db, "similar_to", 2,
                               SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, budget,
                               similar_to_function, nullptr, nullptr, nullptr);
}

bool similar_to(std::string_view pattern, std::string_view text) {
    return program(pattern).matches(text, [](std::size_t) {});
}

}  // namespace airsql::sqlite
