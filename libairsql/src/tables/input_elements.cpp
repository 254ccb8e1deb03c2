// SPDX-License-Identifier: Apache-2.0
// Declared type → UI editor, in one table (documented in include/airsql/tables.hpp).
#include <array>
#include <string>

#include "airsql/tables.hpp"
#include "graphql/database_model.hpp"
#include "tables/input_elements.hpp"

namespace airsql {

namespace {

struct element_rule {
    std::string_view type;  ///< upper case; matches exactly or followed by "_…"
    std::string_view element;
};

// First match wins: longer names before their prefixes (TEXT_DATETIME before TEXT_DATE).
constexpr std::array<element_rule, 23> element_rules = {{
    {"TEXT_DATETIME", "InputDateTime"},
    {"DATETIME", "InputDateTime"},
    {"TIMESTAMP", "InputDateTime"},
    {"TEXT_DATE", "InputDate"},
    {"DATE", "InputDate"},
    {"TEXT_TIME", "InputTime"},
    {"TIME", "InputTime"},
    {"TEXT_DURATION", "InputDuration"},
    {"TEXT_URL", "InputUrl"},
    {"TEXT_EMAIL", "InputEmail"},
    {"TEXT_TEL", "InputTel"},
    {"TEXT_COLOR", "InputColor"},
    {"TEXT_LOCATION", "InputLocation"},
    {"TEXT_COUNTRY", "InputCountry"},
    {"TEXT_CODE", "InputCode"},
    {"TEXT_JSON", "InputJson"},
    {"INT_STARS", "InputStars"},
    {"INT_PERCENT", "InputPercent"},
    {"REAL_PERCENT", "InputPercent"},
    {"REAL_MONEY", "InputMoney"},
    {"BLOB", "InputFile"},
    {"BOOLEAN", "InputCheckbox"},
    {"BOOL", "InputCheckbox"},
}};

// The upper-cased type name without a "(…)" size and surrounding spaces.
std::string bare_type(std::string_view declared) {
    auto paren = declared.find('(');
    if (paren != std::string_view::npos) declared = declared.substr(0, paren);
    while (!declared.empty() && declared.back() == ' ') declared.remove_suffix(1);
    while (!declared.empty() && declared.front() == ' ') declared.remove_prefix(1);
    std::string out(declared);
    for (auto& c : out) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return out;
}

bool matches(std::string_view type, std::string_view rule) {
    return type == rule ||
           (type.size() > rule.size() && type.starts_with(rule) && type[rule.size()] == '_');
}

}  // namespace

std::string_view input_element_for(std::string_view declared_type, bool has_items) {
    if (has_items) return "InputSelect";
    auto type = bare_type(declared_type);
    for (const auto& r : element_rules) {
        if (matches(type, r.type)) return r.element;
    }
    switch (graphql::scalar_for(declared_type)) {
        case graphql::column_scalar::int_:
        case graphql::column_scalar::float_:
            return "InputNumber";
        case graphql::column_scalar::boolean:
            return "InputCheckbox";
        case graphql::column_scalar::file:
            return "InputFile";
        case graphql::column_scalar::string:
            break;
    }
    return "InputText";
}

namespace tables {

std::optional<column_validations> validations_for(std::string_view declared_type) {
    auto type = bare_type(declared_type);
    if (type == "INT_STARS") return column_validations{1, 5};
    if (type == "INT_STARS_10") return column_validations{1, 10};
    if (type == "INT_STARS_100") return column_validations{1, 100};
    if (type == "INT_PERCENT" || type == "REAL_PERCENT") return column_validations{0, 100};
    if (type == "REAL_UNIT_INTERVAL_CLOSED" || type == "REAL_UNIT_INTERVAL_OPEN") {
        return column_validations{0, 1};
    }
    if (type == "INT_16" || type == "SMALLINT") return column_validations{-32768, 32767};
    if (type == "INT_32") return column_validations{-2147483648.0, 2147483647.0};
    if (type == "UNSIGNED_INT_16") return column_validations{0, 65535};
    if (type == "UNSIGNED_INT_32") return column_validations{0, 4294967295.0};
    return std::nullopt;
}

}  // namespace tables

}  // namespace airsql
