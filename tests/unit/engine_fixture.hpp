// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "airsql/airsql.hpp"
#include "temp_dir.hpp"

namespace airsql::test {

/// An engine on a fresh data directory, with cheap password hashing so tests stay fast.
struct engine_fixture {
    temp_dir dir;
    engine eng{make_options(dir)};

    engine_fixture() = default;
    /// With the options changed by `tweak(options&)`: the limits a test crosses.
    template <class Tweak>
    explicit engine_fixture(Tweak tweak) : eng{tweaked(dir, tweak)} {}

    template <class Tweak>
    static options tweaked(const temp_dir& d, Tweak tweak) {
        auto o = make_options(d);
        tweak(o);
        return o;
    }

    static options make_options(const temp_dir& d) {
        options o;
        o.data_dir = d.path();
        o.password_hash_ops = 1;
        o.password_hash_memory = 8 * 1024;
        o.sqlite_heap_limit_bytes = 0;
        // Tests sign up and log in many users from no address at all.
        o.login_per_address = o.login_failures_per_account = o.sign_up_per_address = {};
        o.password_reset_per_address = o.password_reset_per_account = {};
        o.invite_per_account = o.anonymous_databases_per_address = {};
        return o;
    }

    /// Signs up and logs in; returns the user's principal.
    principal user(const std::string& name) {
        sign_up(eng, principal::anonymous(), {name, name + "@example.com", "password-" + name});
        auto res = login(eng, principal::anonymous(), {name, "password-" + name});
        return authenticate(eng, credentials{.bearer = res.session_token});
    }

    /// Creates a database owned by `team` and returns its id.
    std::string database(const principal& who, const std::string& team, const std::string& sql) {
        return create_database(eng, who, {"db", team, sql, std::nullopt}).id;
    }
};

}  // namespace airsql::test
