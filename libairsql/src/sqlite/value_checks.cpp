// SPDX-License-Identifier: Apache-2.0
#include "sqlite/value_checks.hpp"

#include <sqlite3.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstdint>
#include <string>

namespace airsql::sqlite {

namespace {

// SQLite's JSON functions embed a text argument carrying this subtype as JSON, not as a string.
constexpr unsigned int json_subtype = 'J';

enum class scalar { int_, float_, boolean, string };

const char* type_name(int type) {
    switch (type) {
        case SQLITE_INTEGER:
            return "integer";
        case SQLITE_FLOAT:
            return "real";
        case SQLITE_TEXT:
            return "text";
        case SQLITE_BLOB:
            return "blob";
        default:
            return "null";
    }
}

const char* scalar_name(scalar s) {
    switch (s) {
        case scalar::int_:
            return "Int";
        case scalar::float_:
            return "Float";
        case scalar::boolean:
            return "Boolean";
        case scalar::string:
            return "String";
    }
    return "";
}

void result_json(sqlite3_context* ctx, const std::string& json) {
    sqlite3_result_text(ctx, json.data(), static_cast<int>(json.size()), SQLITE_TRANSIENT);
    sqlite3_result_subtype(ctx, json_subtype);
}

void result_marker(sqlite3_context* ctx, const std::string& message) {
    boost::json::object marker;
    marker[error_marker_key] = message;
    result_json(ctx, boost::json::serialize(marker));
}

// A finite real as JSON: SQLite's own text ("%!.15g": "0.5", "1.0e+300") when it reads back as
// the same double, so the usual values keep the bytes SQLite's JSON functions write; else the
// shortest text that does.
void result_real(sqlite3_context* ctx, sqlite3_value* x) {
    double d = sqlite3_value_double(x);
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(x));
    if (!text) return sqlite3_result_error_nomem(ctx);
    if (std::strtod(text, nullptr) == d) {
        return result_json(ctx, std::string(text, static_cast<std::size_t>(sqlite3_value_bytes(x))));
    }
    char digits[32];
    auto end = std::to_chars(digits, digits + sizeof digits, d).ptr;
    result_json(ctx, std::string(digits, end));
}

bool finite_real(sqlite3_value* x) {
    return sqlite3_value_type(x) != SQLITE_FLOAT || std::isfinite(sqlite3_value_double(x));
}

std::string column_of(sqlite3_value* v) {
    const auto* text = sqlite3_value_text(v);
    return text ? std::string(reinterpret_cast<const char*>(text), sqlite3_value_bytes(v)) : "";
}

template <scalar S>
void check(sqlite3_context* ctx, int, sqlite3_value** argv) {
    sqlite3_value* x = argv[0];
    int type = sqlite3_value_type(x);
    auto mismatch = [&] {
        result_marker(ctx, std::string("the ") + type_name(type) + " value of column \"" +
                               column_of(argv[1]) + "\" cannot be represented as " + scalar_name(S));
    };
    if (type == SQLITE_NULL) {
        if (sqlite3_value_int(argv[2]) != 0) {
            result_marker(ctx, "column \"" + column_of(argv[1]) +
                                   "\" is NULL in a row, but its GraphQL type is non-null");
        } else {
            sqlite3_result_null(ctx);
        }
        return;
    }
    if constexpr (S == scalar::int_) {
        if (type == SQLITE_INTEGER) return sqlite3_result_value(ctx, x);
        if (type == SQLITE_FLOAT) {
            double d = sqlite3_value_double(x);
            // As CAST(x AS INTEGER) = x: within int64's range and without a fraction.
            if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && std::trunc(d) == d) {
                return sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(d));
            }
        }
        return mismatch();
    } else if constexpr (S == scalar::float_) {
        if (type == SQLITE_INTEGER) return sqlite3_result_value(ctx, x);
        if (type == SQLITE_FLOAT) {
            if (!finite_real(x)) {
                return result_marker(ctx, "the real value of column \"" + column_of(argv[1]) +
                                              "\" is not a finite number, which Float cannot "
                                              "represent");
            }
            return result_real(ctx, x);
        }
        return mismatch();
    } else if constexpr (S == scalar::boolean) {
        if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
            return result_json(ctx, sqlite3_value_double(x) != 0 ? "true" : "false");
        }
        return mismatch();
    } else {
        if (type == SQLITE_TEXT) return sqlite3_result_value(ctx, x);
        if (type == SQLITE_BLOB) return mismatch();
        // An integer or a real: its text, as CAST(x AS TEXT) gives it.
        const auto* text = sqlite3_value_text(x);
        if (!text) return sqlite3_result_error_nomem(ctx);
        return sqlite3_result_text(ctx, reinterpret_cast<const char*>(text), sqlite3_value_bytes(x),
                                   SQLITE_TRANSIENT);
    }
}

