// SPDX-License-Identifier: Apache-2.0
#include "airsql/server_settings.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <algorithm>
#include <cctype>
#include <functional>
#include <iostream>
#include <set>

#include "airsql/error.hpp"
#include "airsql/json.hpp"
#include "airsql/principal.hpp"
#include "auth/access.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"
#include "json/utf8.hpp"
#include "settings/server_settings_store.hpp"

namespace airsql {

std::string_view to_string(sign_up_policy p) noexcept {
    switch (p) {
        case sign_up_policy::open:
            return "open";
        case sign_up_policy::invite_only:
            return "invite-only";
        case sign_up_policy::closed:
            return "closed";
    }
    return "closed";
}

namespace {

constexpr std::size_t max_allowed_hosts = 100;
constexpr std::size_t max_server_env_vars = 100;
constexpr std::size_t max_plans = 20;
constexpr const char* settings_key = "server_settings";

[[noreturn]] void bad(const std::string& message) { throw error(errc::invalid_argument, message); }

void require_server_admin(const principal& who) {
    auth::require_user(who);
    if (!who.is_server_admin()) {
        throw error(errc::permission_denied, "server settings are for server admins only");
    }
}

bool has_control_or_space(std::string_view s) {
    return std::any_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; });
}

// "name" or "name:port" as Deno's --allow-net takes them: a DNS name or IPv4 address, or a
// bracketed IPv6 address; no scheme, path, wildcard or user info.
void check_host(const std::string& h) {
    auto fail = [&] {
        bad(
            fmt::format("allowedHosts: \"{}\" is not a host or host:port (e.g. "
                        "\"api.example.org\", \"example.org:8443\", \"[::1]:80\")",
                        h.substr(0, 100)));
    };
    if (h.empty() || h.size() > 260) fail();
    std::string_view host = h;
    std::string_view port;
    if (host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string_view::npos || close < 3) fail();
        auto inner = host.substr(1, close - 1);
        if (!std::all_of(inner.begin(), inner.end(), [](char c) {
                return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
            })) {
            fail();
        }
        auto rest = host.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') fail();
            port = rest.substr(1);
            if (port.empty()) fail();
        }
    } else {
        auto colon = host.find(':');
        if (colon != std::string_view::npos) {
            port = host.substr(colon + 1);
            host = host.substr(0, colon);
            if (port.empty()) fail();
        }
        if (host.empty() || host.size() > 253 || host.front() == '.' || host.front() == '-' ||
            host.back() == '-' || host.find("..") != std::string_view::npos) {
            fail();
        }
        if (!std::all_of(host.begin(), host.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
            })) {
            fail();
        }
    }
    if (!port.empty()) {
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) {
                return std::isdigit(static_cast<unsigned char>(c));
            })) {
            fail();
        }
        auto n = std::stoi(std::string(port));
        if (n < 1 || n > 65535) fail();
    }
}

void check_env_var(const server_env_var& v) {
    auto is_start = [](unsigned char c) { return c == '_' || std::isalpha(c); };
    auto is_rest = [](unsigned char c) { return c == '_' || std::isalnum(c); };
    const auto& n = v.name;
    if (n.empty() || n.size() > 128 || !is_start(static_cast<unsigned char>(n[0])) ||
        !std::all_of(n.begin() + 1, n.end(),
                     [&](char c) { return is_rest(static_cast<unsigned char>(c)); })) {
        bad(
            fmt::format("envVars: \"{}\" is not an environment variable name: use 1–128 "
                        "letters, digits and underscores, not starting with a digit",
                        json::to_valid_utf8(n.substr(0, 100))));
    }
    if (v.value.size() > 32 * 1024) {
        bad(fmt::format("envVars: the value of {} is too long (at most 32768 bytes)", n));
    }
    if (v.value.find('\0') != std::string::npos) {
        bad(fmt::format("envVars: the value of {} contains a NUL character", n));
    }
}

