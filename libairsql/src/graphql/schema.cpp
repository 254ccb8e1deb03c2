// SPDX-License-Identifier: Apache-2.0
#include "graphql/schema.hpp"

namespace airsql::graphql {

std::string type_spec::to_string() const {
    if (wrappers.empty()) return name;
    if (wrappers[0] == 'N') return inner().to_string() + "!";
    return "[" + inner().to_string() + "]";
}

const input_value_def* field_def::arg(std::string_view n) const {
    for (const auto& a : args) {
        if (a.name == n) return &a;
    }
    return nullptr;
}

void type_def::index() {
    by_name_.clear();
    for (std::size_t i = 0; i < fields.size(); ++i) by_name_.emplace(fields[i].name, i);
    for (std::size_t i = 0; i < input_fields.size(); ++i) by_name_.emplace(input_fields[i].name, i);
    for (std::size_t i = 0; i < enum_values.size(); ++i) by_name_.emplace(enum_values[i].name, i);
}

const field_def* type_def::field(std::string_view n) const {
    if (kind != type_kind::object) return nullptr;
    auto it = by_name_.find(n);
    return it == by_name_.end() ? nullptr : &fields[it->second];
}

const input_value_def* type_def::input_field(std::string_view n) const {
    if (kind != type_kind::input_object) return nullptr;
    auto it = by_name_.find(n);
    return it == by_name_.end() ? nullptr : &input_fields[it->second];
}

const enum_value_def* type_def::enum_value(std::string_view n) const {
    if (kind != type_kind::enum_) return nullptr;
    auto it = by_name_.find(n);
    return it == by_name_.end() ? nullptr : &enum_values[it->second];
}

const type_def* schema::find(std::string_view name) const {
    auto it = by_name_.find(name);
    return it == by_name_.end() ? nullptr : &types[it->second];
}

const directive_def* schema::directive(std::string_view name) const {
    for (const auto& d : directives) {
        if (d.name == name) return &d;
    }
    return nullptr;
}

void schema::index() {
    by_name_.clear();
    for (std::size_t i = 0; i < types.size(); ++i) {
        types[i].index();
        by_name_.emplace(types[i].name, i);
    }
}

}  // namespace airsql::graphql
