// SPDX-License-Identifier: Apache-2.0
// Server-wide environment variables of functions, kept as one JSON list in the catalog's
// server settings (key "envVars").
#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "airsql/error.hpp"
#include "airsql/functions.hpp"
#include "airsql/principal.hpp"
#include "auth/access.hpp"
#include "core/clock.hpp"
#include "functions/server_env.hpp"
#include "settings/env_check.hpp"

namespace airsql {

namespace bj = boost::json;

namespace functions {

constexpr const char* server_env_key = "envVars";

std::vector<env_var> read_server_env(const std::optional<std::string>& text) {
    std::vector<env_var> out;
    if (!text) return out;
    boost::system::error_code ec;
    auto v = bj::parse(*text, ec);
    if (ec || !v.is_array()) return out;
    for (const auto& item : v.as_array()) {
        if (!item.is_object()) continue;
        const auto& o = item.as_object();
        const auto* n = o.if_contains("name");
        const auto* val = o.if_contains("value");
        const auto* c = o.if_contains("created_utc");
        if (!n || !n->is_string() || !val || !val->is_string()) continue;
        out.push_back({std::string(n->as_string()), std::string(val->as_string()),
                       c && c->is_string() ? std::string(c->as_string()) : std::string()});
    }
    return out;
}

std::vector<env_var> server_env(engine::impl& e) {
    return read_server_env(e.catalog.server_setting(server_env_key));
}

}  // namespace functions

namespace {

std::string write_server_env(const std::vector<env_var>& vars) {
    bj::array a;
    for (const auto& v : vars) {
        a.push_back(bj::object{
            {"name", v.name}, {"value", v.value.value_or("")}, {"created_utc", v.created_utc}});
    }
    return bj::serialize(a);
}

void require_server_admin(const principal& who) {
    auth::require_user(who);
    if (!who.is_server_admin()) {
        throw error(errc::permission_denied, "server environment variables are for server admins");
    }
}

[[noreturn]] void no_such_variable(std::string_view name) {
    throw error(errc::not_found, fmt::format("there is no environment variable \"{}\"", name));
}

}  // namespace

std::vector<env_var> list_server_env_vars(engine& eng, const principal& who) {
    require_server_admin(who);
    return functions::server_env(eng.internals());
}

env_var add_server_env_var(engine& eng, const principal& who, const env_var_input& var) {
    auto& e = eng.internals();
    require_server_admin(who);
    settings::check_env_name(var.name);
    settings::check_env_value(e, var.name, var.value);
    env_var added{var.name, var.value, core::now_iso_utc()};
    e.catalog.change_server_setting(
        functions::server_env_key, [&](const std::optional<std::string>& old) {
            auto vars = functions::read_server_env(old);
            for (const auto& v : vars) {
                if (v.name == var.name) {
                    throw error(
                        errc::already_exists,
                        fmt::format("an environment variable \"{}\" exists already", var.name));
                }
            }
            if (vars.size() >= e.opts.max_env_vars_per_database) {
                throw error(errc::failed_precondition,
                            fmt::format("the server may have at most {} environment variables",
                                        e.opts.max_env_vars_per_database));
            }
            vars.push_back(added);
            return write_server_env(vars);
        });
    return added;
}

void update_server_env_var(engine& eng, const principal& who, std::string_view name,
                           const env_var_patch& patch) {
    auto& e = eng.internals();
    require_server_admin(who);
    if (patch.name) settings::check_env_name(*patch.name);
    if (patch.value)
        settings::check_env_value(e, patch.name.value_or(std::string(name)), *patch.value);
    e.catalog.change_server_setting(
        functions::server_env_key, [&](const std::optional<std::string>& old) {
            auto vars = functions::read_server_env(old);
            auto it = std::find_if(vars.begin(), vars.end(),
                                   [&](const env_var& v) { return v.name == name; });
            if (it == vars.end()) no_such_variable(name);
            if (patch.name && *patch.name != name) {
                for (const auto& v : vars) {
                    if (v.name == *patch.name) {
                        throw error(errc::already_exists,
                                    fmt::format("an environment variable \"{}\" exists already",
                                                *patch.name));
                    }
                }
                it->name = *patch.name;
            }
            if (patch.value) it->value = *patch.value;
            return write_server_env(vars);
        });
}

void delete_server_env_var(engine& eng, const principal& who, std::string_view name) {
    auto& e = eng.internals();
    require_server_admin(who);
    e.catalog.change_server_setting(
        functions::server_env_key, [&](const std::optional<std::string>& old) {
            auto vars = functions::read_server_env(old);
            auto it = std::find_if(vars.begin(), vars.end(),
                                   [&](const env_var& v) { return v.name == name; });
            if (it == vars.end()) no_such_variable(name);
            vars.erase(it);
            return write_server_env(vars);
        });
}

}  // namespace airsql
