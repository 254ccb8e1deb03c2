// SPDX-License-Identifier: Apache-2.0
#include "airsql/billing.hpp"

#include <fmt/format.h>
#include <boost/json/parse.hpp>

#include <iostream>

#include "airsql/error.hpp"
#include "airsql/form_urlencoded.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"
#include "core/ids.hpp"
#include "settings/server_settings_store.hpp"

namespace airsql {

namespace {

[[noreturn]] void bad(const std::string& message) { throw error(errc::invalid_argument, message); }

// Paddle sends "2023-08-06 15:33:25" (classic) or ISO-8601 with a Z.
std::string event_time(const form_fields& f) {
    auto text = f.get("event_time");
    if (!text || text->size() > 40) bad("event_time is missing");
    auto iso = *text;
    if (iso.size() > 10 && iso[10] == ' ') iso[10] = 'T';
    if (!iso.ends_with("Z") && iso.find('+', 10) == std::string::npos) iso += "Z";
    auto t = core::parse_iso_utc(iso);
    if (!t) bad("event_time is not a time");
    return core::to_iso_utc(*t);
}

std::optional<std::string> team_name_in(const std::optional<std::string>& json_text) {
    if (!json_text || json_text->empty()) return std::nullopt;
    boost::system::error_code ec;
    auto v = boost::json::parse(*json_text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    const auto* name = v.as_object().if_contains("airsequel_team_name");
    if (!name || !name->is_string()) return std::nullopt;
    return std::string(name->get_string());
}

}  // namespace

billing_outcome handle_paddle_event(engine& eng, std::string_view key, std::string_view body) {
    auto& e = eng.internals();
    auto settings = settings::current(e);
    // Compare digests: equal lengths, so the time does not depend on where they differ or on
    // the configured key's length.
    bool ok = settings->paddle_webhook_key &&
              core::constant_time_equal(core::sha256_hex(key),
                                        core::sha256_hex(*settings->paddle_webhook_key));
    if (!ok) throw error(errc::unauthenticated, "invalid key for billing events");

    auto f = form_fields::parse(body, 64 * 1024, 100);
    auto alert = f.get("alert_name").value_or("");
    bool sets_plan = alert == "subscription_created" || alert == "subscription_updated" ||
                     alert == "subscription_payment_succeeded";
    bool cancels = alert == "subscription_cancelled";
    bool keeps = alert == "subscription_payment_failed";
    if (!sets_plan && !cancels && !keeps) return billing_outcome::ignored;

    auto when = event_time(f);
    auto name = team_name_in(f.get("custom_data"));
    if (!name) name = team_name_in(f.get("passthrough"));
    if (!name) bad("custom_data names no airsequel_team_name");
    auto team = e.catalog.find_team(*name);
    if (!team) {
        throw error(errc::not_found, fmt::format("team \"{}\" does not exist", *name));
    }

    auto billing = team->billing.value_or(billing_info{});
    if (auto id = f.get("subscription_id")) {
        try {
            std::size_t used = 0;
            auto n = std::stoll(*id, &used);
            if (used != id->size() || n < 0) throw std::invalid_argument("id");
            billing.subscription_id = n;
        } catch (const std::exception&) {
            bad("subscription_id must be a number");
        }
    }
    if (auto mail = f.get("email"); mail && !mail->empty()) {
        if (mail->size() > 254) bad("email is too long");
        billing.email_address = *mail;
    }
    if (sets_plan) {
        auto status = f.get("status").value_or("active");
        auto plan_id = f.get("subscription_plan_id").value_or("");
        auto it = settings->paddle_plans.find(plan_id);
        billing.plan = status == "deleted"                  ? std::nullopt
                       : it != settings->paddle_plans.end() ? std::optional<std::string>(it->second)
                                                            : std::optional<std::string>("pro");
    } else if (cancels) {
        billing.plan.reset();
    }
    if (!e.catalog.apply_billing_event(team->id, when, billing)) return billing_outcome::stale;
    e.databases.limits_changed();  // the plan decides the size cap
    std::cerr << fmt::format("airsql: billing event {} for team {}: plan {}\n", alert, team->name,
                             billing.plan.value_or("none"));
    return billing_outcome::applied;
}

}  // namespace airsql
