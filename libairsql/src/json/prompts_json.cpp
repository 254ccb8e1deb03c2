// SPDX-License-Identifier: Apache-2.0
// JSON shapes of the AI prompt routes.
#include <fmt/format.h>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <algorithm>

#include "airsql/prompts.hpp"
#include "json/read.hpp"

namespace airsql {

namespace bj = boost::json;

prompt_request tag_invoke(bj::value_to_tag<prompt_request>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    static constexpr std::string_view known[] = {
        "funcId", "prompt", "tableName", "save", "includeSampleRows", "team", "name", "dryRun"};
    for (const auto& [key, value] : o) {
        if (std::find(std::begin(known), std::end(known), std::string_view(key)) ==
            std::end(known)) {
            json::fail(fmt::format("unknown prompt field \"{}\"", std::string_view(key)));
        }
    }
    prompt_request r;
    r.func_id = json::optional_string(o, "funcId");
    r.prompt = json::optional_string(o, "prompt").value_or("");
    r.table_name = json::optional_string(o, "tableName");
    r.save = json::optional_bool(o, "save").value_or(false);
    r.include_sample_rows = json::optional_bool(o, "includeSampleRows").value_or(false);
    r.team = json::optional_string(o, "team");
    r.name = json::optional_string(o, "name");
    r.dry_run = json::optional_bool(o, "dryRun").value_or(false);
    return r;
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const sql_suggestion& v) {
    jv = {{"sql", v.sql}, {"model", v.model}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const description_suggestion& v) {
    jv = {{"description", v.description}, {"saved", v.saved}, {"model", v.model}};
}

void tag_invoke(bj::value_from_tag, bj::value& jv, const prompted_database& v) {
    jv = {{"sql", v.sql}, {"id", bj::value_from(v.id)}, {"name", v.name}, {"model", v.model}};
}

}  // namespace airsql
