// SPDX-License-Identifier: Apache-2.0
#include "sqlite/value_checks.hpp"

#include <sqlite3.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cmath>
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
        if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) return sqlite3_result_value(ctx, x);
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
}

}  // namespace airsql::sqlite
