// SPDX-License-Identifier: Apache-2.0
#include "airsql/airsql.hpp"
#include "catch.hpp"
#include "engine_fixture.hpp"

using namespace airsql;

namespace {
errc code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.code();
    }
    return errc::internal;  // "no error" shows up as a mismatch
}
}  // namespace

TEST_CASE("the first user becomes server admin with a personal team", "[auth]") {
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto bob = fx.user("bob");
    CHECK(ann.is_server_admin());
    CHECK_FALSE(bob.is_server_admin());
    auto info = get_user(fx.eng, ann, "ann");
    CHECK(info.server_roles == std::vector<std::string>{"admin"});
    REQUIRE(info.teams.size() == 1);
    CHECK(info.teams[0].name == "ann");
    CHECK(get_user(fx.eng, bob, "bob").server_roles.empty());
    // Users see only themselves; the server admin sees everyone.
    CHECK(code_of([&] { get_user(fx.eng, bob, "ann"); }) == errc::not_found);
    CHECK(get_user(fx.eng, ann, "bob").username == "bob");
    CHECK(code_of([&] { get_user(fx.eng, principal::anonymous(), "bob"); }) ==
          errc::unauthenticated);
}

TEST_CASE("sign-up validates its input and refuses taken names", "[auth]") {
    test::engine_fixture fx;
    auto anon = principal::anonymous();
    CHECK(code_of([&] { sign_up(fx.eng, anon, {"a", "a@example.com", "long enough"}); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] { sign_up(fx.eng, anon, {"bad name", "a@example.com", "long enough"}); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] { sign_up(fx.eng, anon, {"ann", "not-an-email", "long enough"}); }) ==
          errc::invalid_argument);
    CHECK(code_of([&] { sign_up(fx.eng, anon, {"ann", "a@example.com", "short"}); }) ==
          errc::invalid_argument);
    sign_up(fx.eng, anon, {"ann", "ann@example.com", "long enough"});
    CHECK(code_of([&] { sign_up(fx.eng, anon, {"ANN", "x@example.com", "long enough"}); }) ==
          errc::already_exists);
    CHECK(code_of([&] { sign_up(fx.eng, anon, {"ann2", "ANN@example.com", "long enough"}); }) ==
          errc::already_exists);
}

TEST_CASE("login checks the password and logout ends the session", "[auth]") {
    test::engine_fixture fx;
    sign_up(fx.eng, principal::anonymous(), {"ann", "ann@example.com", "right password"});
    CHECK(code_of([&] { login(fx.eng, {}, {"ann", "wrong password"}); }) ==
          errc::unauthenticated);
    CHECK(code_of([&] { login(fx.eng, {}, {"nobody", "right password"}); }) ==
          errc::unauthenticated);
    auto res = login(fx.eng, {}, {"ann", "right password"});
    CHECK(res.username == "ann");
    CHECK(res.session_token.size() >= 32);
    auto who = authenticate(fx.eng, credentials{.bearer = res.session_token});
    CHECK(who.kind() == principal_kind::user);
    CHECK(who.username() == "ann");
    logout(fx.eng, who);
    CHECK(code_of([&] { authenticate(fx.eng, credentials{.bearer = res.session_token}); }) ==
          errc::unauthenticated);
    CHECK(code_of([&] { authenticate(fx.eng, credentials{.bearer = "garbage"}); }) ==
          errc::unauthenticated);
    CHECK(authenticate(fx.eng, credentials{}).kind() == principal_kind::anonymous);
}

TEST_CASE("cookie sessions refuse cross-site state changes", "[auth]") {
    test::engine_fixture fx;
    sign_up(fx.eng, principal::anonymous(), {"ann", "ann@example.com", "right password"});
    auto token = login(fx.eng, {}, {"ann", "right password"}).session_token;
    credentials c;
    c.session_cookie = token;
    c.host = "127.0.0.1:4189";
    CHECK(authenticate(fx.eng, c).kind() == principal_kind::user);
    c.state_changing = true;
    c.origin = "http://127.0.0.1:4189";
    CHECK(authenticate(fx.eng, c).kind() == principal_kind::user);
    c.origin = "https://evil.example";
    CHECK(code_of([&] { authenticate(fx.eng, c); }) == errc::permission_denied);
    c.origin.clear();
    c.sec_fetch_site = "cross-site";
    CHECK(code_of([&] { authenticate(fx.eng, c); }) == errc::permission_denied);
    // A bearer token is not ambient: no origin check.
    credentials b{.bearer = token};
    b.state_changing = true;
    b.sec_fetch_site = "cross-site";
    CHECK(authenticate(fx.eng, b).kind() == principal_kind::user);
}

TEST_CASE("team admins manage members; the last admin stays", "[auth]") {
    test::engine_fixture fx;
    auto ann = fx.user("ann");
    auto bob = fx.user("bob");
    CHECK(code_of([&] { set_member_roles(fx.eng, bob, "ann", "bob", {{team_role::admin}}); }) ==
          errc::not_found);
    set_member_roles(fx.eng, ann, "ann", "bob", {{team_role::viewer}});
    auto members = list_team_members(fx.eng, bob, "ann").members;
    REQUIRE(members.size() == 2);
    CHECK(members[1].username == "bob");
    CHECK(members[1].roles == std::vector<team_role>{team_role::viewer});
    CHECK(code_of([&] { set_member_roles(fx.eng, bob, "ann", "bob", {{team_role::admin}}); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { set_member_roles(fx.eng, ann, "ann", "ann", {{team_role::editor}}); }) ==
          errc::failed_precondition);
    CHECK(code_of([&] { remove_team_member(fx.eng, ann, "ann", "ann"); }) ==
          errc::failed_precondition);
    remove_team_member(fx.eng, bob, "ann", "bob");  // leaving is always allowed
    CHECK(list_team_members(fx.eng, ann, "ann").members.size() == 1);
}
