// SPDX-License-Identifier: Apache-2.0
#include "airsql/server_settings.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;

namespace {
server_settings_patch patch_of(const char* json) {
    return boost::json::value_to<server_settings_patch>(boost::json::parse(json));
}
}  // namespace

TEST_CASE("server settings: admins only, validated, visible to library code", "[settings]") {
    test::engine_fixture fx;
    auto admin = fx.user("admin");
    auto ann = fx.user("ann");
    CHECK_THROWS_AS(get_server_settings(fx.eng, ann), error);
    CHECK_THROWS_AS(
        update_server_settings(fx.eng, principal::anonymous(), patch_of(R"({"signUp": "closed"})")),
        error);
    auto s = update_server_settings(
        fx.eng, admin, patch_of(R"({"allowedHosts": ["api.example.org", "localhost:8080"],
                     "envVars": [{"name": "TOKEN", "value": "secret"}],
                     "smtp": {"url": "smtp://127.0.0.1:25", "tls": "none",
                              "password": "pw", "from": "a@example.org"}})"));
    CHECK(s.allowed_hosts.size() == 2);
    CHECK_FALSE(s.smtp->password);  // never handed to callers
    CHECK(s.smtp->password_set);
    // The typed getter for library code (the functions runtime) has the secrets.
    auto current = current_server_settings(fx.eng);
    REQUIRE(current->smtp);
    CHECK(current->smtp->password == "pw");
    CHECK(current->env_vars.at(0).value == "secret");
    CHECK(current->allowed_hosts == std::vector<std::string>{"api.example.org", "localhost:8080"});
    // A bad field leaves everything as it was.
    CHECK_THROWS_AS(
        update_server_settings(fx.eng, admin,
                               patch_of(R"({"allowedHosts": [], "sessionLifetimeHours": 0})")),
        error);
    CHECK(current_server_settings(fx.eng)->allowed_hosts.size() == 2);
}

TEST_CASE("server settings JSON names every setting", "[settings]") {
    server_settings s;
    auto jv = boost::json::value_from(s);
    for (auto key : {"allowedHosts", "envVars", "limits", "maxUploadBytes", "plans", "publicUrl",
                     "sessionLifetimeHours", "signUp", "smtp"}) {
        CHECK(jv.as_object().contains(key));
    }
    CHECK_THROWS_AS(patch_of(R"({"signup": "open"})"), error);
}
