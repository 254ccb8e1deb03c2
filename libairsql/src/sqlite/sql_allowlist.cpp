// SPDX-License-Identifier: Apache-2.0
#include "sqlite/sql_allowlist.hpp"

#include <algorithm>
#include <array>

namespace airsql::sqlite {

namespace {

using namespace std::string_view_literals;

// Scalar, aggregate and window functions of SQLite's core, JSON1, math and FTS/R*Tree that
// are pure functions of their arguments (or read only the caller's own statement state).
// like, glob, instr, replace and trim are airsql's bounded replacements (bounded_functions);
// similar_to is airsql's own SIMILAR TO matcher (similar_to.hpp), linear in the text; regexp
// is PCRE2 with bounded work (regexp.hpp); airsql_int, airsql_float, airsql_boolean and
// airsql_string check stored values against GraphQL scalars for generated SQL, and
// airsql_number, airsql_sum and the airsql_ variance aggregates write aggregates
// (value_checks.hpp): linear in the value, constant work per row.
constexpr std::array function_allowlist = {
    "->"sv, "->>"sv, "abs"sv, "acos"sv, "acosh"sv, "airsql_boolean"sv, "airsql_float"sv,
    "airsql_int"sv, "airsql_number"sv, "airsql_stddev_pop"sv, "airsql_stddev_samp"sv,
    "airsql_string"sv, "airsql_sum"sv, "airsql_var_pop"sv, "airsql_var_samp"sv, "asin"sv, "asinh"sv, "atan"sv, "atan2"sv,
    "atanh"sv, "avg"sv, "bm25"sv, "ceil"sv, "ceiling"sv, "changes"sv, "char"sv, "coalesce"sv,
    "cos"sv, "cosh"sv, "count"sv, "cume_dist"sv, "current_date"sv, "current_time"sv,
    "current_timestamp"sv, "date"sv, "datetime"sv, "degrees"sv, "dense_rank"sv, "exp"sv,
    "first_value"sv, "floor"sv, "format"sv, "fts5_source_id"sv, "glob"sv, "group_concat"sv,
    "hex"sv, "highlight"sv, "ifnull"sv, "iif"sv, "instr"sv, "json"sv, "json_array"sv,
    "json_array_length"sv, "json_extract"sv, "json_group_array"sv, "json_group_object"sv,
    "json_insert"sv, "json_object"sv, "json_quote"sv, "json_remove"sv, "json_replace"sv,
    "json_set"sv, "json_type"sv, "json_valid"sv, "julianday"sv, "lag"sv, "last_insert_rowid"sv,
    "last_value"sv, "lead"sv, "length"sv, "like"sv, "likelihood"sv, "likely"sv, "ln"sv, "log"sv,
    "log10"sv, "log2"sv, "lower"sv, "ltrim"sv, "match"sv, "matchinfo"sv, "max"sv, "min"sv,
    "mod"sv, "nth_value"sv, "ntile"sv, "nullif"sv, "offsets"sv, "optimize"sv, "percent_rank"sv,
    "pi"sv, "pow"sv, "power"sv, "printf"sv, "quote"sv, "radians"sv, "random"sv, "randomblob"sv,
    "rank"sv, "regexp"sv, "replace"sv, "round"sv, "row_number"sv, "rtrim"sv, "sign"sv, "similar_to"sv, "sin"sv, "sinh"sv,
    "snippet"sv, "soundex"sv, "sqlite_compileoption_get"sv, "sqlite_compileoption_used"sv,
    "sqlite_source_id"sv, "sqlite_version"sv, "sqrt"sv, "strftime"sv, "substr"sv, "substring"sv,
    "sum"sv, "tan"sv, "tanh"sv, "time"sv, "total"sv, "trim"sv, "trunc"sv, "typeof"sv,
    "unicode"sv, "unixepoch"sv, "unlikely"sv, "upper"sv, "zeroblob"sv,
    // Internal functions of ALTER TABLE's own statements (not callable from SQL text).
    "sqlite_drop_column"sv, "sqlite_rename_column"sv, "sqlite_rename_quotefix"sv,
    "sqlite_rename_table"sv, "sqlite_rename_test"sv,
};

constexpr std::array<refused_name, 10> function_refusals = {{
    {"fts3_tokenizer", "it registers native tokenizer pointers (a code-execution primitive) "
                       "and reveals library addresses"},
    {"fts5", "it hands out a native API pointer"},
    {"load_extension", "loading extensions is not allowed"},
    {"json_patch", "its cost grows with the product of both objects' sizes, so one call could "
                   "outlive the time limit"},
    {"rtreecheck", "R*Tree debugging functions are not available"},
    {"rtreedepth", "R*Tree debugging functions are not available"},
    {"rtreenode", "R*Tree debugging functions are not available"},
    {"sqlite_log", "it writes to the server's log"},
    {"subtype", "it is an SQLite testing function"},
    {"total_changes", "it counts changes made by other callers on the shared connection"},
}};

constexpr std::string_view changes_connection = "it changes the shared connection";

constexpr std::array<pragma_rule, 66> pragma_table = {{
    {"analysis_limit", pragma_use::refused, changes_connection},
    {"application_id", pragma_use::read_or_set, {}},
    {"auto_vacuum", pragma_use::read, {}},
    {"automatic_index", pragma_use::refused, changes_connection},
    {"busy_timeout", pragma_use::refused, changes_connection},
    {"cache_size", pragma_use::refused, changes_connection},
    {"cache_spill", pragma_use::refused, changes_connection},
    {"case_sensitive_like", pragma_use::refused, "it changes LIKE for every caller"},
    {"cell_size_check", pragma_use::refused, changes_connection},
    {"checkpoint_fullfsync", pragma_use::refused, changes_connection},
    {"collation_list", pragma_use::introspect, {}},
    {"compile_options", pragma_use::introspect, {}},
    {"count_changes", pragma_use::refused, changes_connection},
    {"data_version", pragma_use::read, {}},
    {"database_list", pragma_use::refused, "it reveals server file paths"},
    {"default_cache_size", pragma_use::refused, changes_connection},
    {"defer_foreign_keys", pragma_use::read_or_set, {}},
    {"empty_result_callbacks", pragma_use::refused, changes_connection},
    {"encoding", pragma_use::read, {}},
    {"foreign_key_check", pragma_use::introspect, {}},
    {"foreign_key_list", pragma_use::introspect, {}},
    {"foreign_keys", pragma_use::read, {}},
    {"freelist_count", pragma_use::read, {}},
    {"full_column_names", pragma_use::refused, changes_connection},
    {"fullfsync", pragma_use::refused, changes_connection},
    {"function_list", pragma_use::introspect, {}},
    {"hard_heap_limit", pragma_use::refused, "it changes the whole server's memory limit"},
    {"ignore_check_constraints", pragma_use::refused, changes_connection},
    {"incremental_vacuum", pragma_use::refused, "vacuuming has its own route"},
    {"index_info", pragma_use::introspect, {}},
    {"index_list", pragma_use::introspect, {}},
    {"index_xinfo", pragma_use::introspect, {}},
    {"integrity_check", pragma_use::introspect, {}},  // the deadline interrupts it
    {"journal_mode", pragma_use::read, {}},
    {"journal_size_limit", pragma_use::refused, changes_connection},
    {"legacy_alter_table", pragma_use::refused, changes_connection},
    {"locking_mode", pragma_use::refused, changes_connection},
    {"max_page_count", pragma_use::read, {}},
    {"mmap_size", pragma_use::refused, changes_connection},
    {"module_list", pragma_use::introspect, {}},
    {"optimize", pragma_use::read_or_set, {}},
    {"page_count", pragma_use::read, {}},
    {"page_size", pragma_use::read, {}},
    {"pragma_list", pragma_use::introspect, {}},
    {"query_only", pragma_use::refused, changes_connection},
    {"quick_check", pragma_use::introspect, {}},
    {"read_uncommitted", pragma_use::refused, changes_connection},
    {"recursive_triggers", pragma_use::read, {}},
    {"reverse_unordered_selects", pragma_use::refused, changes_connection},
    {"schema_version", pragma_use::read, {}},
    {"secure_delete", pragma_use::refused, changes_connection},
    {"short_column_names", pragma_use::refused, changes_connection},
    {"shrink_memory", pragma_use::refused, changes_connection},
    {"soft_heap_limit", pragma_use::refused, "it changes the whole server's memory limit"},
    {"synchronous", pragma_use::refused, changes_connection},
    {"table_info", pragma_use::introspect, {}},
    {"table_list", pragma_use::introspect, {}},
    {"table_xinfo", pragma_use::introspect, {}},
    {"temp_store", pragma_use::refused, "TEMP objects are not allowed"},
    {"temp_store_directory", pragma_use::refused, "TEMP objects are not allowed"},
    {"threads", pragma_use::refused, changes_connection},
    {"trusted_schema", pragma_use::refused, changes_connection},
    {"user_version", pragma_use::read_or_set, {}},
    {"wal_autocheckpoint", pragma_use::refused, changes_connection},
    {"wal_checkpoint", pragma_use::refused, "checkpoints are the server's business"},
    {"writable_schema", pragma_use::refused, "it allows corrupting the database file"},
}};

// Full-text search, R*Tree and their read-only companions.
constexpr std::array module_allowlist = {
    "fts3"sv, "fts4"sv, "fts4aux"sv, "fts5"sv, "fts5vocab"sv, "rtree"sv, "rtree_i32"sv,
};

// The first four may not even be read (as eponymous tables); the others are table-valued
// functions, readable in FROM but not created as tables.
constexpr std::size_t unreadable_module_count = 4;
constexpr std::array<refused_name, 8> module_refusals = {{
    {"dbstat", "it reads raw pages of the file"},
    {"fts3tokenize", "tokenizers are not exposed"},
    {"sqlite_stmt", "it shows other callers' statements on the shared connection"},
    {"sqlite_dbpage", "it reads and writes raw pages of the file"},
    {"json_each", "it is a table-valued function, not a table"},
    {"json_tree", "it is a table-valued function, not a table"},
    {"pragma_function_list", "it is a table-valued function, not a table"},
    {"pragma_module_list", "it is a table-valued function, not a table"},
}};

template <class Range, class Key>
auto find_by_name(const Range& range, std::string_view name, Key key) -> decltype(&*range.begin()) {
    auto it = std::find_if(range.begin(), range.end(),
                           [&](const auto& item) { return key(item) == name; });
    return it == range.end() ? nullptr : &*it;
}

}  // namespace

std::span<const std::string_view> allowed_functions() { return function_allowlist; }
std::span<const refused_name> refused_functions() { return function_refusals; }
std::span<const pragma_rule> pragma_rules() { return pragma_table; }
std::span<const std::string_view> allowed_modules() { return module_allowlist; }
std::span<const refused_name> refused_modules() { return module_refusals; }

const refused_name* find_refused_function(std::string_view name) {
    return find_by_name(function_refusals, name, [](const refused_name& r) { return r.name; });
}
const pragma_rule* find_pragma_rule(std::string_view name) {
    return find_by_name(pragma_table, name, [](const pragma_rule& r) { return r.name; });
}
const refused_name* find_refused_module(std::string_view name) {
    return find_by_name(module_refusals, name, [](const refused_name& r) { return r.name; });
}
const refused_name* find_unreadable_module(std::string_view name) {
    return find_by_name(std::span(module_refusals).first(unreadable_module_count), name,
                        [](const refused_name& r) { return r.name; });
}
bool is_allowed_function(std::string_view name) {
    return find_by_name(function_allowlist, name, [](std::string_view n) { return n; }) != nullptr;
}
bool is_allowed_module(std::string_view name) {
    return find_by_name(module_allowlist, name, [](std::string_view n) { return n; }) != nullptr;
}

}  // namespace airsql::sqlite
