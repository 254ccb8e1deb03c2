// SPDX-License-Identifier: Apache-2.0
// Database settings, environment variables, the schema lock and the audit log, through the
// public API (and the internal doors other features use: auth::require_schema, write leases).
// sqlite3.h declares the pre-update hook only under this macro (see audit/recorder.cpp).
#define SQLITE_ENABLE_PREUPDATE_HOOK 1
#include <sqlite3.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_from.hpp>
#include <boost/json/value_to.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "airsql/airsql.hpp"
#include "audit/context.hpp"
#include "auth/access.hpp"
#include "catch.hpp"
#include "core/clock.hpp"
#include "core/engine_impl.hpp"
#include "engine_fixture.hpp"

using namespace airsql;
namespace bj = boost::json;

namespace {

errc code_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.code();
    }
    return errc::internal;  // "did not throw"
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "(did not throw)";
}

settings_patch patch_from(std::string_view json) {
    return bj::value_to<settings_patch>(bj::parse(json));
}

/// An engine with "ann" (Admin of team ann), "eddie" (Editor), "vic" (Viewer) and one
/// database of team ann.
struct settings_fixture : test::engine_fixture {
    principal ann = user("ann");
    principal eddie = user("eddie");
    principal vic = user("vic");
    principal stranger = user("stranger");
    std::string db;

    settings_fixture() {
        set_member_roles(eng, ann, "ann", "eddie", {{team_role::editor}});
        set_member_roles(eng, ann, "ann", "vic", {{team_role::viewer}});
        db = database(ann, "ann",
                      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, "
                      "data BLOB); INSERT INTO items (name, qty) VALUES ('first', 1)");
    }

    principal token(token_access access) {
        auto t = create_token(eng, ann,
                              {.name = "robot",
                               .description = "",
                               .expiration_utc = std::nullopt,
                               .permissions = {{db, "", access}},
                               .team_name = "ann"});
        return authenticate(eng, credentials{.bearer = t.body});
    }

    void set(std::string_view json) { update_settings(eng, ann, db, patch_from(json)); }

    sql_result sql(const principal& who, const std::string& script) {
        return run_sql(eng, who, db, {script});
    }

    void sql_ok(const std::string& script) {
        auto r = sql(ann, script);
        INFO(script);
        REQUIRE(r.errors.empty());
    }

    graphql_response graphql(const principal& who, std::string query) {
        graphql_request r;
        r.query = std::move(query);
        return execute_graphql(eng, who, db, r);
    }

    std::vector<audit_entry> audit(audit_query q = {}) {
        return read_audit_log(eng, ann, db, q).entries;
    }

    /// Entries of row changes only (no SETTINGS entries), oldest first.
    std::vector<audit_entry> changes() {
        audit_query q;
        q.limit = 1000;
        std::vector<audit_entry> out;
        for (auto& e : audit(q)) {
            if (e.operation != "SETTINGS") out.insert(out.begin(), std::move(e));
        }
        return out;
    }
};

}  // namespace

// ---- settings ----

TEST_CASE("settings are read with read access and show env vars by role", "[settings]") {
    settings_fixture fx;
    fx.set(R"({"envVars": [{"name": "HELLO", "value": "world"}], "environment": "Staging"})");

    auto s = get_settings(fx.eng, fx.ann, fx.db);
    CHECK_FALSE(s.auditing);
    CHECK_FALSE(s.schema_locked);
    CHECK_FALSE(s.views_tab);
    CHECK(s.visibility == visibility::team_only);
    CHECK(s.environment == std::optional<std::string>("Staging"));
    REQUIRE(s.env_vars);
    REQUIRE(s.env_vars->size() == 1);
    CHECK((*s.env_vars)[0].name == "HELLO");
    CHECK((*s.env_vars)[0].value == std::optional<std::string>("world"));
    CHECK((*s.env_vars)[0].created_utc.size() == 24);

    // Editors see names only; viewers and tokens neither.
    auto as_editor = get_settings(fx.eng, fx.eddie, fx.db);
    REQUIRE(as_editor.env_vars);
    CHECK((*as_editor.env_vars)[0].name == "HELLO");
    CHECK_FALSE((*as_editor.env_vars)[0].value);
    CHECK_FALSE(get_settings(fx.eng, fx.vic, fx.db).env_vars);
    CHECK_FALSE(get_settings(fx.eng, fx.token(token_access::write), fx.db).env_vars);
    auto readonly_id = get_database(fx.eng, fx.ann, fx.db).readonly_id;
    CHECK_FALSE(
        get_settings(fx.eng, principal::readonly_link(readonly_id), readonly_id).env_vars);

    // Strangers and anonymous callers cannot learn that a private database exists; write-only
    // tokens may not read it.
    CHECK(code_of([&] { get_settings(fx.eng, fx.stranger, fx.db); }) == errc::not_found);
    CHECK(code_of([&] { get_settings(fx.eng, principal::anonymous(), fx.db); }) ==
          errc::not_found);
    CHECK(code_of([&] { get_settings(fx.eng, fx.token(token_access::writeonly), fx.db); }) ==
          errc::permission_denied);

    // JSON: the reference's field names; envVars null for those who may not see them.
    auto json = bj::value_from(s).as_object();
    for (auto key : {"auditing", "environment", "envVars", "schemaLocked", "viewsTab",
                     "visibility"}) {
        CHECK(json.contains(key));
    }
    CHECK(json.at("envVars").at(0).at("value") == "world");
    CHECK(json.at("envVars").at(0).as_object().contains("created_utc"));
    CHECK(bj::value_from(get_settings(fx.eng, fx.vic, fx.db)).at("envVars").is_null());
}