void check_limits(const engine::impl& e, const team_limits& l, std::string_view what) {
    if (l.max_databases_per_team &&
        (*l.max_databases_per_team < 0 || *l.max_databases_per_team > 1'000'000)) {
        bad(fmt::format("{}.maxDatabasesPerTeam must be between 0 and 1000000", what));
    }
    if (l.max_database_bytes &&
        (*l.max_database_bytes < 64 * 1024 || *l.max_database_bytes > e.opts.max_database_bytes)) {
        bad(fmt::format("{}.maxDatabaseBytes must be between 65536 and {} (the server's limit)",
                        what, e.opts.max_database_bytes));
    }
}

bool looks_like_address(std::string_view a) {
    auto at = a.find('@');
    return a.size() <= 254 && at != std::string_view::npos && at > 0 &&
           a.find('@', at + 1) == std::string_view::npos &&
           a.find('.', at) != std::string_view::npos && a.back() != '.' &&
           !has_control_or_space(a) && a.find_first_of("<>\",;") == std::string_view::npos;
}

void check_smtp(const smtp_settings& s) {
    bool smtps = s.url.starts_with("smtps://");
    if (!smtps && !s.url.starts_with("smtp://")) {
        bad("smtp.url must start with smtp:// or smtps://");
    }
    auto rest = std::string_view(s.url).substr(smtps ? 8 : 7);
    if (rest.ends_with("/")) rest.remove_suffix(1);
    if (rest.empty() || rest.size() > 260 || has_control_or_space(s.url) ||
        rest.find_first_of("/@?#") != std::string_view::npos) {
        bad("smtp.url must be smtp://host[:port] or smtps://host[:port]");
    }
    check_host(std::string(rest));
    if (s.tls != "starttls" && s.tls != "implicit" && s.tls != "none") {
        bad("smtp.tls must be \"starttls\", \"implicit\" or \"none\"");
    }
    if ((s.tls == "implicit") != smtps) {
        bad("smtp.tls \"implicit\" goes with smtps:// URLs, and only with them");
    }
    if (s.username.size() > 256 || has_control_or_space(s.username)) {
        bad("smtp.username must have at most 256 characters, without spaces");
    }
    if (s.password &&
        (s.password->size() > 256 || s.password->find_first_of("\r\n") != std::string::npos ||
         s.password->find('\0') != std::string::npos)) {
        bad("smtp.password must have at most 256 characters on one line");
    }
    if (!looks_like_address(s.from)) bad("smtp.from must be an email address");
}

void check_public_url(const std::string& url) {
    if (!(url.starts_with("http://") || url.starts_with("https://")) || url.size() > 500 ||
        has_control_or_space(url) || url.find_first_of("?#\"<>'") != std::string::npos) {
        bad("publicUrl must be an http:// or https:// URL without query or fragment");
    }
}

