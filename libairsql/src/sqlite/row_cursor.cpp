// SPDX-License-Identifier: Apache-2.0
#include "sqlite/row_cursor.hpp"

#include <sqlite3.h>

#include <cctype>

namespace airsql::sqlite {

namespace {
[[noreturn]] void fail(sqlite3* db) {
    throw_error(sqlite3_extended_errcode(db), sqlite3_errmsg(db));
}
}  // namespace

row_cursor::row_cursor(connection& conn, const std::string& sql) : conn_(conn) {
    if (sqlite3_prepare_v2(conn_.handle(), sql.c_str(), static_cast<int>(sql.size()), &st_,
                           nullptr) != SQLITE_OK) {
        sqlite3_finalize(st_);
        st_ = nullptr;
        fail(conn_.handle());
    }
}

row_cursor::~row_cursor() { sqlite3_finalize(st_); }

row_cursor& row_cursor::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(st_, index, value) != SQLITE_OK) fail(conn_.handle());
    return *this;
}

row_cursor& row_cursor::bind(int index, std::string_view text) {
    if (sqlite3_bind_text64(st_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8) != SQLITE_OK) {
        fail(conn_.handle());
    }
    return *this;
}

void row_cursor::reset() noexcept { sqlite3_reset(st_); }

bool row_cursor::step() {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(conn_.handle());
}

int row_cursor::column_count() const noexcept { return sqlite3_column_count(st_); }

std::string row_cursor::column_name(int index) const {
    const char* name = sqlite3_column_name(st_, index);
    return name ? name : "";
}

std::string row_cursor::declared_type(int index) const {
    const char* type = sqlite3_column_decltype(st_, index);
    return type ? type : "";
}

column_type row_cursor::type(int index) const noexcept {
    switch (sqlite3_column_type(st_, index)) {
        case SQLITE_INTEGER:
            return column_type::integer;
        case SQLITE_FLOAT:
            return column_type::real;
        case SQLITE_TEXT:
            return column_type::text;
        case SQLITE_BLOB:
            return column_type::blob;
        default:
            return column_type::null;
    }
}

std::int64_t row_cursor::int64(int index) const noexcept {
    return sqlite3_column_int64(st_, index);
}

double row_cursor::real(int index) const noexcept { return sqlite3_column_double(st_, index); }

std::string_view row_cursor::text(int index) const noexcept {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, index));
    auto n = static_cast<std::size_t>(sqlite3_column_bytes(st_, index));
    return p ? std::string_view(p, n) : std::string_view();
}

std::string_view row_cursor::blob(int index) const noexcept {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(st_, index));
    auto n = static_cast<std::size_t>(sqlite3_column_bytes(st_, index));
    return p ? std::string_view(p, n) : std::string_view();
}

bool needs_quoting(std::string_view name) {
    if (name.empty()) return true;
    auto first = static_cast<unsigned char>(name.front());
    if (!std::isalpha(first) && first != '_') return true;
    for (char ch : name) {
        auto c = static_cast<unsigned char>(ch);
        if (!std::isalnum(c) && c != '_') return true;
    }
    return sqlite3_keyword_check(name.data(), static_cast<int>(name.size())) != 0;
}

std::string quote_if_needed(std::string_view name) {
    return needs_quoting(name) ? quote_identifier(name) : std::string(name);
}

}  // namespace airsql::sqlite