TEST_CASE("settings PATCH reads plain and tagged values and refuses bad ones", "[settings]") {
    settings_fixture fx;
    fx.set(R"({"auditing": true, "envVars": [{"name": "HELLO", "value": "world"}],
               "environment": {"contents": "production", "tag": "TextValue"},
               "schemaLocked": false, "viewsTab": true, "visibility": "public"})");
    auto s = get_settings(fx.eng, fx.ann, fx.db);
    CHECK(s.auditing);
    CHECK(s.environment == std::optional<std::string>("production"));
    CHECK(s.views_tab);
    CHECK(s.visibility == visibility::public_read);
    // The same facts in GET /api/dbs/:dbId.
    auto info = get_database(fx.eng, fx.ann, fx.db);
    CHECK(info.auditing);
    CHECK(info.views_tab);
    CHECK(info.environment == std::optional<std::string>("production"));

    fx.set(R"({"environment": {"tag": "TextNull"}})");
    CHECK_FALSE(get_settings(fx.eng, fx.ann, fx.db).environment);
    fx.set(R"({"environment": "Staging", "auditing": {"tag": "BoolValue", "contents": false}})");
    CHECK(get_settings(fx.eng, fx.ann, fx.db).environment == std::optional<std::string>("Staging"));
    CHECK_FALSE(get_settings(fx.eng, fx.ann, fx.db).auditing);
    fx.set(R"({"environment": null})");
    CHECK_FALSE(get_settings(fx.eng, fx.ann, fx.db).environment);
    // Absent fields stay.
    fx.set("{}");
    CHECK(get_settings(fx.eng, fx.ann, fx.db).views_tab);

    auto bad = [&](std::string_view json) {
        INFO(json);
        CHECK(code_of([&] { fx.set(json); }) == errc::invalid_argument);
    };
    bad(R"({"auditing": "yes"})");
    bad(R"({"auditing": 1})");
    bad(R"({"schemaLocked": null, "viewsTab": "true"})");
    bad(R"({"visibility": "secret"})");
    bad(R"({"environment": 5})");
    bad(R"({"environment": {"tag": "Nonsense"}})");
    bad(R"({"environment": {"tag": "TextValue"}})");
    bad(std::string(R"({"environment": ")") + std::string(101, 'x') + "\"}");
    bad(R"({"schemalocked": true})");  // a typo must not pass for a lock
    bad(R"({"envVars": {"name": "A", "value": "b"}})");
    bad(R"({"envVars": [{"name": "A"}]})");
    bad(R"({"envVars": [{"name": "A", "value": 5}]})");
    bad(R"([])");
    // Nothing of a refused PATCH was written.
    CHECK(get_settings(fx.eng, fx.ann, fx.db).visibility == visibility::public_read);
}

TEST_CASE("who may change which setting follows update_database", "[settings][auth]") {
    settings_fixture fx;
    auto editor_fields = patch_from(R"({"environment": "dev", "viewsTab": true})");
    update_settings(fx.eng, fx.eddie, fx.db, editor_fields);
    CHECK(get_settings(fx.eng, fx.ann, fx.db).environment == std::optional<std::string>("dev"));

    for (auto json : {R"({"auditing": true})", R"({"schemaLocked": true})",
                      R"({"visibility": "public"})", R"({"envVars": []})"}) {
        INFO(json);
        auto p = patch_from(json);
        CHECK(code_of([&] { update_settings(fx.eng, fx.eddie, fx.db, p); }) ==
              errc::permission_denied);
        CHECK(code_of([&] { update_settings(fx.eng, fx.vic, fx.db, p); }) ==
              errc::permission_denied);
        CHECK(code_of([&] { update_settings(fx.eng, fx.token(token_access::write), fx.db, p); }) ==
              errc::permission_denied);
        update_settings(fx.eng, fx.ann, fx.db, p);
    }
    CHECK(code_of([&] { update_settings(fx.eng, fx.vic, fx.db, editor_fields); }) ==
          errc::permission_denied);
    // Tokens are refused even for Editor fields.
    CHECK(code_of([&] {
              update_settings(fx.eng, fx.token(token_access::write), fx.db, editor_fields);
          }) == errc::permission_denied);
    // The database is public by now: strangers may read it, not change it.
    CHECK(code_of([&] { update_settings(fx.eng, fx.stranger, fx.db, editor_fields); }) ==
          errc::permission_denied);
    auto s = get_settings(fx.eng, fx.ann, fx.db);
    CHECK(s.auditing);
    CHECK(s.schema_locked);
    CHECK(s.visibility == visibility::public_read);
}

