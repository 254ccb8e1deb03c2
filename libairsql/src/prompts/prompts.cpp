// SPDX-License-Identifier: Apache-2.0
#include "airsql/prompts.hpp"

#include <fmt/format.h>
#include <boost/json/serialize.hpp>

#include "airsql/databases.hpp"
#include "airsql/error.hpp"
#include "airsql/export.hpp"
#include "airsql/functions.hpp"
#include "airsql/principal.hpp"
#include "airsql/tables.hpp"
#include "auth/access.hpp"
#include "json/utf8.hpp"
#include "prompts/llm_client.hpp"
#include "sql/script_execution.hpp"
#include "sqlite/confinement.hpp"
#include "sqlite/connection.hpp"
#include "sqlite/internal_tables.hpp"

namespace airsql {

namespace {

constexpr std::size_t sample_rows_per_table = 3;
constexpr std::size_t sample_value_bytes = 200;
constexpr std::size_t max_sample_tables = 50;
// A function's code goes to the model up to this size (functions may have 1 MiB).
constexpr std::size_t function_code_bytes = 32 * 1024;

[[noreturn]] void bad(const std::string& message) { throw error(errc::invalid_argument, message); }

void check_prompt(const engine::impl& e, const std::string& prompt, bool required) {
    if (required && prompt.find_first_not_of(" \t\r\n") == std::string::npos) {
        bad("prompt must not be empty");
    }
    if (prompt.size() > e.opts.llm_max_prompt_bytes) {
        bad(fmt::format("prompt must have at most {} bytes", e.opts.llm_max_prompt_bytes));
    }
    if (json::first_invalid_utf8(prompt) != prompt.size()) bad("prompt must be UTF-8 text");
}

// A few rows of each table, as JSON lines, when the caller opted in.
std::string sample_rows(engine::impl& e, const auth::resolved_database& db) {
    auto hosted = e.databases.open(db.record.id);
    auto conn = hosted->reader();
    std::vector<std::string> tables;
    {
        auto st = conn->prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND " AIRSQL_SQL_USER_TABLE("name")
            " ORDER BY rowid");
        while (st.step() && tables.size() < max_sample_tables) tables.push_back(st.text(0));
    }
    auto settings = sql::script_settings_for(e.opts, sqlite::sql_rights::read_only);
    std::string out;
    for (const auto& t : tables) {
        auto result =
            sql::execute_script(*conn,
                                fmt::format("SELECT * FROM {} LIMIT {}",
                                            sqlite::quote_identifier(t), sample_rows_per_table),
                                settings);
        if (!result.errors.empty() || result.rows.empty()) continue;
        out += fmt::format("Rows of {}:\n", t);
        for (auto& row : result.rows) {
            for (auto& [key, value] : row.as_object()) {
                if (value.is_string() && value.get_string().size() > sample_value_bytes) {
                    value = json::to_valid_utf8(
                                std::string(value.get_string().subview(0, sample_value_bytes))) +
                            "…";
                }
            }
            out += boost::json::serialize(row) + "\n";
        }
    }
    return out;
}

// The schema (and sample rows, if asked) as the model's context.
std::string context_of(engine& eng, const principal& who, const auth::resolved_database& db,
                       const prompt_request& request) {
    auto schema = schema_text(eng, who, db.record.id);
    std::string out = "The SQLite database \"" + db.record.name + "\" has this schema:\n\n" +
                      (schema.empty() ? "(no tables yet)\n" : schema);
    if (request.include_sample_rows) {
        auto rows = sample_rows(eng.internals(), db);
        if (!rows.empty()) out += "\nSample rows (JSON, at most 3 per table):\n" + rows;
    }
    return out;
}

// The SQL in an answer: the first fenced block if there is one, else the whole text, trimmed.
std::string extract_sql(const std::string& answer) {
    auto text = answer;
    if (auto open = text.find("```"); open != std::string::npos) {
        auto body = text.find('\n', open);
        auto close = body == std::string::npos ? std::string::npos : text.find("```", body);
        if (close != std::string::npos) text = text.substr(body + 1, close - body - 1);
    }
    auto first = text.find_first_not_of(" \t\r\n");
    auto last = text.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

std::string trimmed(const std::string& text) {
    auto first = text.find_first_not_of(" \t\r\n");
    auto last = text.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

const char* system_prompt =
    "You help people with their SQLite databases. Be precise and brief. Never invent tables or "
    "columns that the schema does not have.";

prompts::chat_answer ask(engine& eng, const std::string& context, const std::string& task) {
    return prompts::chat(eng.internals(),
                         {{"system", system_prompt}, {"user", context + "\n\n" + task}});
}

auth::resolved_database readable(engine& eng, const principal& who, std::string_view db_id) {
    auto db = auth::resolve_database(eng.internals(), who, db_id);
    auth::require_read(db);
    return db;
}

}  // namespace

sql_suggestion suggest_sql(engine& eng, const principal& who, std::string_view db_id,
                           const prompt_request& request) {
    auto& e = eng.internals();
    check_prompt(e, request.prompt, true);
    auto db = readable(eng, who, db_id);
    auto answer = ask(eng, context_of(eng, who, db, request),
                      "Write SQLite SQL that does the following. Answer with the SQL only, in "
                      "one ```sql block.\n\n" +
                          request.prompt);
    auto sql = extract_sql(answer.content);
    if (sql.empty()) throw error(errc::unavailable, "the language model answered no SQL");
    return {sql, answer.model};
}

description_suggestion describe_database(engine& eng, const principal& who, std::string_view db_id,
                                         const prompt_request& request) {
    auto& e = eng.internals();
    check_prompt(e, request.prompt, false);
    auto db = readable(eng, who, db_id);
    if (request.save) auth::require_editor(db);
    auto answer = ask(eng, context_of(eng, who, db, request),
                      "Describe this database for its users in Markdown, in at most 150 words: "
                      "what it holds and how the tables relate." +
                          (request.prompt.empty() ? "" : "\nGuidance: " + request.prompt));
    auto text = trimmed(answer.content);
    if (request.save) {
        database_patch patch;
        patch.description = std::optional<std::string>(text);
        update_database(eng, who, db.record.id, patch);
    }
    return {text, request.save, answer.model};
}

description_suggestion describe_table(engine& eng, const principal& who, std::string_view db_id,
                                      const prompt_request& request) {
    auto& e = eng.internals();
    check_prompt(e, request.prompt, false);
    if (!request.table_name || request.table_name->empty()) bad("tableName is required");
    auto db = readable(eng, who, db_id);
    if (request.save) auth::require_schema(db);
    get_table(eng, who, db.record.id, *request.table_name);  // not_found when there is none
    auto answer = ask(eng, context_of(eng, who, db, request),
                      fmt::format("Describe the table \"{}\" for its users in Markdown, in at most "
                                  "100 words: what a row is and what its columns mean.{}",
                                  *request.table_name,
                                  request.prompt.empty() ? "" : "\nGuidance: " + request.prompt));
    auto text = trimmed(answer.content);
    if (request.save) {
        table_patch patch;
        patch.description = std::optional<std::string>(text);
        update_table(eng, who, db.record.id, *request.table_name, patch);
    }
    return {text, request.save, answer.model};
}

description_suggestion describe_function(engine& eng, const principal& who, std::string_view db_id,
                                         const prompt_request& request) {
    auto& e = eng.internals();
    check_prompt(e, request.prompt, false);
    if (!request.func_id || request.func_id->empty()) bad("funcId is required");
    auto db = readable(eng, who, db_id);
    // The function's own rules decide who may read it (team members; not_found otherwise).
    auto fn = get_function(eng, who, db.record.id, *request.func_id);
    if (request.save) auth::require_editor(db);
    auto code = fn.content.value_or("(no active version: its code does not parse)");
    if (code.size() > function_code_bytes) {
        code = json::to_valid_utf8(code.substr(0, function_code_bytes)) + "\n// … (cut)";
    }
    auto context = context_of(eng, who, db, request);
    context += fmt::format("\nIts function \"{}\" ({} runtime) has this code:\n\n```ts\n{}\n```\n",
                           fn.name, fn.runtime, code);
    auto answer =
        ask(eng, context,
            fmt::format("Describe the function \"{}\" for its users in Markdown, in at "
                        "most 120 words: what a call does with its request and the "
                        "database, and what it answers.{}",
                        fn.name, request.prompt.empty() ? "" : "\nGuidance: " + request.prompt));
    auto text = trimmed(answer.content);
    if (request.save) {
        function_patch patch;
        patch.description = std::optional<std::optional<std::string>>(text);
        update_function(eng, who, db.record.id, fn.id, patch);
    }
    return {text, request.save, answer.model};
}

prompted_database create_database_from_prompt(engine& eng, const principal& who,
                                              const prompt_request& request) {
    auto& e = eng.internals();
    auth::require_user(who);
    check_prompt(e, request.prompt, true);
    std::string name = request.name.value_or(trimmed(request.prompt).substr(0, 60));
    auto team = request.team.value_or(who.username());
    // Rights first, so a caller who may not create in the team does not spend a model call.
    auth::require_team_role(e, who, team, team_role::editor);
    auto answer = prompts::chat(
        e, {{"system", system_prompt},
            {"user",
             "Write a SQLite script that creates the tables for the following, with primary "
             "keys, foreign keys where rows refer to each other, and 3 to 5 realistic sample "
             "rows per table. Use only CREATE TABLE, CREATE INDEX and INSERT statements. Answer "
             "with the SQL only, in one ```sql block.\n\n" +
                 request.prompt}});
    auto sql = extract_sql(answer.content);
    if (sql.empty()) throw error(errc::unavailable, "the language model answered no SQL");
    prompted_database out{sql, std::nullopt, name, answer.model};
    if (request.dry_run) return out;
    try {
        out.id = create_database(eng, who, {name, team, sql, std::nullopt}).id;
    } catch (const error& err) {
        if (err.code() != errc::invalid_argument) throw;
        throw error(errc::invalid_argument,
                    fmt::format("the SQL the language model wrote did not run: {}", err.what()));
    }
    return out;
}

}  // namespace airsql