// `base` with `patch` applied and validated. `now` dates new environment variables.
server_settings applied(const engine::impl& e, server_settings s, const server_settings_patch& p,
                        bool keep_given_dates) {
    auto now = core::now_iso_utc();
    if (p.sign_up) s.sign_up = *p.sign_up;
    if (p.session_lifetime_hours) {
        if (*p.session_lifetime_hours < 1 || *p.session_lifetime_hours > 24 * 366) {
            bad("sessionLifetimeHours must be between 1 and 8784 (a year)");
        }
        s.session_lifetime_hours = *p.session_lifetime_hours;
    }
    if (p.limits) {
        check_limits(e, *p.limits, "limits");
        s.limits = *p.limits;
    }
    if (p.plans) {
        if (p.plans->size() > max_plans) bad(fmt::format("at most {} plans", max_plans));
        for (const auto& [name, l] : *p.plans) {
            if (name.empty() || name.size() > 64 || has_control_or_space(name)) {
                bad("plan names must have 1–64 characters, without spaces");
            }
            check_limits(e, l, "plans." + name);
        }
        s.plans = *p.plans;
    }
    if (p.max_upload_bytes) {
        if (*p.max_upload_bytes && **p.max_upload_bytes < 1024) {
            bad("maxUploadBytes must be at least 1024 (or null: the server's own cap)");
        }
        s.max_upload_bytes = *p.max_upload_bytes;
    }
    if (p.allowed_hosts) {
        if (p.allowed_hosts->size() > max_allowed_hosts) {
            bad(fmt::format("allowedHosts may list at most {} hosts", max_allowed_hosts));
        }
        std::set<std::string> seen;
        for (const auto& h : *p.allowed_hosts) {
            check_host(h);
            std::string lower = h;
            std::transform(lower.begin(), lower.end(), lower.begin(),
                           [](unsigned char c) { return std::tolower(c); });
            if (!seen.insert(lower).second) bad(fmt::format("allowedHosts lists {} twice", h));
        }
        s.allowed_hosts = *p.allowed_hosts;
    }
    if (p.env_vars) {
        if (p.env_vars->size() > max_server_env_vars) {
            bad(fmt::format("envVars may hold at most {} variables", max_server_env_vars));
        }
        std::set<std::string> seen;
        std::vector<server_env_var> vars;
        for (auto v : *p.env_vars) {
            check_env_var(v);
            if (!seen.insert(v.name).second) bad(fmt::format("envVars names {} twice", v.name));
            auto old = std::find_if(s.env_vars.begin(), s.env_vars.end(),
                                    [&](const server_env_var& o) { return o.name == v.name; });
            if (!keep_given_dates || v.created_utc.empty()) {
                v.created_utc = old != s.env_vars.end() ? old->created_utc : now;
            }
            vars.push_back(std::move(v));
        }
        std::sort(vars.begin(), vars.end(),
                  [](const auto& a, const auto& b) { return a.name < b.name; });
        s.env_vars = std::move(vars);
    }
    if (p.smtp) {
        if (!*p.smtp) {
            s.smtp.reset();
        } else {
            auto smtp = **p.smtp;
            check_smtp(smtp);
            // An absent password keeps the stored one (GET never shows it).
            if (!smtp.password && s.smtp) smtp.password = s.smtp->password;
            smtp.password_set = smtp.password.has_value() && !smtp.password->empty();
            s.smtp = std::move(smtp);
        }
    }
    if (p.anonymous_databases) s.anonymous_databases = *p.anonymous_databases;
    if (p.anonymous_max_database_bytes) {
        if (*p.anonymous_max_database_bytes) {
            check_limits(e, {std::nullopt, **p.anonymous_max_database_bytes},
                         "anonymousMaxDatabaseBytes");
        }
        s.anonymous_max_database_bytes = *p.anonymous_max_database_bytes;
    }
    if (p.paddle_webhook_key) {
        if (*p.paddle_webhook_key) {
            const auto& k = **p.paddle_webhook_key;
            if (k.size() < 16 || k.size() > 256 || has_control_or_space(k)) {
                bad("paddleWebhookKey must have 16–256 characters without spaces");
            }
        }
        s.paddle_webhook_key = *p.paddle_webhook_key;
        s.paddle_key_set = s.paddle_webhook_key.has_value();
    }
    if (p.paddle_plans) {
        if (p.paddle_plans->size() > 100) bad("paddlePlans may list at most 100 plan ids");
        for (const auto& [id, plan] : *p.paddle_plans) {
            if (id.empty() || id.size() > 64 || plan.empty() || plan.size() > 64 ||
                has_control_or_space(id) || has_control_or_space(plan)) {
                bad("paddlePlans maps plan ids to plan names (1–64 characters, no spaces)");
            }
        }
        s.paddle_plans = *p.paddle_plans;
    }
    if (p.public_url) {
        if (*p.public_url) {
            check_public_url(**p.public_url);
            auto url = **p.public_url;
            while (url.ends_with('/')) url.pop_back();
            s.public_url = url;
        } else {
            s.public_url.reset();
        }
    }
    return s;
}