// ---- environment variables ----

TEST_CASE("envVars are validated: names, sizes, count, duplicates", "[settings]") {
    settings_fixture fx;
    auto& opts = fx.eng.internals().opts;
    auto with = [&](const std::string& name, const std::string& value) {
        settings_patch p;
        p.env_vars = std::vector<env_var_input>{{name, value}};
        return code_of([&] { update_settings(fx.eng, fx.ann, fx.db, p); });
    };
    CHECK(with("HELLO", "world") == errc::internal);  // accepted
    CHECK(with("_x9", "") == errc::internal);
    CHECK(with(std::string(128, 'A'), "v") == errc::internal);
    for (auto name : {"", "9LIVES", "HAS-DASH", "HAS SPACE", "Ä", "A=B", "A\nB"}) {
        INFO(name);
        CHECK(with(name, "v") == errc::invalid_argument);
    }
    CHECK(with(std::string(129, 'A'), "v") == errc::invalid_argument);
    CHECK(with("BIG", std::string(opts.max_env_var_value_bytes, 'v')) == errc::internal);
    CHECK(with("BIG", std::string(opts.max_env_var_value_bytes + 1, 'v')) ==
          errc::invalid_argument);
    CHECK(with("NUL", std::string("a\0b", 3)) == errc::invalid_argument);
    CHECK(with("BAD", "\xff\xfe") == errc::invalid_argument);

    settings_patch dup;
    dup.env_vars = std::vector<env_var_input>{{"A", "1"}, {"A", "2"}};
    CHECK(code_of([&] { update_settings(fx.eng, fx.ann, fx.db, dup); }) == errc::invalid_argument);

    settings_patch many;
    many.env_vars.emplace();
    for (std::size_t i = 0; i <= opts.max_env_vars_per_database; ++i) {
        many.env_vars->push_back({"V" + std::to_string(i), "x"});
    }
    CHECK(code_of([&] { update_settings(fx.eng, fx.ann, fx.db, many); }) ==
          errc::invalid_argument);
    many.env_vars->pop_back();
    update_settings(fx.eng, fx.ann, fx.db, many);
    CHECK(list_env_vars(fx.eng, fx.ann, fx.db).size() == opts.max_env_vars_per_database);
    CHECK(code_of([&] { add_env_var(fx.eng, fx.ann, fx.db, {"ONE_MORE", "x"}); }) ==
          errc::failed_precondition);

    // A PATCH replaces the whole set; names that stay keep their creation time.
    fx.set(R"({"envVars": [{"name": "KEEP", "value": "1"}, {"name": "GO", "value": "2"}]})");
    auto created = list_env_vars(fx.eng, fx.ann, fx.db)[1].created_utc;  // KEEP (by name)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    fx.set(R"({"envVars": [{"name": "KEEP", "value": "new"}]})");
    auto vars = list_env_vars(fx.eng, fx.ann, fx.db);
    REQUIRE(vars.size() == 1);
    CHECK(vars[0] == env_var{"KEEP", "new", created});
    fx.set(R"({"envVars": []})");
    CHECK(list_env_vars(fx.eng, fx.ann, fx.db).empty());
}

