// SPDX-License-Identifier: Apache-2.0
#include "sqlite/regexp.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <sqlite3.h>

#include <chrono>
#include <string>

#include "sqlite/bounded_functions.hpp"

namespace airsql::sqlite {

namespace {

// A compiled pattern with its match context and data, kept with the statement.
struct compiled_regexp {
    bool caseless = false;
    pcre2_code* code = nullptr;
    pcre2_match_context* context = nullptr;
    pcre2_match_data* data = nullptr;

    ~compiled_regexp() {
        pcre2_match_data_free(data);
        pcre2_match_context_free(context);
        pcre2_code_free(code);
    }
};

std::string pcre2_message(int code) {
    PCRE2_UCHAR buffer[256];
    if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0)
        return "error " + std::to_string(code);
    return reinterpret_cast<const char*>(buffer);
}

// Compiles `pattern`; on failure sets the function's error and returns null.
compiled_regexp* compile(sqlite3_context* ctx, const unsigned char* pattern, std::size_t size,
                         bool caseless) {
    auto* r = new compiled_regexp;
    r->caseless = caseless;
    int error = 0;
    PCRE2_SIZE offset = 0;
    std::uint32_t options =
        PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0);
    r->code = pcre2_compile(pattern, size, options, &error, &offset, nullptr);
    if (r->code == nullptr) {
        std::string message = "invalid regular expression: " + pcre2_message(error) +
                              " at offset " + std::to_string(offset);
        sqlite3_result_error(ctx, message.c_str(), -1);
        delete r;
        return nullptr;
    }
    r->context = pcre2_match_context_create(nullptr);
    r->data = pcre2_match_data_create(1, nullptr);
    if (r->context == nullptr || r->data == nullptr) {
        sqlite3_result_error_nomem(ctx);
        delete r;
        return nullptr;
    }
    pcre2_set_match_limit(r->context, regexp_match_limit);
    pcre2_set_depth_limit(r->context, regexp_depth_limit);
    pcre2_set_heap_limit(r->context, regexp_heap_limit_kib);
    return r;
}

void regexp_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
    for (int i = 0; i < argc; ++i) {
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL) return;
    }
    const auto& deadline = *static_cast<const call_deadline*>(sqlite3_user_data(ctx));
    if (std::chrono::steady_clock::now() >= deadline.until) {
        sqlite3_result_error(ctx, "interrupted: the query ran past its time limit", -1);
        sqlite3_result_error_code(ctx, SQLITE_INTERRUPT);
        return;
    }
    bool caseless = false;
    if (argc == 3) {
        const auto* flags = reinterpret_cast<const char*>(sqlite3_value_text(argv[2]));
        caseless = flags != nullptr && std::string_view(flags).find('i') != std::string_view::npos;
    }
    auto* r = static_cast<compiled_regexp*>(sqlite3_get_auxdata(ctx, 0));
    if (r == nullptr || r->caseless != caseless) {
        sqlite3* db = sqlite3_context_db_handle(ctx);
        if (sqlite3_value_bytes(argv[0]) >
            sqlite3_limit(db, SQLITE_LIMIT_LIKE_PATTERN_LENGTH, -1)) {
            sqlite3_result_error(ctx, "regular expression too long", -1);
            return;
        }
        const auto* pattern = sqlite3_value_text(argv[0]);
        if (pattern == nullptr) return sqlite3_result_error_nomem(ctx);
        r = compile(ctx, pattern, static_cast<std::size_t>(sqlite3_value_bytes(argv[0])), caseless);
        if (r == nullptr) return;
        sqlite3_set_auxdata(ctx, 0, r, [](void* p) { delete static_cast<compiled_regexp*>(p); });
        r = static_cast<compiled_regexp*>(sqlite3_get_auxdata(ctx, 0));
        if (r == nullptr) return sqlite3_result_error_nomem(ctx);
    }
    const auto* text = sqlite3_value_text(argv[1]);
    if (text == nullptr) return sqlite3_result_error_nomem(ctx);
    int rc = pcre2_match(r->code, text, static_cast<PCRE2_SIZE>(sqlite3_value_bytes(argv[1])), 0, 0,
                         r->data, r->context);
    if (rc >= 0) {
        sqlite3_result_int(ctx, 1);
    } else if (rc == PCRE2_ERROR_NOMATCH) {
        sqlite3_result_int(ctx, 0);
    } else if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
               rc == PCRE2_ERROR_HEAPLIMIT) {
        sqlite3_result_error(
            ctx,
            "the regular expression needs too much work for this text (PCRE2's match limit); "
            "simplify it",
            -1);
    } else {
        std::string message = "regular expression failed: " + pcre2_message(rc);
        sqlite3_result_error(ctx, message.c_str(), -1);
    }
}

}  // namespace

void register_regexp(sqlite3* db, call_deadline* budget) {
    constexpr int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    sqlite3_create_function_v2(db, "regexp", 2, flags, budget, regexp_function, nullptr, nullptr,
                               nullptr);
    sqlite3_create_function_v2(db, "regexp", 3, flags, budget, regexp_function, nullptr, nullptr,
                               nullptr);
}

}  // namespace airsql::sqlite