// airsql_number(x, label)
void number(sqlite3_context* ctx, int, sqlite3_value** argv) {
    sqlite3_value* x = argv[0];
    if (sqlite3_value_type(x) == SQLITE_TEXT && sqlite3_value_subtype(x) == json_subtype) {
        return result_json(ctx, column_of(x));  // a marker from airsql_sum
    }
    if (sqlite3_value_type(x) != SQLITE_FLOAT) return sqlite3_result_value(ctx, x);
    if (!finite_real(x)) {
        return result_marker(ctx, "the " + column_of(argv[1]) +
                                      " is not a finite number, which JSON cannot represent");
    }
    result_real(ctx, x);
}

// airsql_sum(x): integers exactly (in 128 bits), reals in double precision.
struct sum_state {
    __int128 integers = 0;
    double reals = 0;
    bool any = false;
    bool real = false;
};

void sum_step(sqlite3_context* ctx, int, sqlite3_value** argv) {
    auto* st = static_cast<sum_state*>(sqlite3_aggregate_context(ctx, sizeof(sum_state)));
    if (!st) return sqlite3_result_error_nomem(ctx);
    sqlite3_value* x = argv[0];
    switch (sqlite3_value_numeric_type(x)) {
        case SQLITE_NULL:
            return;
        case SQLITE_INTEGER:
            st->integers += sqlite3_value_int64(x);
            break;
        default:  // reals, and text or blobs that do not look like numbers (as sum(): 0)
            st->real = true;
            st->reals += sqlite3_value_double(x);
            break;
    }
    st->any = true;
}

void sum_final(sqlite3_context* ctx) {
    auto* st = static_cast<sum_state*>(sqlite3_aggregate_context(ctx, 0));
    if (!st || !st->any) return sqlite3_result_null(ctx);
    if (st->real) {
        // airsql_number around it turns an infinite sum into a marker.
        return sqlite3_result_double(ctx, st->reals + static_cast<double>(st->integers));
    }
    if (st->integers > INT64_MAX || st->integers < INT64_MIN) {
        return result_marker(ctx, "the sum is beyond the 64-bit integer range of Int");
    }
    sqlite3_result_int64(ctx, static_cast<sqlite3_int64>(st->integers));
}

// Welford's running mean and sum of squared differences.
struct spread_state {
    std::int64_t n = 0;
    double mean = 0;
    double m2 = 0;
};

void spread_step(sqlite3_context* ctx, int, sqlite3_value** argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) return;
    auto* st = static_cast<spread_state*>(sqlite3_aggregate_context(ctx, sizeof(spread_state)));
    if (!st) return sqlite3_result_error_nomem(ctx);
    double x = sqlite3_value_double(argv[0]);
    ++st->n;
    double delta = x - st->mean;
    st->mean += delta / static_cast<double>(st->n);
    st->m2 += delta * (x - st->mean);
}

template <bool Sample, bool Root>
void spread_final(sqlite3_context* ctx) {
    auto* st = static_cast<spread_state*>(sqlite3_aggregate_context(ctx, 0));
    std::int64_t needed = Sample ? 2 : 1;
    if (!st || st->n < needed) return sqlite3_result_null(ctx);
    double variance = st->m2 / static_cast<double>(Sample ? st->n - 1 : st->n);
    if (!(variance >= 0)) variance = 0;  // rounding; and NaN from infinite inputs
    sqlite3_result_double(ctx, Root ? std::sqrt(variance) : variance);
}

}  // namespace

void register_value_checks(sqlite3* db) {
    int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC;
#ifdef SQLITE_RESULT_SUBTYPE
    flags |= SQLITE_RESULT_SUBTYPE;
#endif
    sqlite3_create_function_v2(db, "airsql_int", 3, flags, nullptr, check<scalar::int_>, nullptr, nullptr, nullptr);
    sqlite3_create_function_v2(db, "airsql_float", 3, flags, nullptr, check<scalar::float_>, nullptr, nullptr, nullptr);
    sqlite3_create_function_v2(db, "airsql_boolean", 3, flags, nullptr, check<scalar::boolean>, nullptr, nullptr, nullptr);
    sqlite3_create_function_v2(db, "airsql_string", 3, flags, nullptr, check<scalar::string>, nullptr, nullptr, nullptr);
    sqlite3_create_function_v2(db, "airsql_number", 2, flags, nullptr, number, nullptr, nullptr, nullptr);
    sqlite3_create_function_v2(db, "airsql_sum", 1, flags, nullptr, nullptr, sum_step, sum_final, nullptr);
    sqlite3_create_function_v2(db, "airsql_var_samp", 1, flags, nullptr, nullptr, spread_step,
                               spread_final<true, false>, nullptr);
    sqlite3_create_function_v2(db, "airsql_var_pop", 1, flags, nullptr, nullptr, spread_step,
                               spread_final<false, false>, nullptr);
    sqlite3_create_function_v2(db, "airsql_stddev_samp", 1, flags, nullptr, nullptr, spread_step,
                               spread_final<true, true>, nullptr);
    sqlite3_create_function_v2(db, "airsql_stddev_pop", 1, flags, nullptr, nullptr, spread_step,
                               spread_final<false, true>, nullptr);
}

}  // namespace airsql::sqlite