TEST_CASE("env var routes add, rename, revalue and delete, for Admins", "[settings]") {
    settings_fixture fx;
    auto added = add_env_var(fx.eng, fx.ann, fx.db, {"ENVIRONMENT", "development"});
    CHECK(added.name == "ENVIRONMENT");
    CHECK(added.value == std::optional<std::string>("development"));
    CHECK(code_of([&] { add_env_var(fx.eng, fx.ann, fx.db, {"ENVIRONMENT", "x"}); }) ==
          errc::already_exists);
    CHECK(code_of([&] { add_env_var(fx.eng, fx.ann, fx.db, {"bad name", "x"}); }) ==
          errc::invalid_argument);
    add_env_var(fx.eng, fx.ann, fx.db, {"OTHER", "1"});

    update_env_var(fx.eng, fx.ann, fx.db, "ENVIRONMENT", {std::nullopt, "production"});
    update_env_var(fx.eng, fx.ann, fx.db, "ENVIRONMENT", {"STAGE", std::nullopt});
    CHECK(code_of([&] {
              update_env_var(fx.eng, fx.ann, fx.db, "STAGE", {"OTHER", std::nullopt});
          }) == errc::already_exists);
    CHECK(code_of([&] {
              update_env_var(fx.eng, fx.ann, fx.db, "NOPE", {std::nullopt, "x"});
          }) == errc::not_found);
    CHECK(code_of([&] { update_env_var(fx.eng, fx.ann, fx.db, "STAGE", {"1X", std::nullopt}); }) ==
          errc::invalid_argument);
    auto vars = list_env_vars(fx.eng, fx.ann, fx.db);
    REQUIRE(vars.size() == 2);
    CHECK(vars[0].name == "OTHER");
    CHECK(vars[1].name == "STAGE");
    CHECK(vars[1].value == std::optional<std::string>("production"));
    CHECK(vars[1].created_utc == added.created_utc);

    // Editors list names only and change nothing; viewers and tokens see nothing.
    auto names = list_env_vars(fx.eng, fx.eddie, fx.db);
    REQUIRE(names.size() == 2);
    CHECK_FALSE(names[0].value);
    CHECK(code_of([&] { add_env_var(fx.eng, fx.eddie, fx.db, {"E", "x"}); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { delete_env_var(fx.eng, fx.eddie, fx.db, "STAGE"); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { list_env_vars(fx.eng, fx.vic, fx.db); }) == errc::permission_denied);
    CHECK(code_of([&] { list_env_vars(fx.eng, fx.token(token_access::write), fx.db); }) ==
          errc::permission_denied);

    delete_env_var(fx.eng, fx.ann, fx.db, "STAGE");
    CHECK(code_of([&] { delete_env_var(fx.eng, fx.ann, fx.db, "STAGE"); }) == errc::not_found);
    CHECK(list_env_vars(fx.eng, fx.ann, fx.db).size() == 1);

    // JSON bodies.
    CHECK(bj::value_to<env_var_input>(bj::parse(R"({"name": "A", "value": "b"})")) ==
          env_var_input{"A", "b"});
    CHECK(code_of([] { bj::value_to<env_var_patch>(bj::parse("{}")); }) ==
          errc::invalid_argument);
    CHECK(bj::value_to<env_var_patch>(bj::parse(R"({"value": "v"})")) ==
          env_var_patch{std::nullopt, "v"});
}

TEST_CASE("a database's env vars and audit log go with it", "[settings]") {
    settings_fixture fx;
    fx.set(R"({"auditing": true, "envVars": [{"name": "A", "value": "1"}]})");
    fx.sql_ok("INSERT INTO items (name) VALUES ('x')");
    auto id = fx.db;
    delete_database(fx.eng, fx.ann, id);
    auto& cat = fx.eng.internals().catalog;
    CHECK(cat.env_vars(id).empty());
    catalog::audit_filter f;
    f.db_id = id;
    CHECK(cat.read_audit(f).empty());
}

// ---- the schema lock ----

TEST_CASE("a locked schema refuses DDL on the SQL endpoint; data changes go on",
          "[settings][sql]") {
    settings_fixture fx;
    fx.sql_ok("CREATE TABLE t (x INTEGER); CREATE INDEX t_x ON t(x); CREATE VIEW v AS SELECT 1; "
              "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END;");
    fx.set(R"({"schemaLocked": true})");
    for (const auto* ddl :
         {"CREATE TABLE u (y)", "DROP TABLE t", "ALTER TABLE t ADD COLUMN z",
          "ALTER TABLE t RENAME TO t2", "ALTER TABLE t RENAME COLUMN x TO y",
          "ALTER TABLE items DROP COLUMN qty", "CREATE INDEX i2 ON t(x)", "DROP INDEX t_x",
          "CREATE VIEW v2 AS SELECT 2", "DROP VIEW v",
          "CREATE TRIGGER tr2 AFTER DELETE ON t BEGIN SELECT 1; END", "DROP TRIGGER tr",
          "CREATE VIRTUAL TABLE f USING fts5(a)", "CREATE TABLE IF NOT EXISTS t (x)",
          "INSERT INTO t VALUES (1); CREATE TABLE late (a)"}) {
        for (const auto& who : {fx.ann, fx.eddie, fx.token(token_access::write)}) {
            INFO(ddl);
            auto r = fx.sql(who, ddl);
            REQUIRE(r.errors.size() == 1);
            CHECK_THAT(r.errors[0],
                       Catch::Contains("the schema of this database is locked; an Admin can "
                                       "unlock it in the settings"));
        }
    }
    // Nothing of a refused script stays (the INSERT before the CREATE rolled back).
    CHECK(fx.sql(fx.ann, "SELECT count(*) AS n FROM t").rows.at(0).at("n") == 0);
    auto before = get_database(fx.eng, fx.ann, fx.db).schema_version;

    // INSERT, UPDATE, DELETE, REINDEX and ANALYZE are no schema changes.
    for (const auto* dml : {"INSERT INTO t VALUES (1), (2)", "UPDATE t SET x = x + 1",
                            "DELETE FROM t WHERE x = 2", "REINDEX t", "SELECT * FROM t"}) {
        INFO(dml);
        CHECK(fx.sql(fx.ann, dml).errors.empty());
        CHECK(fx.sql(fx.eddie, dml).errors.empty());
    }
    CHECK(fx.sql(fx.ann, "SELECT x FROM t").rows.size() == 4);  // each statement ran twice
    CHECK(get_database(fx.eng, fx.ann, fx.db).schema_version == before);

    // GraphQL mutations (data only) go on too.
    auto r = fx.graphql(fx.eddie, "mutation { insert_t(objects: {x: 9}) { affected_rows } }");
    CHECK_THAT(r.body, Catch::Contains("\"affected_rows\":1"));

    // An Admin unlocks; then DDL works again.
    fx.set(R"({"schemaLocked": false})");
    CHECK(fx.sql(fx.eddie, "CREATE TABLE u (y)").errors.empty());
}

TEST_CASE("require_schema refuses locked databases with failed_precondition",
          "[settings][auth]") {
    settings_fixture fx;
    auto& e = fx.eng.internals();
    auto resolved = [&](const principal& who) { return auth::resolve_database(e, who, fx.db); };
    auth::require_schema(resolved(fx.eddie));
    auth::require_schema_unlocked(resolved(fx.vic));
    fx.set(R"({"schemaLocked": true})");
    for (const auto& who : {fx.ann, fx.eddie, fx.token(token_access::write)}) {
        CHECK(code_of([&] { auth::require_schema(resolved(who)); }) ==
              errc::failed_precondition);
        CHECK(message_of([&] { auth::require_schema(resolved(who)); }) ==
              "the schema of this database is locked; an Admin can unlock it in the settings");
        CHECK(code_of([&] { auth::require_schema_unlocked(resolved(who)); }) ==
              errc::failed_precondition);
    }
    // Rights come first: a viewer learns that it may not, not that the schema is locked.
    CHECK(code_of([&] { auth::require_schema(resolved(fx.vic)); }) == errc::permission_denied);
    // Changes that are not schema changes still pass for Editors.
    auth::require_editor(resolved(fx.eddie));
    update_database(fx.eng, fx.eddie, fx.db, {.name = "renamed"});
    fx.set(R"({"environment": "locked but labelled"})");
}

// ---- auditing ----

TEST_CASE("auditing records SQL endpoint writes: who, when, table, rowid, values",
          "[settings][audit]") {
    settings_fixture fx;
    fx.sql_ok("INSERT INTO items (name) VALUES ('before auditing')");
    fx.set(R"({"auditing": true})");
    auto started = std::chrono::system_clock::now();
    fx.sql_ok("INSERT INTO items (name, qty, data) VALUES ('pen', 3, x'00010203')");
    CHECK(fx.sql(fx.eddie, "UPDATE items SET qty = qty + 1, name = name WHERE name = 'pen'")
              .errors.empty());
    auto robot = fx.token(token_access::write);
    CHECK(fx.sql(robot, "DELETE FROM items WHERE id = 1").errors.empty());

    auto log = fx.changes();
    REQUIRE(log.size() == 3);
    const auto& ins = log[0];
    CHECK(ins.operation == "INSERT");
    CHECK(ins.table_name == std::optional<std::string>("items"));
    CHECK(ins.row_id == std::optional<std::int64_t>(3));
    CHECK(ins.old_values.is_null());
    CHECK(ins.new_values == bj::parse(R"({"id": 3, "name": "pen", "qty": 3,
                                           "data": {"type": "blob", "size": 4}})"));
    CHECK(ins.principal == bj::parse(
                               bj::serialize(bj::object{{"kind", "user"},
                                                        {"id", fx.ann.user_id()},
                                                        {"name", "ann"}})));
    // When: the commit, as ISO UTC with milliseconds.
    REQUIRE(ins.utc.size() == 24);
    CHECK(ins.utc.back() == 'Z');
    CHECK(ins.utc >= core::to_iso_utc(std::chrono::floor<std::chrono::milliseconds>(started)));

    const auto& upd = log[1];
    CHECK(upd.operation == "UPDATE");
    CHECK(upd.row_id == std::optional<std::int64_t>(3));
    CHECK(upd.old_values == bj::parse(R"({"qty": 3})"));  // only what changed
    CHECK(upd.new_values == bj::parse(R"({"qty": 4})"));
    CHECK(upd.principal.at("name") == "eddie");

    const auto& del = log[2];
    CHECK(del.operation == "DELETE");
    CHECK(del.row_id == std::optional<std::int64_t>(1));
    CHECK(del.old_values.at("name") == "first");
    CHECK(del.new_values.is_null());
    CHECK(del.principal.at("kind") == "token");
    CHECK(del.principal.at("name") == "robot");
    CHECK(del.principal.at("team") == "ann");

    CHECK(log[0].id < log[1].id);
    CHECK(log[1].id < log[2].id);

    // Off again: nothing more is recorded.
    fx.set(R"({"auditing": false})");
    fx.sql_ok("INSERT INTO items (name) VALUES ('after')");
    CHECK(fx.changes().size() == 3);
}

TEST_CASE("auditing records GraphQL mutations", "[settings][audit][graphql]") {
    settings_fixture fx;
    fx.set(R"({"auditing": true})");
    auto r = fx.graphql(fx.eddie,
                        "mutation { insert_items(objects: [{name: \"a\", qty: 1}, "
                        "{name: \"b\", qty: 2}]) { affected_rows } }");
    CHECK_THAT(r.body, Catch::Contains("\"affected_rows\":2"));
    r = fx.graphql(fx.ann,
                   "mutation { update_items(where: {name: {_eq: \"a\"}}, _set: {qty: 10}) "
                   "{ affected_rows } delete_items(where: {name: {_eq: \"b\"}}) "
                   "{ affected_rows } }");
    CHECK_THAT(r.body, Catch::Contains("\"affected_rows\":1"));
    // Queries write nothing.
    fx.graphql(fx.ann, "{ items { name } }");

    auto log = fx.changes();
    REQUIRE(log.size() == 4);
    CHECK(log[0].operation == "INSERT");
    CHECK(log[0].new_values.at("name") == "a");
    CHECK(log[0].principal.at("name") == "eddie");
    CHECK(log[1].operation == "INSERT");
    CHECK(log[2].operation == "UPDATE");
    CHECK(log[2].old_values == bj::parse(R"({"qty": 1})"));
    CHECK(log[2].new_values == bj::parse(R"({"qty": 10})"));
    CHECK(log[2].principal.at("name") == "ann");
    CHECK(log[3].operation == "DELETE");
    CHECK(log[3].old_values.at("name") == "b");
    // One mutation is one transaction: one commit time.
    CHECK(log[2].utc == log[3].utc);
}

TEST_CASE("rolled-back writes are not logged", "[settings][audit]") {
    settings_fixture fx;
    fx.sql_ok("CREATE TABLE parent (id INTEGER PRIMARY KEY); "
              "CREATE TABLE child (id INTEGER PRIMARY KEY, "
              "p INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
    fx.set(R"({"auditing": true})");
    // An SQL script that fails after writing.
    auto r = fx.sql(fx.ann, "INSERT INTO items (name) VALUES ('gone'); SELECT * FROM nowhere");
    CHECK_FALSE(r.errors.empty());
    // A deferred foreign key that fails at COMMIT.
    r = fx.sql(fx.ann, "INSERT INTO child VALUES (1, 99)");
    CHECK_FALSE(r.errors.empty());
    // A locked schema refusing the second statement of a script.
    fx.set(R"({"schemaLocked": true})");
    r = fx.sql(fx.ann, "INSERT INTO items (name) VALUES ('also gone'); DROP TABLE child");
    CHECK_FALSE(r.errors.empty());
    fx.set(R"({"schemaLocked": false})");
    // A GraphQL mutation whose second field fails rolls back the first.
    auto g = fx.graphql(fx.ann,
                        "mutation { a: insert_items(objects: {name: \"x\"}) { affected_rows } "
                        "b: insert_items(objects: {id: 1, name: \"dup\"}) { affected_rows } }");
    CHECK_THAT(g.body, Catch::Contains("errors"));
    CHECK(fx.sql(fx.ann, "SELECT count(*) AS n FROM items").rows.at(0).at("n") == 1);
    CHECK(fx.changes().empty());

    // And a committed write after all that is logged alone.
    fx.sql_ok("INSERT INTO items (name) VALUES ('kept')");
    auto log = fx.changes();
    REQUIRE(log.size() == 1);
    CHECK(log[0].new_values.at("name") == "kept");
}

TEST_CASE("no hook is installed on write leases when auditing is off", "[settings][audit]") {
    settings_fixture fx;
    auto& e = fx.eng.internals();
    auto hosted = e.databases.open(fx.db);
    auto lease_for = [&] {
        auto record = *e.catalog.find_database(fx.db);
        return audit::context_for(e, fx.ann, record);
    };
    {
        auto ctx = lease_for();
        CHECK_FALSE(ctx.enabled);
        CHECK(ctx.principal.empty());  // not even described
        auto lease = hosted->writer(std::move(ctx));
        CHECK_FALSE(lease.audited());
        // No pre-update hook on the connection (setting none returns the previous one).
        CHECK(sqlite3_preupdate_hook(lease->handle(), nullptr, nullptr) == nullptr);
    }
    fx.set(R"({"auditing": true})");
    {
        auto lease = hosted->writer(lease_for());
        CHECK(lease.audited());
    }
    {
        // Hooks are removed when the lease ends.
        auto lease = hosted->writer(audit::context::off());
        CHECK(sqlite3_preupdate_hook(lease->handle(), nullptr, nullptr) == nullptr);
    }
}

TEST_CASE("audit caps: entries per transaction and long values", "[settings][audit]") {
    test::temp_dir dir;
    auto opts = test::engine_fixture::make_options(dir);
    opts.audit_max_entries_per_transaction = 5;
    opts.audit_max_value_bytes = 8;
    engine eng(opts);
    sign_up(eng, principal::anonymous(), {"ann", "ann@example.com", "password-ann"});
    auto ann = authenticate(
        eng, credentials{.bearer = login(eng, principal::anonymous(), {"ann", "password-ann"})
                                       .session_token});
    auto db = create_database(eng, ann, {"db", "ann", "CREATE TABLE t (s TEXT)", std::nullopt}).id;
    update_settings(eng, ann, db, patch_from(R"({"auditing": true})"));

    auto r = run_sql(eng, ann, db,
                     {"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c LIMIT 12) "
                      "INSERT INTO t SELECT 'v' || i FROM c"});
    REQUIRE(r.errors.empty());
    CHECK(r.num_changes == 12);
    // "ünïcödé!" is 12 bytes: cut at a character boundary within 8 bytes.
    REQUIRE(run_sql(eng, ann, db, {"INSERT INTO t VALUES ('ünïcödé!')"}).errors.empty());
    REQUIRE(run_sql(eng, ann, db, {"INSERT INTO t VALUES ('12345678')"}).errors.empty());

    audit_query q;
    q.limit = 100;
    auto entries = read_audit_log(eng, ann, db, q).entries;
    std::vector<audit_entry> changes;
    for (auto& e : entries) {
        if (e.operation != "SETTINGS") changes.insert(changes.begin(), e);
    }
    REQUIRE(changes.size() == 8);  // 5 + OMITTED + 2
    for (int i = 0; i < 5; ++i) CHECK(changes[i].operation == "INSERT");
    CHECK(changes[5].operation == "OMITTED");
    CHECK(changes[5].new_values.at("omittedChanges") == 7);
    CHECK_FALSE(changes[5].table_name);
    CHECK(changes[5].utc == changes[4].utc);
    CHECK(changes[6].new_values ==
          bj::parse(R"({"s": {"type": "text", "size": 12, "prefix": "ünïcö"}})"));
    CHECK(changes[7].new_values == bj::parse(R"({"s": "12345678"})"));
}

TEST_CASE("the audit log pages newest first and filters by table and time",
          "[settings][audit]") {
    settings_fixture fx;
    fx.sql_ok("CREATE TABLE other (v)");
    fx.set(R"({"auditing": true})");
    for (int i = 0; i < 7; ++i) {
        fx.sql_ok("INSERT INTO items (name) VALUES ('n" + std::to_string(i) + "')");
        fx.sql_ok("INSERT INTO other VALUES (" + std::to_string(i) + ")");
    }
    audit_query q;
    q.limit = 5;
    auto first = read_audit_log(fx.eng, fx.ann, fx.db, q);
    REQUIRE(first.entries.size() == 5);
    REQUIRE(first.next_cursor);
    CHECK(*first.next_cursor == first.entries.back().id);
    CHECK(first.entries[0].new_values.at("v") == 6);  // newest first
    // Walk every page: each entry once, ids falling.
    std::vector<std::int64_t> ids;
    std::optional<std::int64_t> cursor;
    do {
        q.before = cursor;
        auto page = read_audit_log(fx.eng, fx.ann, fx.db, q);
        for (const auto& e : page.entries) ids.push_back(e.id);
        cursor = page.next_cursor;
    } while (cursor);
    CHECK(ids.size() == 15);  // 14 inserts and the SETTINGS entry
    CHECK(std::is_sorted(ids.rbegin(), ids.rend()));
    CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());

    audit_query by_table;
    by_table.table = "other";
    by_table.limit = 100;
    auto others = read_audit_log(fx.eng, fx.ann, fx.db, by_table);
    CHECK(others.entries.size() == 7);
    CHECK_FALSE(others.next_cursor);

    audit_query by_time;
    by_time.limit = 1000;
    by_time.since = "2000-01-01";
    by_time.until = "2000-01-02T00:00:00Z";
    CHECK(read_audit_log(fx.eng, fx.ann, fx.db, by_time).entries.empty());
    by_time.until.reset();
    CHECK(read_audit_log(fx.eng, fx.ann, fx.db, by_time).entries.size() == 15);
    by_time.since = first.entries[0].utc;  // at or after the newest commit
    CHECK_FALSE(read_audit_log(fx.eng, fx.ann, fx.db, by_time).entries.empty());
    by_time.since = "2100-01-01T00:00:00.000Z";
    CHECK(read_audit_log(fx.eng, fx.ann, fx.db, by_time).entries.empty());

    // The limit is clamped to the page size; bad parameters are refused.
    audit_query huge;
    huge.limit = 1'000'000;
    CHECK(read_audit_log(fx.eng, fx.ann, fx.db, huge).entries.size() == 15);
    CHECK(parse_audit_query("10", "42", "items", "2024-05-01", std::nullopt) ==
          audit_query{10, 42, "items", "2024-05-01", std::nullopt});
    CHECK(code_of([] { parse_audit_query("ten", {}, {}, {}, {}); }) == errc::invalid_argument);
    CHECK(code_of([] { parse_audit_query("0", {}, {}, {}, {}); }) == errc::invalid_argument);
    CHECK(code_of([] { parse_audit_query({}, "1x", {}, {}, {}); }) == errc::invalid_argument);
    audit_query bad_time;
    bad_time.since = "yesterday";
    CHECK(code_of([&] { read_audit_log(fx.eng, fx.ann, fx.db, bad_time); }) ==
          errc::invalid_argument);

    // Team Admins only.
    CHECK(code_of([&] { read_audit_log(fx.eng, fx.eddie, fx.db, {}); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { read_audit_log(fx.eng, fx.vic, fx.db, {}); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { read_audit_log(fx.eng, fx.token(token_access::write), fx.db, {}); }) ==
          errc::permission_denied);
    CHECK(code_of([&] { read_audit_log(fx.eng, fx.stranger, fx.db, {}); }) == errc::not_found);

    // JSON shape.
    auto json = bj::value_from(first).as_object();
    CHECK(json.at("nextCursor") == *first.next_cursor);
    const auto& entry = json.at("entries").at(0).as_object();
    for (auto key : {"id", "utc", "principal", "tableName", "rowId", "operation", "oldValues",
                     "newValues"}) {
        CHECK(entry.contains(key));
    }
}

TEST_CASE("settings changes are logged while auditing is on", "[settings][audit]") {
    settings_fixture fx;
    fx.set(R"({"viewsTab": true})");  // auditing off: not logged
    fx.set(R"({"auditing": true, "envVars": [{"name": "SECRET", "value": "hunter2"}]})");
    update_settings(fx.eng, fx.eddie, fx.db, patch_from(R"({"environment": "prod"})"));
    add_env_var(fx.eng, fx.ann, fx.db, {"MORE", "x"});
    fx.set(R"({"auditing": false})");  // switching it off is logged
    fx.set(R"({"viewsTab": false})");  // and then nothing

    auto log = fx.audit();
    REQUIRE(log.size() == 4);
    CHECK(log[3].operation == "SETTINGS");
    CHECK(log[3].old_values == bj::parse(R"({"auditing": false, "envVars": []})"));
    CHECK(log[3].new_values == bj::parse(R"({"auditing": true, "envVars": ["SECRET"]})"));
    CHECK(log[2].principal.at("name") == "eddie");
    CHECK(log[2].new_values == bj::parse(R"({"environment": "prod"})"));
    CHECK(log[1].new_values == bj::parse(R"({"envVars": ["MORE", "SECRET"]})"));
    CHECK(log[0].new_values == bj::parse(R"({"auditing": false})"));
    // Values of variables never reach the log.
    for (const auto& e : log) {
        CHECK_THAT(bj::serialize(bj::value_from(e)), !Catch::Contains("hunter2"));
    }
}

TEST_CASE("audited writes record generated, blob-less and new tables correctly",
          "[settings][audit]") {
    settings_fixture fx;
    fx.sql_ok("CREATE TABLE g (id INTEGER PRIMARY KEY, a TEXT, "
              "v TEXT GENERATED ALWAYS AS (a || '!') VIRTUAL, b INTEGER, "
              "s INTEGER GENERATED ALWAYS AS (b * 2) STORED, r REAL)");
    fx.set(R"({"auditing": true})");
    fx.sql_ok("INSERT INTO g (a, b, r) VALUES ('x', 5, 1.5)");
    // A table created in the same transaction as its first rows.
    fx.sql_ok("CREATE TABLE fresh (k TEXT, n INTEGER); INSERT INTO fresh VALUES ('new', 1)");
    // A column added in the same transaction as the write.
    fx.sql_ok("ALTER TABLE g ADD COLUMN extra TEXT; UPDATE g SET extra = 'e', b = 6");
    // Changes by a foreign key action (a trigger, to SQLite) are recorded too.
    fx.sql_ok("CREATE TABLE owner (id INTEGER PRIMARY KEY); "
              "CREATE TABLE pet (id INTEGER PRIMARY KEY, o REFERENCES owner(id) ON DELETE "
              "CASCADE); INSERT INTO owner VALUES (1); INSERT INTO pet VALUES (10, 1)");
    fx.sql_ok("DELETE FROM owner");

    auto log = fx.changes();
    REQUIRE(log.size() == 7);
    CHECK(log[0].new_values == bj::parse(R"({"id": 1, "a": "x", "b": 5, "s": 10, "r": 1.5})"));
    CHECK(log[1].table_name == std::optional<std::string>("fresh"));
    CHECK(log[1].new_values == bj::parse(R"({"k": "new", "n": 1})"));
    CHECK(log[2].operation == "UPDATE");
    CHECK(log[2].old_values == bj::parse(R"({"b": 5, "s": 10, "extra": null})"));
    CHECK(log[2].new_values == bj::parse(R"({"b": 6, "s": 12, "extra": "e"})"));
    CHECK(log[5].operation == "DELETE");
    CHECK(log[5].table_name == std::optional<std::string>("owner"));
    CHECK(log[6].operation == "DELETE");
    CHECK(log[6].table_name == std::optional<std::string>("pet"));
    CHECK(log[6].old_values == bj::parse(R"({"id": 10, "o": 1})"));
}