server_settings without_secrets(server_settings s) {
    if (s.smtp) s.smtp->password.reset();
    s.paddle_webhook_key.reset();
    return s;
}

std::string to_storage(const server_settings& s) {
    auto jv = boost::json::value_from(s);
    auto& o = jv.as_object();
    o.erase("paddleKeySet");
    if (s.paddle_webhook_key) o["paddleWebhookKey"] = *s.paddle_webhook_key;
    if (s.smtp) {
        auto& smtp = o["smtp"].as_object();
        smtp.erase("passwordSet");
        if (s.smtp->password) smtp["password"] = *s.smtp->password;
    }
    return to_json(jv);
}

}  // namespace

namespace settings {

server_settings defaults(const options& opts) {
    server_settings s;
    s.sign_up = opts.allow_sign_up ? sign_up_policy::open : sign_up_policy::closed;
    s.session_lifetime_hours = std::max<std::int64_t>(1, opts.session_lifetime.count());
    return s;
}

std::shared_ptr<const server_settings> load_server_settings(engine::impl& e) {
    auto s = defaults(e.opts);
    if (auto stored = e.catalog.server_setting(settings_key)) {
        try {
            auto patch = boost::json::value_to<server_settings_patch>(boost::json::parse(*stored));
            s = applied(e, s, patch, true);
        } catch (const std::exception& ex) {
            // Stored by an earlier version with other rules: keep the defaults, loudly.
            std::cerr << "airsql: stored server settings ignored: " << ex.what() << '\n';
        }
    }
    return std::make_shared<const server_settings>(std::move(s));
}

}  // namespace settings

server_settings get_server_settings(engine& eng, const principal& who) {
    require_server_admin(who);
    return without_secrets(*current_server_settings(eng));
}

server_settings update_server_settings(engine& eng, const principal& who,
                                       const server_settings_patch& patch) {
    require_server_admin(who);
    auto& e = eng.internals();
    std::lock_guard update_lock(e.settings_update_mutex);
    auto next = applied(e, *current_server_settings(eng), patch, false);
    e.catalog.set_server_setting(settings_key, to_storage(next));
    auto shared = std::make_shared<const server_settings>(next);
    {
        std::lock_guard lock(e.settings_mutex);
        e.settings = shared;
    }
    // Size limits may have changed: hosted databases apply them at their next write.
    e.databases.limits_changed();
    return without_secrets(std::move(next));
}

namespace {

// Applies a change of the variable list through the one validated update path.
std::vector<server_env_var> with_env_vars(
    engine& eng, const principal& who,
    const std::function<void(std::vector<server_env_var>&)>& change) {
    require_server_admin(who);
    auto& e = eng.internals();
    std::lock_guard update_lock(e.settings_update_mutex);
    auto vars = current_server_settings(eng)->env_vars;
    change(vars);
    server_settings_patch p;
    p.env_vars = vars;
    auto next = applied(e, *current_server_settings(eng), p, true);
    e.catalog.set_server_setting(settings_key, to_storage(next));
    {
        std::lock_guard lock(e.settings_mutex);
        e.settings = std::make_shared<const server_settings>(next);
    }
    return next.env_vars;
}

server_env_var find_var(const std::vector<server_env_var>& vars, std::string_view name) {
    for (const auto& v : vars) {
        if (v.name == name) return v;
    }
    throw error(errc::internal, "variable vanished");
}

[[noreturn]] void no_such_var(std::string_view name) {
    throw error(errc::not_found,
                fmt::format("there is no environment variable \"{}\"",
                            json::to_valid_utf8(std::string(name.substr(0, 200)))));
}

}  // namespace

std::vector<server_env_var> list_server_env_vars(engine& eng, const principal& who) {
    require_server_admin(who);
    return current_server_settings(eng)->env_vars;
}

