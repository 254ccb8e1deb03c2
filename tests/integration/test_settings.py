"""Database settings, environment variables, the schema lock and the audit log through the real
server: GET/PATCH /api/dbs/:dbId/settings (plain and tagged values), who may do what (Admin,
Editor, Viewer, API tokens, read-only link, anonymous, strangers), the /env routes, the lock
refusing SQL DDL, audit entries for SQL and GraphQL writes with paging and filters, rolled-back
writes left out, and no way to write the audit log through SQL or GraphQL.
"""

import datetime as dt
import os

from harness import ServerModuleTest, create_token, new_db, new_user, set_roles, unique

LOCKED = "the schema of this database is locked; an Admin can unlock it in the settings"

PRINCIPALS = ("owner", "editor", "viewer", "other", "tok_read", "tok_write", "tok_writeonly",
              "anon", "readonly")


class SettingsTest(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        # The first user is the server admin (Admin everywhere): not one of the roles under test.
        new_user(c, unique("sadm"))
        cls.names, cls.sessions = {}, {}
        for role in ("owner", "editor", "viewer", "other"):
            cls.names[role], cls.sessions[role] = new_user(c, unique(role[:5]))
        cls.team = cls.names["owner"]
        owner = cls.sessions["owner"]
        for member, roles in (("editor", ["Editor"]), ("viewer", ["Viewer"])):
            r = set_roles(c, owner, cls.team, cls.names[member], roles)
            assert r.status == 200, r.describe()
        cls.db = new_db(c, owner, cls.team,
                        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty INTEGER, "
                        "data BLOB); INSERT INTO items (name, qty) VALUES ('first', 1)")
        cls.readonly_id = c.get(f"/api/dbs/{cls.db}", token=owner).body["readonlyId"]
        cls.tokens = {}
        for perm in ("read", "write", "writeonly"):
            r = create_token(c, owner, cls.team, [(cls.db, perm)], name=f"robot-{perm}")
            assert r.status == 201, r.describe()
            cls.tokens[f"tok_{perm}"] = r.body["body"]
        cls.credential = {"anon": None, "readonly": None, **cls.sessions, **cls.tokens}

    # -- helpers

    def as_(self, who):
        return self.client.with_token(self.credential[who])

    def owner(self):
        return self.as_("owner")

    def db_for(self, who, db=None):
        return self.readonly_id if who == "readonly" else (db or self.db)

    def settings(self, db=None):
        r = self.owner().get(f"/api/dbs/{db or self.db}/settings")
        self.assertStatus(r, 200)
        return r.body

    def patch_ok(self, body, db=None, who="owner"):
        r = self.as_(who).patch(f"/api/dbs/{db or self.db}/settings", body)
        self.assertStatus(r, 200, f"PATCH settings {body}")
        self.assertEqual(r.body, {})

    def audit(self, db, query="", who="owner"):
        r = self.as_(who).get(f"/api/dbs/{db}/audit{query}")
        self.assertStatus(r, 200)
        self.assertEqual(set(r.body), {"entries", "nextCursor"}, r.describe())
        return r.body

    def changes(self, db):
        """Row-change entries (no SETTINGS), oldest first."""
        entries = self.audit(db, "?limit=1000")["entries"]
        return [e for e in reversed(entries) if e["operation"] != "SETTINGS"]

    def fresh_db(self, query="CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, qty "
                             "INTEGER)"):
        return new_db(self.client, self.sessions["owner"], self.team, query)

    def graphql(self, who, db, query):
        r = self.as_(who).post(f"/dbs/{db}/graphql", {"query": query})
        self.assertStatus(r, 200)
        return r.body

    def matrix(self, route, expected, call):
        for who in PRINCIPALS:
            with self.subTest(route=route, principal=who):
                res = call(who, self.as_(who))
                want = expected[who]
                self.assertStatus(res, want, f"{route} as {who}")
                if want >= 400:
                    self.assertJsonError(res, want, msg=f"{route} as {who}")

    # -- settings

    def test_get_and_patch_with_the_reference_body(self):
        db = self.fresh_db()
        s = self.settings(db)
        self.assertEqual(s, {"auditing": False, "environment": None, "envVars": [],
                             "schemaLocked": False, "viewsTab": False,
                             "visibility": "private"})
        self.patch_ok({"auditing": True, "envVars": [{"name": "HELLO", "value": "world"}],
                       "environment": {"contents": "production", "tag": "TextValue"},
                       "schemaLocked": False, "viewsTab": True, "visibility": "public"}, db)
        s = self.settings(db)
        self.assertEqual((s["auditing"], s["environment"], s["viewsTab"], s["visibility"]),
                         (True, "production", True, "public"))
        self.assertEqual([(v["name"], v["value"]) for v in s["envVars"]], [("HELLO", "world")])
        self.assertRegex(s["envVars"][0]["created_utc"], r"^\d{4}-\d\d-\d\dT.*\.\d{3}Z$")
        # The database itself reports the same settings.
        info = self.owner().get(f"/api/dbs/{db}").body
        self.assertEqual((info["auditing"], info["environment"], info["viewsTab"]),
                         (True, "production", True))
        # Tagged and plain null, plain strings.
        self.patch_ok({"environment": {"tag": "TextNull"}}, db)
        self.assertIsNone(self.settings(db)["environment"])
        self.patch_ok({"environment": "Staging"}, db)
        self.assertEqual(self.settings(db)["environment"], "Staging")
        self.patch_ok({"environment": None}, db)
        self.assertIsNone(self.settings(db)["environment"])

    def test_invalid_settings_are_refused_whole(self):
        db = self.fresh_db()
        for body in ({"auditing": "yes"}, {"viewsTab": 1}, {"visibility": "secret"},
                     {"environment": 5}, {"environment": {"tag": "Bogus"}},
                     {"environment": "x" * 101}, {"schemalocked": True},
                     {"envVars": [{"name": "1BAD", "value": "x"}]},
                     {"envVars": [{"name": "A", "value": "x"}, {"name": "A", "value": "y"}]},
                     {"envVars": [{"name": "BIG", "value": "v" * (32 * 1024 + 1)}]},
                     {"envVars": [{"name": f"V{i}", "value": "x"} for i in range(101)]},
                     {"envVars": {"name": "A"}}, [],
                     {"visibility": "public", "envVars": [{"name": "has space", "value": "x"}]}):
            with self.subTest(body=str(body)[:80]):
                r = self.owner().patch(f"/api/dbs/{db}/settings", body)
                self.assertJsonError(r, 400, code="invalid_argument")
        r = self.owner().request("PATCH", f"/api/dbs/{db}/settings", raw_body="{not json")
        self.assertJsonError(r, 400)
        # Nothing of the refused bodies was written.
        self.assertEqual(self.settings(db)["visibility"], "private")
        self.assertEqual(self.settings(db)["envVars"], [])

    def test_who_may_read_and_change_settings(self):
        db = self.db

        def get(who, c):
            return c.get(f"/api/dbs/{self.db_for(who)}/settings")
        self.matrix("GET settings",
                    dict(owner=200, editor=200, viewer=200, other=404, tok_read=200,
                         tok_write=200, tok_writeonly=403, anon=404, readonly=404), get)
        # envVars: values for Admins, names for Editors, null for everyone else.
        self.patch_ok({"envVars": [{"name": "SECRET", "value": "hunter2"}]})
        self.assertEqual(self.as_("owner").get(f"/api/dbs/{db}/settings").body["envVars"][0]
                         ["value"], "hunter2")
        ed = self.as_("editor").get(f"/api/dbs/{db}/settings").body["envVars"]
        self.assertEqual(ed[0]["name"], "SECRET")
        self.assertIsNone(ed[0]["value"])
        for who in ("viewer", "tok_read", "tok_write"):
            r = self.as_(who).get(f"/api/dbs/{db}/settings")
            self.assertIsNone(r.body["envVars"], who)
            self.assertNotIn("hunter2", r.text, who)

        def patch(body):
            return lambda who, c: c.patch(f"/api/dbs/{self.db_for(who)}/settings", body)
        denied = dict(viewer=403, other=404, tok_read=403, tok_write=403, tok_writeonly=403,
                      anon=404, readonly=404)
        for body in ({"viewsTab": False}, {"environment": {"tag": "TextValue",
                                                           "contents": "Testing"}}):
            self.matrix(f"PATCH settings {body}", dict(owner=200, editor=200, **denied),
                        patch(body))
        for body in ({"auditing": False}, {"schemaLocked": False}, {"visibility": "private"},
                     {"envVars": [{"name": "SECRET", "value": "hunter2"}]}):
            self.matrix(f"PATCH settings {body}", dict(owner=200, editor=403, **denied),
                        patch(body))
        self.assertEqual(self.settings()["visibility"], "private")

    def test_env_routes(self):
        db = self.fresh_db()
        base = f"/api/dbs/{db}/env"
        r = self.owner().post(base, {"name": "ENVIRONMENT", "value": "development"})
        self.assertStatus(r, 201)
        self.assertEqual((r.body["name"], r.body["value"]), ("ENVIRONMENT", "development"))
        self.assertIn("created_utc", r.body)
        self.assertJsonError(self.owner().post(base, {"name": "ENVIRONMENT", "value": "x"}), 409)
        self.assertJsonError(self.owner().post(base, {"name": "no-dash", "value": "x"}), 400)
        self.assertJsonError(self.owner().post(base, {"name": "A"}), 400)
        self.assertStatus(self.owner().patch(f"{base}/ENVIRONMENT",
                                             {"name": "STAGE", "value": "production"}), 200)
        self.assertJsonError(self.owner().patch(f"{base}/ENVIRONMENT", {"value": "x"}), 404)
        r = self.owner().get(base)
        self.assertStatus(r, 200)
        self.assertEqual([(v["name"], v["value"]) for v in r.body["envVars"]],
                         [("STAGE", "production")])
        # Editors see names only; viewers, tokens, strangers nothing; only Admins change.
        r = self.as_("editor").get(base)
        self.assertEqual([(v["name"], v["value"]) for v in r.body["envVars"]], [("STAGE", None)])
        # (The tokens are for the shared database: this one does not exist for them.)
        for who, status in (("viewer", 403), ("tok_write", 404), ("other", 404), ("anon", 404)):
            self.assertJsonError(self.as_(who).get(base), status, msg=who)
        self.assertJsonError(self.as_("tok_write").get(f"/api/dbs/{self.db}/env"), 403)
        for who, status in (("editor", 403), ("viewer", 403), ("other", 404)):
            self.assertJsonError(self.as_(who).post(base, {"name": "X", "value": "1"}), status)
            self.assertJsonError(self.as_(who).patch(f"{base}/STAGE", {"value": "1"}), status)
            self.assertJsonError(self.as_(who).delete(f"{base}/STAGE"), status)
        self.assertStatus(self.owner().delete(f"{base}/STAGE"), 200)
        self.assertJsonError(self.owner().delete(f"{base}/STAGE"), 404)
        self.assertEqual(self.owner().get(base).body, {"envVars": []})
        # The settings' envVars and /env are the same storage.
        self.patch_ok({"envVars": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}, db)
        self.assertEqual([v["name"] for v in self.owner().get(base).body["envVars"]], ["A", "B"])
        # The count cap: 100 per database.
        self.patch_ok({"envVars": [{"name": f"V{i}", "value": "x"} for i in range(100)]}, db)
        self.assertJsonError(self.owner().post(base, {"name": "ONE_MORE", "value": "x"}), 409)

    # -- the schema lock

    def test_locked_schema_refuses_ddl_and_allows_data(self):
        db = self.fresh_db("CREATE TABLE t (x INTEGER); CREATE INDEX t_x ON t(x); "
                           "CREATE VIEW v AS SELECT x FROM t")
        self.patch_ok({"schemaLocked": True}, db)
        self.assertTrue(self.settings(db)["schemaLocked"])
        for sql in ("CREATE TABLE u (y)", "DROP TABLE t", "ALTER TABLE t ADD COLUMN z",
                    "ALTER TABLE t RENAME TO t2", "CREATE INDEX i ON t(x)", "DROP INDEX t_x",
                    "CREATE VIEW v2 AS SELECT 1", "DROP VIEW v",
                    "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END",
                    "INSERT INTO t VALUES (1); CREATE TABLE late (a)"):
            for who in ("owner", "editor", "tok_write"):
                if who == "tok_write" and db != self.db:
                    continue  # the token is for the shared database only
                with self.subTest(sql=sql, who=who):
                    self.assertSqlError(self.as_(who).sql(db, sql), LOCKED)
        # The shared database too, for a write token.
        self.patch_ok({"schemaLocked": True})
        try:
            self.assertSqlError(self.as_("tok_write").sql(self.db, "CREATE TABLE nope (x)"),
                                LOCKED)
            self.assertSqlOk(self.as_("tok_write").sql(self.db, "UPDATE items SET qty = qty"))
        finally:
            self.patch_ok({"schemaLocked": False})
        # Data changes go on: SQL and GraphQL.
        for sql in ("INSERT INTO t VALUES (1), (2)", "UPDATE t SET x = x * 10",
                    "DELETE FROM t WHERE x = 20", "SELECT * FROM t"):
            self.assertSqlOk(self.as_("editor").sql(db, sql), sql)
        body = self.graphql("editor", db, "mutation { insert_t(objects: {x: 3}) "
                                          "{ affected_rows } }")
        self.assertEqual(body, {"data": {"insert_t": {"affected_rows": 1}}})
        rows = self.owner().sql(db, "SELECT x FROM t ORDER BY x").body["rows"]
        self.assertEqual(rows, [{"x": 3}, {"x": 10}])
        # Renaming the database is not a schema change.
        self.assertStatus(self.as_("editor").patch(f"/api/dbs/{db}", {"name": "renamed"}), 200)
        # Only an Admin unlocks; then DDL works.
        self.assertJsonError(self.as_("editor").patch(f"/api/dbs/{db}/settings",
                                                      {"schemaLocked": False}), 403)
        self.patch_ok({"schemaLocked": False}, db)
        self.assertSqlOk(self.as_("editor").sql(db, "CREATE TABLE u (y)"))

    # -- the audit log

    def test_audit_records_sql_and_graphql_writes(self):
        db = self.fresh_db()
        self.assertSqlOk(self.owner().sql(db, "INSERT INTO items (name) VALUES ('unaudited')"))
        before = dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")
        self.patch_ok({"auditing": True}, db)
        self.assertSqlOk(self.owner().sql(db, "INSERT INTO items (name, qty) VALUES ('pen', 3)"))
        self.assertSqlOk(self.as_("editor").sql(db, "UPDATE items SET qty = 4 WHERE id = 2"))
        body = self.graphql("editor", db,
                            'mutation { insert_items(objects: [{name: "a"}, {name: "b"}]) '
                            '{ affected_rows } delete_items(where: {id: {_eq: 1}}) '
                            '{ affected_rows } }')
        self.assertNotIn("errors", body)
        entries = self.changes(db)
        self.assertEqual([(e["operation"], e["tableName"], e["rowId"]) for e in entries],
                         [("INSERT", "items", 2), ("UPDATE", "items", 2), ("INSERT", "items", 3),
                          ("INSERT", "items", 4), ("DELETE", "items", 1)])
        ins, upd, _, _, delete = entries
        self.assertEqual(ins["principal"]["kind"], "user")
        self.assertEqual(ins["principal"]["name"], self.names["owner"])
        self.assertIsNone(ins["oldValues"])
        self.assertEqual(ins["newValues"], {"id": 2, "name": "pen", "qty": 3})
        self.assertEqual((upd["oldValues"], upd["newValues"]), ({"qty": 3}, {"qty": 4}))
        self.assertEqual(upd["principal"]["name"], self.names["editor"])
        self.assertEqual(delete["oldValues"], {"id": 1, "name": "unaudited", "qty": None})
        self.assertIsNone(delete["newValues"])
        self.assertEqual(delete["principal"]["name"], self.names["editor"])
        for e in entries:
            self.assertRegex(e["utc"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
            self.assertGreaterEqual(e["utc"], before.replace("+00:00", "Z"))
        # The GraphQL mutation is one transaction: one time for its three changes.
        self.assertEqual(len({e["utc"] for e in entries[2:]}), 1)

    def test_audit_names_tokens_and_describes_blobs(self):
        self.patch_ok({"auditing": True})
        try:
            r = self.as_("tok_write").sql(self.db, "INSERT INTO items (name, data) VALUES "
                                                   "('blob', zeroblob(1000))")
            self.assertSqlOk(r)
            entry = self.changes(self.db)[-1]
            self.assertEqual(entry["principal"]["kind"], "token")
            self.assertEqual(entry["principal"]["name"], "robot-write")
            self.assertEqual(entry["principal"]["team"], self.team)
            self.assertEqual(entry["newValues"]["data"], {"type": "blob", "size": 1000})
            body = self.graphql("tok_writeonly", self.db,
                                'mutation { insert_items(objects: {name: "w"}) '
                                '{ affected_rows } }')
            self.assertNotIn("errors", body)
            self.assertEqual(self.changes(self.db)[-1]["principal"]["name"], "robot-writeonly")
        finally:
            self.patch_ok({"auditing": False})

    def test_audit_paging_and_filters(self):
        db = self.fresh_db("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); "
                           "CREATE TABLE other (v)")
        self.patch_ok({"auditing": True}, db)
        for i in range(6):
            self.assertSqlOk(self.owner().sql(db, f"INSERT INTO items (name) VALUES ('n{i}')"))
            self.assertSqlOk(self.owner().sql(db, f"INSERT INTO other VALUES ({i})"))
        page = self.audit(db, "?limit=5")
        self.assertEqual(len(page["entries"]), 5)
        self.assertEqual(page["entries"][0]["newValues"], {"v": 5})  # newest first
        seen = []
        cursor = None
        while True:
            q = "?limit=5" + (f"&before={cursor}" if cursor is not None else "")
            page = self.audit(db, q)
            seen += [e["id"] for e in page["entries"]]
            cursor = page["nextCursor"]
            if cursor is None:
                break
            self.assertEqual(cursor, page["entries"][-1]["id"])
        self.assertEqual(len(seen), 13)  # 12 inserts and the SETTINGS entry
        self.assertEqual(seen, sorted(seen, reverse=True))
        self.assertEqual(len(set(seen)), 13)
        # Default and maximum page size.
        self.assertEqual(len(self.audit(db)["entries"]), 13)
        self.assertEqual(len(self.audit(db, "?limit=5000")["entries"]), 13)
        # By table, by time.
        other = self.audit(db, "?table=other&limit=100")["entries"]
        self.assertEqual(len(other), 6)
        self.assertTrue(all(e["tableName"] == "other" for e in other))
        newest = self.audit(db, "?limit=1")["entries"][0]["utc"]
        self.assertEqual(self.audit(db, "?since=2000-01-01&until=2000-01-02T00:00:00Z")
                         ["entries"], [])
        self.assertEqual(len(self.audit(db, "?since=2000-01-01")["entries"]), 13)
        self.assertGreaterEqual(len(self.audit(db, f"?since={newest}")["entries"]), 1)
        self.assertEqual(self.audit(db, "?since=2100-01-01T00:00:00.000Z")["entries"], [])
        for e in self.audit(db, f"?until={newest}&limit=100")["entries"]:
            self.assertLess(e["utc"], newest)
        for q in ("?limit=abc", "?limit=0", "?before=x", "?since=yesterday", "?until=2024-13-45"):
            self.assertJsonError(self.owner().get(f"/api/dbs/{db}/audit{q}"), 400, msg=q)

    def test_who_may_read_the_audit_log(self):
        def call(who, c):
            return c.get(f"/api/dbs/{self.db_for(who)}/audit")
        self.matrix("GET audit",
                    dict(owner=200, editor=403, viewer=403, other=404, tok_read=403,
                         tok_write=403, tok_writeonly=403, anon=404, readonly=404), call)

    def test_rolled_back_writes_are_not_logged(self):
        db = self.fresh_db("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT UNIQUE); "
                           "INSERT INTO items VALUES (1, 'taken')")
        self.patch_ok({"auditing": True}, db)
        self.assertSqlError(self.owner().sql(
            db, "INSERT INTO items (name) VALUES ('gone'); SELECT * FROM nowhere"))
        body = self.graphql("owner", db,
                            'mutation { a: insert_items(objects: {name: "x"}) { affected_rows } '
                            'b: insert_items(objects: {name: "taken"}) { affected_rows } }')
        self.assertIn("errors", body)
        self.assertEqual(self.changes(db), [])
        self.assertSqlOk(self.owner().sql(db, "INSERT INTO items (name) VALUES ('kept')"))
        self.assertEqual([e["newValues"]["name"] for e in self.changes(db)], ["kept"])

    def test_no_principal_can_write_the_audit_log(self):
        db = self.fresh_db()
        self.patch_ok({"auditing": True}, db)
        self.assertSqlOk(self.owner().sql(db, "INSERT INTO items (name) VALUES ('real')"))
        log_before = self.audit(db, "?limit=1000")
        catalog = os.path.join(self.server.data_dir, "catalog.sqlite")
        # The log lives in the catalog, out of reach of SQL on the database.
        for sql in (f"ATTACH DATABASE '{catalog}' AS c",
                    f"ATTACH '{catalog}' AS c; INSERT INTO c.audit_log (db_id) VALUES ('x')",
                    "INSERT INTO main.audit_log (db_id) VALUES ('x')",
                    "PRAGMA writable_schema = 1",
                    "SELECT * FROM pragma_database_list"):
            for who in ("owner", "editor"):
                r = self.as_(who).sql(db, sql)
                self.assertStatus(r, 200, sql)
                if not sql.startswith("SELECT"):
                    self.assertTrue(r.body["errors"], f"{sql} as {who}: {r.describe()}")
                self.assertNotIn("audit_log", str(r.body.get("rows")), sql)
        # GraphQL knows only the database's own tables.
        body = self.graphql("owner", db, 'mutation { insert_audit_log(objects: {db_id: "x"}) '
                                         '{ affected_rows } }')
        self.assertIn("errors", body)
        self.assertIn("audit_log", body["errors"][0]["message"])
        # A table of the user's own named audit_log is just a table (and its writes are
        # audited like any other); the real log is unchanged.
        self.assertSqlOk(self.owner().sql(db, "CREATE TABLE audit_log (db_id TEXT); "
                                              "INSERT INTO audit_log VALUES ('fake')"))
        body = self.graphql("owner", db, 'mutation { delete_audit_log(where: {}) '
                                         '{ affected_rows } }')
        self.assertEqual(body, {"data": {"delete_audit_log": {"affected_rows": 1}}})
        after = self.audit(db, "?limit=1000")["entries"]
        self.assertEqual(after[-len(log_before["entries"]):], log_before["entries"])
        self.assertEqual([(e["operation"], e["tableName"]) for e in after[:2]],
                         [("DELETE", "audit_log"), ("INSERT", "audit_log")])
        # And there is no route that writes it.
        for method in ("POST", "PATCH", "PUT", "DELETE"):
            r = self.owner().request(method, f"/api/dbs/{db}/audit", raw_body="{}")
            self.assertIn(r.status, (404, 405), r.describe())
        self.assertEqual(self.audit(db, "?limit=1000")["entries"], after)

    def test_audit_log_goes_with_the_database(self):
        db = self.fresh_db()
        self.patch_ok({"auditing": True}, db)
        self.assertSqlOk(self.owner().sql(db, "INSERT INTO items (name) VALUES ('x')"))
        self.assertEqual(len(self.changes(db)), 1)
        self.assertStatus(self.owner().delete(f"/api/dbs/{db}"), 200)
        self.assertJsonError(self.owner().get(f"/api/dbs/{db}/audit"), 404)
