// SPDX-License-Identifier: Apache-2.0
// An engine with one signed-in user and helpers to run SQL and export, for the export tests.
#pragma once

#include <functional>
#include <string>

#include "airsql/airsql.hpp"
#include "engine_fixture.hpp"

namespace airsql::test {

struct export_fixture {
    temp_dir dir;
    engine eng;
    principal ann;
    std::string db;

    explicit export_fixture(const std::string& sql,
                            const std::function<void(options&)>& tweak = {})
        : eng(configured(dir, tweak)) {
        sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
        auto res = login(eng, principal::anonymous(), {"ann", "password-ann"});
        ann = authenticate(eng, credentials{.bearer = res.session_token});
        db = create_database(eng, ann, {"db", "ann", sql.empty() ? std::nullopt : std::optional<std::string>(sql), std::nullopt}).id;
    }

    static options configured(const temp_dir& d, const std::function<void(options&)>& tweak) {
        auto o = engine_fixture::make_options(d);
        if (tweak) tweak(o);
        return o;
    }

    void sql(const std::string& script) {
        auto r = run_sql(eng, ann, db, {script});
        if (!r.errors.empty()) throw error(errc::invalid_argument, r.errors.front());
    }

    std::string export_as(const std::string& table, export_format f) {
        return export_as(ann, table, f);
    }
    std::string export_as(const principal& who, const std::string& table, export_format f) {
        string_sink sink;
        export_table(eng, who, db, table, f, sink);
        return sink.data;
    }

    /// The hosted file (for comparing with the sqlite3 CLI).
    std::filesystem::path file() const { return dir.path() / "databases" / db / "main.sqlite"; }

    /// A principal for an API token of ann's team with `access` on the database.
    principal token(token_access access) {
        create_token_request req;
        req.name = std::string(to_string(access));
        req.team_name = "ann";
        req.permissions.push_back({db, "", access});
        auto t = create_token(eng, ann, req);
        return authenticate(eng, credentials{.bearer = t.body});
    }
};

inline errc code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.code();
    }
    return errc::internal;
}

}  // namespace airsql::test
