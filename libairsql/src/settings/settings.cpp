// SPDX-License-Identifier: Apache-2.0
#include "airsql/settings.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <set>

#include "airsql/error.hpp"
#include "airsql/principal.hpp"
#include "auth/access.hpp"
#include "core/clock.hpp"
#include "database/database_patch.hpp"
#include "json/utf8.hpp"
#include "settings/env_check.hpp"
#include "settings/settings_log.hpp"

namespace airsql {

namespace settings {

constexpr std::size_t max_env_var_name = 128;

void check_env_name(const std::string& name) {
    auto is_start = [](unsigned char c) { return c == '_' || std::isalpha(c); };
    auto is_rest = [](unsigned char c) { return c == '_' || std::isalnum(c); };
    bool ok = !name.empty() && name.size() <= max_env_var_name &&
              is_start(static_cast<unsigned char>(name[0])) &&
              std::all_of(name.begin() + 1, name.end(),
                          [&](char c) { return is_rest(static_cast<unsigned char>(c)); });
    if (!ok) {
        throw error(errc::invalid_argument,
                    fmt::format("\"{}\" is not an environment variable name: use 1–{} letters, "
                                "digits and underscores, not starting with a digit",
                                json::to_valid_utf8(name.substr(0, 200)), max_env_var_name));
    }
}

void check_env_value(const engine::impl& e, const std::string& name, const std::string& value) {
    if (value.size() > e.opts.max_env_var_value_bytes) {
        throw error(errc::invalid_argument,
                    fmt::format("the value of {} is too long ({} bytes, maximum is {})", name,
                                value.size(), e.opts.max_env_var_value_bytes));
    }
    if (value.find('\0') != std::string::npos) {
        throw error(errc::invalid_argument,
                    fmt::format("the value of {} contains a NUL character", name));
    }
    if (json::first_invalid_utf8(value) != value.size()) {
        throw error(errc::invalid_argument, fmt::format("the value of {} is not UTF-8", name));
    }
}

}  // namespace settings

namespace {

using settings::check_env_name;
using settings::check_env_value;

// ---- environment variables ----

// The new set of variables of a settings PATCH, validated; names that stay keep their
// creation time.
std::vector<catalog::env_var_record> new_env_vars(engine::impl& e,
                                                  const std::vector<env_var_input>& input,
                                                  const std::vector<catalog::env_var_record>& old) {
    if (input.size() > e.opts.max_env_vars_per_database) {
        throw error(errc::invalid_argument,
                    fmt::format("a database may have at most {} environment variables",
                                e.opts.max_env_vars_per_database));
    }
    std::set<std::string> seen;
    std::vector<catalog::env_var_record> out;
    auto now = core::now_iso_utc();
    for (const auto& v : input) {
        check_env_name(v.name);
        check_env_value(e, v.name, v.value);
        if (!seen.insert(v.name).second) {
            throw error(errc::invalid_argument, fmt::format("envVars names {} twice", v.name));
        }
        auto created = now;
        for (const auto& o : old) {
            if (o.name == v.name) created = o.created_utc;
        }
        out.push_back({v.name, v.value, created});
    }
    return out;
}

std::vector<std::string> names_of(const std::vector<catalog::env_var_record>& vars) {
    std::vector<std::string> out;
    for (const auto& v : vars) out.push_back(v.name);
    std::sort(out.begin(), out.end());
    return out;
}

// What `who` may see of the variables: nullopt (nothing), names, or names and values.
enum class env_view { none, names, values };

env_view env_view_for(const principal& who, const auth::resolved_database& db) {
    if (who.kind() != principal_kind::user) return env_view::none;
    if (db.access.manage) return env_view::values;
    if (db.access.schema) return env_view::names;
    return env_view::none;
}

std::vector<env_var> shown(const std::vector<catalog::env_var_record>& vars, env_view view) {
    std::vector<env_var> out;
    for (const auto& v : vars) {
        out.push_back(
            {v.name, view == env_view::values ? std::optional<std::string>(v.value) : std::nullopt,
             v.created_utc});
    }
    return out;
}

// Resolves the database for an Admin-only change of its variables.
auth::resolved_database manageable(engine::impl& e, const principal& who, std::string_view db_id) {
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_user(who);
    auth::require_manage(db);
    return db;
}

void log_env_change(engine::impl& e, const principal& who, const auth::resolved_database& db,
                    const std::vector<std::string>& before) {
    if (!db.record.auditing) return;
    std::pair<std::vector<std::string>, std::vector<std::string>> names{
        before, names_of(e.catalog.env_vars(db.record.id))};
    settings::log_settings_change(e, who, db.record, db.record, &names);
}

// ---- audit log ----

std::optional<std::int64_t> parse_int(const std::optional<std::string>& text, const char* what) {
    if (!text) return std::nullopt;
    std::int64_t v = 0;
    const auto* end = text->data() + text->size();
    auto [p, ec] = std::from_chars(text->data(), end, v);
    if (ec != std::errc() || p != end) {
        throw error(errc::invalid_argument, fmt::format("{} must be a whole number", what));
    }
    return v;
}

std::optional<std::string> normalized_time(const std::optional<std::string>& text,
                                           const char* what) {
    if (!text) return std::nullopt;
    auto t = core::parse_iso_utc(*text);
    if (!t) {
        throw error(errc::invalid_argument,
                    fmt::format("{} must be an ISO-8601 UTC time like 2024-05-01T12:00:00Z", what));
    }
    return core::to_iso_utc(*t);
}

boost::json::value parsed_or_null(const std::optional<std::string>& text) {
    if (!text) return nullptr;
    boost::system::error_code ec;
    auto v = boost::json::parse(*text, ec);
    return ec ? boost::json::value(nullptr) : v;
}

}  // namespace

database_settings get_settings(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_read(db);
    const auto& d = db.record;
    database_settings s;
    s.auditing = d.auditing;
    s.environment = d.environment;
    s.schema_locked = d.schema_locked;
    s.views_tab = d.views_tab;
    s.visibility = d.visibility;
    if (auto view = env_view_for(who, db); view != env_view::none) {
        s.env_vars = shown(e.catalog.env_vars(d.id), view);
    }
    return s;
}

void update_settings(engine& eng, const principal& who, std::string_view db_id,
                     const settings_patch& patch) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    database_patch as_database;
    as_database.auditing = patch.auditing;
    as_database.environment = patch.environment;
    as_database.schema_locked = patch.schema_locked;
    as_database.views_tab = patch.views_tab;
    as_database.visibility = patch.visibility;
    auto after = database::patched_record(e, who, db, as_database, patch.env_vars.has_value());
    std::optional<std::vector<catalog::env_var_record>> vars;
    std::pair<std::vector<std::string>, std::vector<std::string>> names;
    if (patch.env_vars) {
        auto old = e.catalog.env_vars(db.record.id);
        vars = new_env_vars(e, *patch.env_vars, old);
        names = {names_of(old), names_of(*vars)};
    }
    e.catalog.update_database(after, vars ? &*vars : nullptr);
    settings::log_settings_change(e, who, db.record, after, vars ? &names : nullptr);
}

