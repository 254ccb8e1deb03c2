// SPDX-License-Identifier: Apache-2.0
// What SQL written by users may use: explicit lists of SQL functions, pragmas (and how they may
// be used) and virtual-table modules. Anything not listed is refused, so a newer SQLite cannot
// widen the surface silently; a unit test walks SQLite's own lists and fails on a name that is
// in neither the allowed nor the refused list. The reasons are in docs/security.md.
#pragma once

#include <span>
#include <string_view>

namespace airsql::sqlite {

/// A name SQLite offers and user SQL may not use, with the reason (shown in the error).
struct refused_name {
    std::string_view name;
    std::string_view reason;
};

/// SQL functions user SQL may call (lowercase).
std::span<const std::string_view> allowed_functions();
/// SQL functions SQLite offers that user SQL may not call.
std::span<const refused_name> refused_functions();

/// How user SQL may use a pragma.
enum class pragma_use {
    refused,          ///< never: it changes the shared connection, or is unsafe or unbounded
    introspect,       ///< with or without an argument naming a table, index or schema
    read,             ///< only without an argument (reads a value)
    read_or_set,      ///< read by anyone; set (with an argument) only with write rights
};

struct pragma_rule {
    std::string_view name;
    pragma_use use;
    std::string_view reason;  ///< why it is refused (empty otherwise)
};

/// Every pragma SQLite offers, with its rule.
std::span<const pragma_rule> pragma_rules();

/// Virtual-table modules for CREATE VIRTUAL TABLE (write rights).
std::span<const std::string_view> allowed_modules();
/// Modules SQLite offers that user SQL may neither create nor read.
std::span<const refused_name> refused_modules();

/// Lookups by lowercase name. `nullptr` when the name is not listed.
const refused_name* find_refused_function(std::string_view name);
const pragma_rule* find_pragma_rule(std::string_view name);
const refused_name* find_refused_module(std::string_view name);
/// Refused modules that may not even be read as eponymous tables (`SELECT … FROM dbstat`).
const refused_name* find_unreadable_module(std::string_view name);
bool is_allowed_function(std::string_view name);
bool is_allowed_module(std::string_view name);

}  // namespace airsql::sqlite
