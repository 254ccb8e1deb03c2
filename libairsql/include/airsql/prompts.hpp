// SPDX-License-Identifier: Apache-2.0
// AI prompts (`POST /api/dbs/:dbId/prompt…`, `POST /api/prompt/create-database`): natural
// language to SQL, markdown descriptions of a database, table or function, and a new database
// from a description — answered by any OpenAI-compatible chat-completions server configured in
// the options (`llm_base_url`, `llm_api_key`, `llm_model`).
//
// What is sent: the question and the database's schema (`CREATE …` statements, as
// `GET /api/dbs/:dbId/schema`), never row data unless the request sets `includeSampleRows`
// (then at most 3 rows per table, values cut at 200 bytes). Nothing the model answers is ever
// executed by these calls except by `create_database_from_prompt`, which creates a new
// database from the script (confined like any SQL script) and returns that script.
//
// Failures of the model server are errors with clear messages: not configured →
// `unavailable` (503); no answer within `llm_timeout` → `deadline_exceeded` (504); its 429,
// 5xx, a refused connection, or an answer that is not a chat completion → `unavailable`.
// At most `llm_max_concurrent_requests` calls wait on the model at once (more → `unavailable`)
// so slow answers cannot take every worker thread.
#pragma once

#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace airsql {

class engine;
class principal;

/// The body of every prompt route, as documented (`funcId`, `prompt`, `tableName`), plus
/// airsql's options.
struct prompt_request {
    std::optional<std::string> func_id;     ///< JSON "funcId": describe-function
    std::string prompt;                     ///< the question; may be empty for descriptions
    std::optional<std::string> table_name;  ///< JSON "tableName": describe-table
    bool save = false;                      ///< store the description on the object (Editor rights)
    bool include_sample_rows = false;       ///< JSON "includeSampleRows": send a few rows too
    std::optional<std::string> team;  ///< create-database: owning team (default: the caller's)
    std::optional<std::string> name;  ///< create-database: the new database's name
    bool dry_run = false;  ///< JSON "dryRun": create-database answers the SQL, creates nothing
    bool operator==(const prompt_request&) const = default;
};

/// `POST /api/dbs/:dbId/prompt`: SQL for the workbench, not run.
struct sql_suggestion {
    std::string sql;
    std::string model;
    bool operator==(const sql_suggestion&) const = default;
};

/// `…/describe-database|table|function`.
struct description_suggestion {
    std::string description;  ///< markdown
    bool saved = false;
    std::string model;
    bool operator==(const description_suggestion&) const = default;
};

/// `POST /api/prompt/create-database`.
struct prompted_database {
    std::string sql;                ///< the script the model wrote (shown before anything else)
    std::optional<std::string> id;  ///< the new database; null for a dry run
    std::string name;
    std::string model;
    bool operator==(const prompted_database&) const = default;
};

/// Natural language → SQL, with the database's schema as context. Needs read access.
sql_suggestion suggest_sql(engine& eng, const principal& who, std::string_view db_id,
                           const prompt_request& request);

/// A markdown description of the database from its schema (and the prompt, as guidance).
/// Needs read access; with `save`, Editor rights, and it becomes the database's description.
description_suggestion describe_database(engine& eng, const principal& who, std::string_view db_id,
                                         const prompt_request& request);

/// Same for one table (`tableName` required); saved as the table's description.
description_suggestion describe_table(engine& eng, const principal& who, std::string_view db_id,
                                      const prompt_request& request);

/// Same for one function (`funcId` required; `not_found` when the caller may not read it):
/// its name and active code go to the model with the schema; saved as the function's
/// description (Editor rights).
description_suggestion describe_function(engine& eng, const principal& who, std::string_view db_id,
                                         const prompt_request& request);

/// Natural language → a schema with sample rows → a new database (signed-in users, Editor of
/// the team), unless `dry_run`.
prompted_database create_database_from_prompt(engine& eng, const principal& who,
                                              const prompt_request& request);

prompt_request tag_invoke(boost::json::value_to_tag<prompt_request>, const boost::json::value& jv);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const sql_suggestion& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv,
                const description_suggestion& v);
void tag_invoke(boost::json::value_from_tag, boost::json::value& jv, const prompted_database& v);

}  // namespace airsql
