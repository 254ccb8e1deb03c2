// SPDX-License-Identifier: Apache-2.0
// How single values are written in the export formats. Each function appends to `out`.
#pragma once

#include <string>
#include <string_view>

namespace airsql::exporting {

/// RFC 4648 base64 with padding.
void append_base64(std::string& out, std::string_view bytes);

/// The shortest decimal text that reads back as `v`, with a '.' or an exponent so it stays a
/// REAL ("1.0", "0.1", "1e+300"); non-finite values as `infinity` / `-infinity` give.
void append_real(std::string& out, double v, std::string_view infinity,
                 std::string_view minus_infinity);

/// A CSV field (RFC 4180): quoted only when it contains a comma, a quote, CR or LF, or is
/// empty (so an empty string differs from NULL, which is written as nothing). Bytes that are
/// not valid UTF-8 become U+FFFD.
void append_csv_text(std::string& out, std::string_view text);

/// A JSON string literal; bytes that are not valid UTF-8 become U+FFFD.
void append_json_string(std::string& out, std::string_view text);

/// An SQL string literal ('it''s'), or CAST(X'…' AS TEXT) when the text contains NUL or is
/// not valid UTF-8, so every byte survives.
void append_sql_text(std::string& out, std::string_view text);

/// An SQL blob literal X'…'.
void append_sql_blob(std::string& out, std::string_view bytes);

}  // namespace airsql::exporting
