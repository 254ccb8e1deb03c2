// SPDX-License-Identifier: Apache-2.0
#include "settings/settings_log.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value_from.hpp>

#include <cstdio>

#include "airsql/json.hpp"
#include "audit/context.hpp"
#include "core/clock.hpp"

namespace airsql::settings {

namespace bj = boost::json;

namespace {

bj::value location_json(const std::optional<location>& l) {
    if (!l) return nullptr;
    return bj::object{{"lat", l->lat}, {"long", l->lng}, {"name", l->name}};
}

}  // namespace

void log_settings_change(engine::impl& e, const principal& who,
                         const catalog::database_record& before,
                         const catalog::database_record& after,
                         const std::pair<std::vector<std::string>, std::vector<std::string>>*
                             env_names) noexcept {
    if (!before.auditing && !after.auditing) return;
    try {
        bj::object old_values, new_values;
        auto field = [&](const char* key, bj::value from, bj::value to) {
            if (from == to) return;
            old_values[key] = std::move(from);
            new_values[key] = std::move(to);
        };
        field("name", bj::value(before.name), bj::value(after.name));
        field("description", bj::value(before.description), bj::value(after.description));
        field("owner", bj::value(before.team_name), bj::value(after.team_name));
        field("visibility", bj::value(to_string(before.visibility)),
              bj::value(to_string(after.visibility)));
        field("environment", bj::value_from(before.environment),
              bj::value_from(after.environment));
        field("location", location_json(before.location), location_json(after.location));
        field("auditing", before.auditing, after.auditing);
        field("schemaLocked", before.schema_locked, after.schema_locked);
        field("viewsTab", before.views_tab, after.views_tab);
        if (env_names) {
            field("envVars", bj::value_from(env_names->first), bj::value_from(env_names->second));
        }
        if (new_values.empty()) return;
        catalog::audit_row row;
        row.db_id = after.id;
        row.utc = core::now_iso_utc();
        row.principal = audit::describe(e, who);
        row.operation = "SETTINGS";
        row.old_values = to_json(old_values);
        row.new_values = to_json(new_values);
        e.catalog.append_audit({row});
    } catch (const std::exception& ex) {
        std::fprintf(stderr, "airsql: audit log of database %s: settings change not logged: %s\n",
                     after.id.c_str(), ex.what());
    }
}

}  // namespace airsql::settings