server_env_var add_server_env_var(engine& eng, const principal& who, const std::string& name,
                                  const std::string& value) {
    auto vars = with_env_vars(eng, who, [&](std::vector<server_env_var>& v) {
        for (const auto& o : v) {
            if (o.name == name) {
                throw error(errc::already_exists,
                            fmt::format("an environment variable \"{}\" exists already", name));
            }
        }
        v.push_back({name, value, ""});
    });
    return find_var(vars, name);
}

server_env_var update_server_env_var(engine& eng, const principal& who, std::string_view name,
                                     const std::optional<std::string>& new_name,
                                     const std::optional<std::string>& new_value) {
    auto target = new_name.value_or(std::string(name));
    auto vars = with_env_vars(eng, who, [&](std::vector<server_env_var>& v) {
        auto it = std::find_if(v.begin(), v.end(), [&](const auto& o) { return o.name == name; });
        if (it == v.end()) no_such_var(name);
        if (target != name &&
            std::any_of(v.begin(), v.end(), [&](const auto& o) { return o.name == target; })) {
            throw error(errc::already_exists,
                        fmt::format("an environment variable \"{}\" exists already", target));
        }
        it->name = target;
        if (new_value) it->value = *new_value;
    });
    return find_var(vars, target);
}

void delete_server_env_var(engine& eng, const principal& who, std::string_view name) {
    with_env_vars(eng, who, [&](std::vector<server_env_var>& v) {
        auto it = std::find_if(v.begin(), v.end(), [&](const auto& o) { return o.name == name; });
        if (it == v.end()) no_such_var(name);
        v.erase(it);
    });
}

std::shared_ptr<const server_settings> current_server_settings(engine& eng) {
    auto& e = eng.internals();
    std::lock_guard lock(e.settings_mutex);
    return e.settings;
}

std::uint64_t effective_upload_cap(engine& eng, std::uint64_t server_cap) {
    auto s = current_server_settings(eng);
    return s->max_upload_bytes ? std::min(server_cap, *s->max_upload_bytes) : server_cap;
}

std::int64_t session_lifetime_seconds(engine& eng) {
    return current_server_settings(eng)->session_lifetime_hours * 3600;
}

}  // namespace airsql

namespace airsql::settings {

std::shared_ptr<const server_settings> current(engine::impl& e) {
    std::lock_guard lock(e.settings_mutex);
    return e.settings;
}

team_limits limits_for_team(engine::impl& e, const catalog::team_record& team) {
    auto s = current(e);
    auto out = s->limits;
    if (team.billing && team.billing->plan) {
        if (auto it = s->plans.find(*team.billing->plan); it != s->plans.end()) {
            if (it->second.max_databases_per_team) {
                out.max_databases_per_team = it->second.max_databases_per_team;
            }
            if (it->second.max_database_bytes) {
                out.max_database_bytes = it->second.max_database_bytes;
            }
        }
    }
    return out;
}

std::uint64_t max_database_bytes_for(engine::impl& e, std::string_view db_id) {
    auto cap = e.opts.max_database_bytes;
    auto db = e.catalog.find_database(db_id);
    if (!db) return cap;
    auto team = e.catalog.find_team_by_id(db->team_id);
    if (!team) return cap;
    auto limits = limits_for_team(e, *team);
    if (db->expires_utc) {
        // Anonymous databases have their own cap.
        if (auto anon = current(e)->anonymous_max_database_bytes) return std::min(cap, *anon);
    }
    return limits.max_database_bytes ? std::min(cap, *limits.max_database_bytes) : cap;
}

void check_database_count(engine::impl& e, const catalog::team_record& team, std::int64_t adding) {
    auto limits = limits_for_team(e, team);
    if (limits.max_databases_per_team &&
        team.number_of_databases + adding > *limits.max_databases_per_team) {
        throw error(errc::failed_precondition,
                    fmt::format("team \"{}\" has reached its limit of {} databases", team.name,
                                *limits.max_databases_per_team));
    }
}

}  // namespace airsql::settings