std::vector<env_var> list_env_vars(engine& eng, const principal& who, std::string_view db_id) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_user(who);
    auto view = env_view_for(who, db);
    if (view == env_view::none) {
        throw error(errc::permission_denied,
                    "environment variables need the Editor role (names) or the Admin role "
                    "(values) in the owning team");
    }
    return shown(e.catalog.env_vars(db.record.id), view);
}

env_var add_env_var(engine& eng, const principal& who, std::string_view db_id,
                    const env_var_input& var) {
    auto& e = eng.internals();
    auto db = manageable(e, who, db_id);
    check_env_name(var.name);
    check_env_value(e, var.name, var.value);
    auto before = names_of(e.catalog.env_vars(db.record.id));
    catalog::env_var_record record{var.name, var.value, core::now_iso_utc()};
    e.catalog.insert_env_var(db.record.id, record, e.opts.max_env_vars_per_database);
    log_env_change(e, who, db, before);
    return {record.name, record.value, record.created_utc};
}

void update_env_var(engine& eng, const principal& who, std::string_view db_id,
                    std::string_view name, const env_var_patch& patch) {
    auto& e = eng.internals();
    auto db = manageable(e, who, db_id);
    if (patch.name) check_env_name(*patch.name);
    if (patch.value) check_env_value(e, patch.name.value_or(std::string(name)), *patch.value);
    auto before = names_of(e.catalog.env_vars(db.record.id));
    e.catalog.update_env_var(db.record.id, name, patch.name, patch.value);
    log_env_change(e, who, db, before);
}

void delete_env_var(engine& eng, const principal& who, std::string_view db_id,
                    std::string_view name) {
    auto& e = eng.internals();
    auto db = manageable(e, who, db_id);
    auto before = names_of(e.catalog.env_vars(db.record.id));
    e.catalog.delete_env_var(db.record.id, name);
    log_env_change(e, who, db, before);
}

audit_query parse_audit_query(const std::optional<std::string>& limit,
                              const std::optional<std::string>& before,
                              const std::optional<std::string>& table,
                              const std::optional<std::string>& since,
                              const std::optional<std::string>& until) {
    audit_query q;
    if (auto n = parse_int(limit, "limit")) {
        if (*n < 1) throw error(errc::invalid_argument, "limit must be at least 1");
        q.limit = static_cast<std::size_t>(*n);
    }
    q.before = parse_int(before, "before");
    q.table = table;
    q.since = since;
    q.until = until;
    return q;
}

audit_page read_audit_log(engine& eng, const principal& who, std::string_view db_id,
                          const audit_query& query) {
    auto& e = eng.internals();
    auto db = auth::resolve_database(e, who, db_id);
    auth::require_user(who);
    if (!db.access.manage) {
        throw error(errc::permission_denied,
                    "the audit log needs the Admin role in the owning team");
    }
    catalog::audit_filter f;
    f.db_id = db.record.id;
    f.limit = std::clamp<std::size_t>(query.limit, 1,
                                      std::max<std::size_t>(e.opts.audit_max_page_size, 1));
    f.before = query.before;
    f.table_name = query.table;
    f.since = normalized_time(query.since, "since");
    f.until = normalized_time(query.until, "until");
    // One more than asked: whether there is a next page.
    auto wanted = f.limit;
    f.limit = wanted + 1;
    auto rows = e.catalog.read_audit(f);
    audit_page page;
    if (rows.size() > wanted) {
        rows.pop_back();
        page.next_cursor = rows.back().id;
    }
    page.entries.reserve(rows.size());
    for (auto& r : rows) {
        page.entries.push_back({r.id, std::move(r.utc), parsed_or_null(r.principal),
                                std::move(r.table_name), r.row_id, std::move(r.operation),
                                parsed_or_null(r.old_values), parsed_or_null(r.new_values)});
    }
    return page;
}

}  // namespace airsql
