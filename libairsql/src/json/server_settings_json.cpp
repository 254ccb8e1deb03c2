// SPDX-License-Identifier: Apache-2.0
// JSON shapes of the server settings (`/api/settings`). Unknown keys are refused, so a typo
// in a PATCH is an error instead of a silent no-op.
#include <fmt/format.h>
#include <boost/json/value.hpp>
#include <boost/json/value_from.hpp>

#include <set>

#include "airsql/error.hpp"
#include "airsql/server_settings.hpp"
#include "json/read.hpp"

namespace airsql {

namespace bj = boost::json;

namespace {

bj::value limits_json(const team_limits& l) {
    return {{"maxDatabasesPerTeam", bj::value_from(l.max_databases_per_team)},
            {"maxDatabaseBytes", bj::value_from(l.max_database_bytes)}};
}

void only_keys(const bj::object& o, std::initializer_list<std::string_view> keys,
               std::string_view what) {
    for (const auto& kv : o) {
        bool known = false;
        for (auto k : keys) known = known || kv.key() == k;
        if (!known) {
            json::fail(fmt::format("{} has no setting \"{}\"", what,
                                   std::string_view(kv.key()).substr(0, 100)));
        }
    }
}

std::optional<std::uint64_t> optional_size(const bj::object& o, std::string_view key) {
    auto v = json::optional_int(o, key);
    if (v && *v < 0) json::fail(fmt::format("{} must not be negative", key));
    if (!v) return std::nullopt;
    return static_cast<std::uint64_t>(*v);
}

team_limits read_limits(const bj::value& v, std::string_view what) {
    const auto& o = json::as_object(v, what);
    only_keys(o, {"maxDatabasesPerTeam", "maxDatabaseBytes"}, what);
    return {json::optional_int(o, "maxDatabasesPerTeam"), optional_size(o, "maxDatabaseBytes")};
}

std::vector<std::string> read_string_array(const bj::value& v, std::string_view key) {
    if (!v.is_array()) json::fail(fmt::format("{} must be an array of strings", key));
    std::vector<std::string> out;
    for (const auto& e : v.get_array()) {
        if (!e.is_string()) json::fail(fmt::format("{} must be an array of strings", key));
        out.emplace_back(e.get_string());
    }
    return out;
}

smtp_settings read_smtp(const bj::value& v) {
    const auto& o = json::as_object(v, "smtp");
    only_keys(o, {"url", "tls", "username", "password", "passwordSet", "from", "verifyPeer"},
              "smtp");
    smtp_settings s;
    s.url = json::required_string(o, "url");
    s.tls = json::optional_string(o, "tls").value_or("starttls");
    s.username = json::optional_string(o, "username").value_or("");
    s.password = json::optional_string(o, "password");
    s.from = json::required_string(o, "from");
    s.verify_peer = json::optional_bool(o, "verifyPeer").value_or(true);
    return s;
}

}  // namespace

void tag_invoke(bj::value_from_tag, bj::value& jv, const server_settings& v) {
    bj::object plans;
    for (const auto& [name, l] : v.plans) plans[name] = limits_json(l);
    bj::array env;
    for (const auto& e : v.env_vars) {
        env.push_back({{"created_utc", e.created_utc}, {"name", e.name}, {"value", e.value}});
    }
    bj::value smtp = nullptr;
    if (v.smtp) {
        smtp = {{"url", v.smtp->url},           {"tls", v.smtp->tls},
                {"username", v.smtp->username}, {"passwordSet", v.smtp->password_set},
                {"from", v.smtp->from},         {"verifyPeer", v.smtp->verify_peer}};
    }
    jv = {{"allowedHosts", bj::value_from(v.allowed_hosts)},
          {"anonymousDatabases", v.anonymous_databases},
          {"anonymousMaxDatabaseBytes", bj::value_from(v.anonymous_max_database_bytes)},
          {"envVars", std::move(env)},
          {"limits", limits_json(v.limits)},
          {"maxUploadBytes", bj::value_from(v.max_upload_bytes)},
          {"plans", std::move(plans)},
          {"paddleKeySet", v.paddle_key_set},
          {"paddlePlans", bj::value_from(v.paddle_plans)},
          {"publicUrl", bj::value_from(v.public_url)},
          {"sessionLifetimeHours", v.session_lifetime_hours},
          {"signUp", to_string(v.sign_up)},
          {"smtp", std::move(smtp)}};
}

server_settings_patch tag_invoke(bj::value_to_tag<server_settings_patch>, const bj::value& jv) {
    const auto& o = json::as_object(jv);
    only_keys(o,
              {"allowedHosts", "envVars", "limits", "maxUploadBytes", "plans", "publicUrl",
               "sessionLifetimeHours", "signUp", "smtp", "paddleWebhookKey", "paddleKeySet",
               "paddlePlans", "anonymousDatabases", "anonymousMaxDatabaseBytes"},
              "the server settings");
    server_settings_patch p;
    if (auto s = json::optional_string(o, "signUp")) {
        if (*s == "open") {
            p.sign_up = sign_up_policy::open;
        } else if (*s == "invite-only") {
            p.sign_up = sign_up_policy::invite_only;
        } else if (*s == "closed") {
            p.sign_up = sign_up_policy::closed;
        } else {
            json::fail("signUp must be \"open\", \"invite-only\" or \"closed\"");
        }
    } else if (o.contains("signUp")) {
        json::fail("signUp must be \"open\", \"invite-only\" or \"closed\"");
    }
    if (o.contains("sessionLifetimeHours")) {
        auto hours = json::optional_int(o, "sessionLifetimeHours");
        if (!hours) json::fail("sessionLifetimeHours must be an integer");
        p.session_lifetime_hours = *hours;
    }
    if (const auto* v = o.if_contains("limits")) p.limits = read_limits(*v, "limits");
    if (const auto* v = o.if_contains("plans")) {
        const auto& plans = json::as_object(*v, "plans");
        std::map<std::string, team_limits> out;
        for (const auto& kv : plans) {
            out[std::string(kv.key())] =
                read_limits(kv.value(), fmt::format("plans.{}", std::string_view(kv.key())));
        }
        p.plans = std::move(out);
    }
    if (o.contains("maxUploadBytes")) p.max_upload_bytes = optional_size(o, "maxUploadBytes");
    if (const auto* v = o.if_contains("allowedHosts")) {
        p.allowed_hosts = read_string_array(*v, "allowedHosts");
    }
    if (const auto* v = o.if_contains("envVars")) {
        if (!v->is_array()) json::fail("envVars must be an array of {name, value} objects");
        std::vector<server_env_var> vars;
        for (const auto& e : v->get_array()) {
            const auto& eo = json::as_object(e, "each of envVars");
            vars.push_back({json::required_string(eo, "name"), json::required_string(eo, "value"),
                            json::optional_string(eo, "created_utc").value_or("")});
        }
        p.env_vars = std::move(vars);
    }
    if (const auto* v = o.if_contains("smtp")) {
        p.smtp = v->is_null() ? std::optional<smtp_settings>() : read_smtp(*v);
    }
    if (o.contains("publicUrl")) p.public_url = json::optional_string(o, "publicUrl");
    if (o.contains("anonymousDatabases")) {
        p.anonymous_databases = json::optional_bool(o, "anonymousDatabases");
        if (!p.anonymous_databases) json::fail("anonymousDatabases must be true or false");
    }
    if (o.contains("anonymousMaxDatabaseBytes")) {
        p.anonymous_max_database_bytes = optional_size(o, "anonymousMaxDatabaseBytes");
    }
    if (o.contains("paddleWebhookKey")) {
        p.paddle_webhook_key = json::optional_string(o, "paddleWebhookKey");
    }
    if (const auto* v = o.if_contains("paddlePlans")) {
        const auto& plans = json::as_object(*v, "paddlePlans");
        std::map<std::string, std::string> out;
        for (const auto& kv : plans) {
            if (!kv.value().is_string()) json::fail("paddlePlans maps plan ids to plan names");
            out[std::string(kv.key())] = std::string(kv.value().get_string());
        }
        p.paddle_plans = std::move(out);
    }
    return p;
}

}  // namespace airsql
