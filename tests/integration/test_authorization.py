"""Who may do what: a table of every implemented route × every principal kind, with the
expected outcome taken from the library contracts (include/airsql/*.hpp), plus focused tests
for API tokens, public databases, role changes and moving a database between teams.

Principals:
  anon        no credentials
  owner       Admin of the owning team (its personal team)
  sadmin      the server admin (first user of the instance; Admin everywhere)
  other       a signed-in user who is not a member of the owning team
  viewer      Viewer of the owning team
  editor      Editor of the owning team
  tok_read / tok_write / tok_writeonly / tok_insertonly
              API tokens of the owning team with that permission on the database
  readonly    holder of the database's read-only id (anonymous, readonly id in place of the id)
"""

import datetime as dt
import time
import unittest

from harness import (ServerModuleTest, create_token, login, new_db, new_user, set_roles,
                     unique)

USERS = ("owner", "sadmin", "other", "viewer", "editor")
TOKENS = ("tok_read", "tok_write", "tok_writeonly", "tok_insertonly")
PRINCIPALS = ("anon", *USERS, *TOKENS, "readonly")

# Outcome markers besides plain HTTP statuses.
SQL_OK = "sql ok"              # 200, no errors
SQL_READONLY = "sql readonly"  # 200, one error saying the access is read-only
# Token principals on routes for signed-in users only (team management, profiles, creating
# databases, database settings): authenticated but not allowed, so 403 (auth::require_user).
TOKEN_REFUSED = 403
# The AI prompt routes on this server, which has no language model: 503 saying so means the
# caller passed every access check (the model is asked last).
NO_MODEL = "no model"


def expect(default=None, **cells):
    """Expectations for every principal: `cells` by name, groups via `users=`, `tokens=`,
    `members=` (owner, sadmin, viewer, editor), else `default`."""
    out = {}
    groups = {
        "tokens": TOKENS,
        "admins": ("owner", "sadmin"),
        "anonymous": ("anon", "readonly"),
    }
    for group, names in groups.items():
        if group in cells:
            for n in names:
                out[n] = cells[group]
    for name in PRINCIPALS:
        if name in cells:
            out[name] = cells[name]
        elif name not in out:
            out[name] = default
    missing = [n for n, v in out.items() if v is None]
    assert not missing, f"no expectation for {missing}"
    return out


class AuthorizationMatrix(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        names, tokens = {}, {}
        # The first user of a fresh instance is the server admin.
        for role in ("sadmin", "owner", "other", "viewer", "editor", "dummy"):
            names[role], tokens[role] = new_user(c, unique(role[:5]))
        cls.names, cls.sessions = names, tokens
        cls.team = names["owner"]
        owner = tokens["owner"]
        for member, roles in (("viewer", ["Viewer"]), ("editor", ["Editor"])):
            r = set_roles(c, owner, cls.team, names[member], roles)
            assert r.status == 200, r.describe()
        cls.db = new_db(c, owner, cls.team,
                        "CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT); "
                        "INSERT INTO items (v) VALUES ('first')")
        cls.db2 = new_db(c, owner, cls.team, "CREATE TABLE other (x INTEGER)")
        cls.readonly_id = c.get(f"/api/dbs/{cls.db}", token=owner).body["readonlyId"]
        cls.api_tokens = {}
        for name in TOKENS:
            perm = name.split("_", 1)[1]
            r = create_token(c, owner, cls.team, [(cls.db, perm)], name=name)
            assert r.status == 201, r.describe()
            cls.api_tokens[name] = r.body["body"]
        cls.credential = {"anon": None, "readonly": None,
                          **{n: tokens[n] for n in USERS}, **cls.api_tokens}

    # ---------------------------------------------------------------------------------------
    # Helpers

    def as_(self, principal):
        return self.client.with_token(self.credential[principal])

    def db_for(self, principal, db_id=None):
        """The id a principal uses to name the database (the read-only id for `readonly`)."""
        return self.readonly_id if principal == "readonly" else (db_id or self.db)

    def check(self, route, principal, res, expected):
        label = f"{route} as {principal}"
        if expected == SQL_OK:
            self.assertSqlOk(res, label)
        elif expected == NO_MODEL:
            self.assertEqual(res.status, 503, f"{label}\n{res.describe()}")
            self.assertIn("no language model", res.body["errors"][0]["message"], label)
        elif expected == SQL_READONLY:
            self.assertSqlError(res, ("read-only", "readonly", "read only"), label)
        elif isinstance(expected, tuple) and isinstance(expected[0], str):
            self.assertSqlError(res, expected, label)
        elif isinstance(expected, tuple):
            self.assertStatus(res, expected, label)
            if res.status >= 400:
                self.assertJsonError(res, msg=label)
        else:
            self.assertStatus(res, expected, label)
            if expected >= 400:
                self.assertJsonError(res, expected, msg=label)

    def run_route(self, route, expectations, call, order=PRINCIPALS):
        for principal in order:
            with self.subTest(route=route, principal=principal):
                res = call(principal, self.as_(principal))
                self.check(route, principal, res, expectations[principal])

    def owner_client(self):
        return self.as_("owner")

    def assert_db_intact(self):
        r = self.owner_client().sql(self.db, "SELECT v FROM items WHERE id = 1")
        body = self.assertSqlOk(r, "the shared database must survive refused requests")
        self.assertEqual(body["rows"], [{"v": "first"}])

    # ---------------------------------------------------------------------------------------
    # Server, users, sessions

    def test_meta_routes(self):
        for path in ("/api/status", "/api/docs", "/"):
            self.run_route(f"GET {path}", expect(200), lambda p, c: c.get(path))

    def test_sign_up_and_login(self):
        self.run_route("POST /api/users", expect(201), lambda p, c: c.post("/api/users", {
            "username": unique("su"), "email_address": f"{unique('su')}@example.org",
            "password": "long enough password"}))
        owner = self.names["owner"]
        self.run_route("POST /api/login", expect(200), lambda p, c: c.post(
            "/api/login", {"username": owner, "password": "correct horse battery"}))

    def test_login_from_another_site_is_refused(self):
        # Login CSRF: another site's page must not sign the visitor into the attacker's
        # account (the answer sets the session cookie). A text/plain form body counts too.
        owner = self.names["owner"]
        body = {"username": owner, "password": "correct horse battery"}
        for headers in ({"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
                        {"Origin": "https://evil.example"},
                        {"Sec-Fetch-Site": "same-site"},
                        {"Origin": "https://evil.example", "Content-Type": "text/plain"}):
            with self.subTest(headers):
                r = self.client.post("/api/login", body, token=None, headers=headers)
                self.assertJsonError(r, 403)
                self.assertIsNone(r.header("Set-Cookie"), r.describe())
        # Our own pages and non-browser clients log in as before; over HTTPS (a proxy says
        # so) the cookie is Secure.
        for headers in ({"Origin": f"http://127.0.0.1:{self.server.port}",
                         "Sec-Fetch-Site": "same-origin"}, {}, {"X-Forwarded-Proto": "https"}):
            with self.subTest(headers):
                r = self.client.post("/api/login", body, token=None, headers=headers)
                self.assertStatus(r, 200)
                cookie = r.header("Set-Cookie") or ""
                self.assertIn("HttpOnly; SameSite=Lax", cookie)
                self.assertEqual("; Secure" in cookie, "X-Forwarded-Proto" in headers, cookie)

    def test_logout(self):
        def call(p, c):
            if p in USERS:  # log out a fresh session of that user, keep the shared one
                c = c.with_token(login(self.client, self.names[p]).body["sessionToken"])
            return c.post("/api/logout", {})
        self.run_route("POST /api/logout", expect(401, owner=200, sadmin=200, other=200,
                                                  viewer=200, editor=200), call)
        for p in USERS:
            self.assertStatus(self.as_(p).get("/api/dbs"), 200, f"{p}'s shared session")

    def test_get_user(self):
        owner = self.names["owner"]
        self.run_route("GET /api/users/:owner",
                       expect(404, admins=200, anonymous=401, tokens=(TOKEN_REFUSED, 404)),
                       lambda p, c: c.get(f"/api/users/{owner}"))

    def test_account_mail_routes(self):
        self.run_route("POST /api/users/reset-password", expect(200),
                       lambda p, c: c.post("/api/users/reset-password",
                                           {"email": f"{unique(p[:5])}@example.org"}))
        self.run_route("POST /api/users/reset-password/submit", expect(400),
                       lambda p, c: c.post("/api/users/reset-password/submit",
                                           {"resetKey": "k" * 43, "password": "long enough pw"}))
        team = self.team
        self.run_route("POST /api/users/invite",
                       expect(403, admins=200, other=404, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.post("/api/users/invite",
                                           {"email": f"{unique(p[:5])}@example.org",
                                            "team": team}))
        self.run_route("GET /api/mail/outbox",
                       expect(403, sadmin=200, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.get("/api/mail/outbox"))
        # The pages of mail links answer HTML; an unknown key is 404 for everyone.
        for path in ("/password-reset/", "/verify-email/", "/invitation/"):
            for p in PRINCIPALS:
                with self.subTest(route=f"GET {path}:key", principal=p):
                    res = self.as_(p).get(path + "k" * 43)
                    self.assertStatus(res, 404)
                    self.assertIn("text/html", res.header("Content-Type"))

    def test_billing_events(self):
        # Authorised by the webhook key alone: no principal gets in without it.
        self.run_route("POST /api/events/paddle", expect(401),
                       lambda p, c: c.request("POST", "/api/events/paddle?key=guess",
                                              raw_body="alert_name=subscription_created",
                                              headers={"Content-Type":
                                                       "application/x-www-form-urlencoded"}))

    def test_change_password_and_delete_user(self):
        dummy = self.names["dummy"]
        self.run_route("PATCH /api/users/:dummy",
                       expect(404, sadmin=200, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.patch(f"/api/users/{dummy}",
                                            {"newPassword": "correct horse battery"}))
        self.assertStatus(login(self.client, dummy), 200, "the admin set the same password")

        def call(p, c):
            victim, _ = new_user(self.client, unique("vict"))
            res = c.delete(f"/api/users/{victim}")
            still = login(self.client, victim).status
            self.assertEqual(still, 401 if res.status == 200 else 200, f"{victim} after {p}")
            return res
        self.run_route("DELETE /api/users/:user",
                       expect(404, sadmin=200, anonymous=401, tokens=TOKEN_REFUSED), call)

    # ---------------------------------------------------------------------------------------
    # Teams

    def test_team_routes(self):
        team = self.team
        for path in (f"/api/teams/{team}", f"/api/teams/{team}/members"):
            self.run_route(f"GET {path}",
                           expect(200, other=404, anonymous=401, tokens=TOKEN_REFUSED),
                           lambda p, c: c.get(path))
        self.run_route("GET /api/teams/:team/tokens",
                       expect(403, admins=200, other=404, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.get(f"/api/teams/{team}/tokens"))

    def test_set_member_roles(self):
        team, dummy = self.team, self.names["dummy"]
        self.run_route("PATCH /api/teams/:team/members/:user",
                       expect(403, admins=200, other=404, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.patch(f"/api/teams/{team}/members/{dummy}",
                                            {"roles": ["Viewer"]}))
        roles = {m["username"]: m["roles"] for m in
                 self.owner_client().get(f"/api/teams/{team}/members").body["members"]}
        self.assertEqual(roles.get(dummy), ["Viewer"], roles)
        self.assertEqual(roles.get(self.names["viewer"]), ["Viewer"], "refused calls changed "
                         "nothing")
        self.assertEqual(roles.get(self.names["editor"]), ["Editor"], roles)

    def test_remove_member(self):
        team, dummy = self.team, self.names["dummy"]

        def call(p, c):
            self.assertStatus(set_roles(self.client, self.sessions["owner"], team, dummy,
                                        ["Viewer"]), 200)
            res = c.delete(f"/api/teams/{team}/members/{dummy}")
            members = [m["username"] for m in self.owner_client()
                       .get(f"/api/teams/{team}/members").body["members"]]
            if res.status == 200:
                self.assertNotIn(dummy, members)
            else:
                self.assertIn(dummy, members, f"refused DELETE as {p} removed the member")
            return res
        self.run_route("DELETE /api/teams/:team/members/:user",
                       expect(403, admins=200, other=404, anonymous=401, tokens=TOKEN_REFUSED),
                       call)

    def test_create_team(self):
        self.run_route("POST /api/teams", expect(201, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.post("/api/teams", {"name": unique(f"t-{p[:5]}")}))

    def test_patch_team(self):
        team = self.team
        self.run_route("PATCH /api/teams/:team (billing email)",
                       expect(403, admins=200, other=404, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.patch(f"/api/teams/{team}",
                                            {"billing_email_address": f"{p}@example.org"}))
        # The plan decides limits: server admins only (and billing events).
        self.run_route("PATCH /api/teams/:team (plan)",
                       expect(403, sadmin=200, other=404, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.patch(f"/api/teams/{team}", {"billing_plan": None}))

    def test_delete_team(self):
        owner = self.sessions["owner"]

        def call(p, c):
            team = unique("del")
            self.assertStatus(self.client.post("/api/teams", {"name": team}, token=owner), 201)
            for member, roles in (("viewer", ["Viewer"]), ("editor", ["Editor"])):
                self.assertStatus(set_roles(self.client, owner, team, self.names[member], roles),
                                  200)
            res = c.delete(f"/api/teams/{team}")
            still = self.client.get(f"/api/teams/{team}", token=owner).status
            self.assertEqual(still, 404 if res.status == 200 else 200, f"team after {p}")
            return res
        self.run_route("DELETE /api/teams/:team",
                       expect(403, admins=200, other=404, anonymous=401, tokens=TOKEN_REFUSED),
                       call)

    def test_server_settings(self):
        self.run_route("GET /api/settings",
                       expect(403, sadmin=200, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.get("/api/settings"))
        self.run_route("PATCH /api/settings",
                       expect(403, sadmin=200, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.patch("/api/settings", {"allowedHosts": [f"{p}.example"]}))
        self.run_route("GET /api/settings/env",
                       expect(403, sadmin=200, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.get("/api/settings/env"))
        self.run_route("POST /api/settings/env",
                       expect(403, sadmin=201, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.post("/api/settings/env", {"name": "MATRIX", "value": p}))
        self.run_route("PATCH /api/settings/env/:var",
                       expect(403, sadmin=200, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.patch("/api/settings/env/MATRIX", {"value": p}))
        self.run_route("DELETE /api/settings/env/:var",
                       expect(403, sadmin=200, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.delete("/api/settings/env/MATRIX"),
                       order=("anon", "owner", "other", "viewer", "editor", *TOKENS, "readonly",
                              "sadmin"))
        hosts = self.client.get("/api/settings", token=self.sessions["sadmin"]).body
        self.assertEqual(hosts["allowedHosts"], ["sadmin.example"], "refusals changed nothing")

    # ---------------------------------------------------------------------------------------
    # Databases

    def test_list_databases(self):
        def call(p, c):
            res = c.get("/api/dbs")
            if res.status == 200:
                ids = [d["id"] for d in res.body["databases"]]
                if p in TOKENS:
                    self.assertEqual(ids, [self.db], f"a token lists exactly its databases ({p})")
                elif p in ("owner", "viewer", "editor"):
                    self.assertIn(self.db, ids, p)
                    self.assertIn(self.db2, ids, p)
                elif p == "other":
                    self.assertNotIn(self.db, ids, "private database listed to a non-member")
            return res
        self.run_route("GET /api/dbs", expect(200, anonymous=401), call)

    def test_create_database(self):
        team = self.team
        self.run_route("POST /api/dbs",
                       expect(403, admins=201, editor=201, other=404, anonymous=401,
                              tokens=TOKEN_REFUSED),
                       lambda p, c: c.post("/api/dbs", {"name": f"by {p}", "team": team}))

    def test_get_database(self):
        self.run_route("GET /api/dbs/:id",
                       expect(200, other=404, anonymous=404, tok_writeonly=403,
                              tok_insertonly=403),
                       lambda p, c: c.get(f"/api/dbs/{self.db_for(p)}"))

    def test_patch_database_editor_fields(self):
        for field, value in (("name", "renamed"), ("description", "new description"),
                             ("environment", "Staging"), ("viewsTab", True),
                             ("location", {"lat": 1, "long": 2, "name": "here"})):
            self.run_route(f"PATCH /api/dbs/:id {field}",
                           expect(403, admins=200, editor=200, other=404, anonymous=404,
                                  # A write token may change data and schema; whether that
                                  # extends to database settings is not specified.
                                  tok_write=403),
                           lambda p, c: c.patch(f"/api/dbs/{self.db_for(p)}", {field: value}))
        self.assert_db_intact()

    def test_patch_database_admin_fields(self):
        team = self.team
        for body in ({"visibility": "private"}, {"auditing": False}, {"schemaLocked": False},
                     {"owner": team}, {"owner": {"tag": "TextValue", "contents": team}}):
            self.run_route(f"PATCH /api/dbs/:id {body}",
                           expect(403, admins=200, other=404, anonymous=404),
                           lambda p, c: c.patch(f"/api/dbs/{self.db_for(p)}", body))
        info = self.owner_client().get(f"/api/dbs/{self.db}").body
        self.assertEqual((info["visibility"], info["owner"]), ("private", team), info)

    def test_refused_visibility_change_changes_nothing(self):
        for p in ("editor", "viewer", "tok_write", "other", "anon"):
            with self.subTest(principal=p):
                r = self.as_(p).patch(f"/api/dbs/{self.db}", {"visibility": "public",
                                                              "description": f"by {p}"})
                self.assertJsonError(r, (403, 404))
                info = self.owner_client().get(f"/api/dbs/{self.db}").body
                self.assertEqual(info["visibility"], "private", info)
                self.assertNotEqual(info["description"], f"by {p}", "partial update")

    def test_delete_database(self):
        def call(p, c):
            if p in ("owner", "sadmin"):
                victim = new_db(self.client, self.sessions["owner"], self.team)
                res = c.delete(f"/api/dbs/{victim}")
                if res.status == 200:
                    self.assertJsonError(self.owner_client().get(f"/api/dbs/{victim}"), 404)
                return res
            res = c.delete(f"/api/dbs/{self.db_for(p)}")
            self.assert_db_intact()
            return res
        self.run_route("DELETE /api/dbs/:id",
                       expect(403, admins=200, other=404, anonymous=404), call)

    # ---------------------------------------------------------------------------------------
    # SQL

    def test_sql_select(self):
        def call(p, c):
            res = c.sql(self.db_for(p), "SELECT v FROM items WHERE id = 1")
            if res.status == 200 and res.body.get("errors") == []:
                self.assertEqual(res.body["rows"], [{"v": "first"}], p)
            return res
        self.run_route("POST /dbs/:id/sql SELECT",
                       expect(SQL_OK, other=404, anonymous=404, tok_writeonly=403,
                              tok_insertonly=403), call)

    def test_sql_insert(self):
        def call(p, c):
            marker = f"row by {p}"
            res = c.sql(self.db_for(p), f"INSERT INTO items (v) VALUES ('{marker}')")
            n = self.owner_client().sql(self.db, f"SELECT count(*) AS n FROM items "
                                                 f"WHERE v = '{marker}'").body["rows"][0]["n"]
            ok = res.status == 200 and res.body.get("errors") == []
            self.assertEqual(n, 1 if ok else 0, f"INSERT as {p}: row count vs answer "
                             f"{res.describe()}")
            return res
        self.run_route("POST /dbs/:id/sql INSERT",
                       expect(SQL_READONLY, admins=SQL_OK, editor=SQL_OK, tok_write=SQL_OK,
                              other=404, anonymous=404, tok_writeonly=403, tok_insertonly=403),
                       call)

    def test_sql_update_delete_and_ddl(self):
        statements = {
            "UPDATE": "UPDATE items SET v = v WHERE id = 1",
            "DELETE": "DELETE FROM items WHERE v = 'no such row'",
            "CREATE TABLE": "CREATE TABLE t_{p} (x INTEGER)",
            "CREATE INDEX": "CREATE INDEX i_{p} ON items (v)",
            "DROP": "DROP TABLE IF EXISTS t_{p}",
        }
        for label, sql in statements.items():
            self.run_route(f"POST /dbs/:id/sql {label}",
                           expect(SQL_READONLY, admins=SQL_OK, editor=SQL_OK, tok_write=SQL_OK,
                                  other=404, anonymous=404, tok_writeonly=403,
                                  tok_insertonly=403),
                           lambda p, c: c.sql(self.db_for(p), sql.format(p=p)))
        self.assert_db_intact()
        # Setting a pragma is a write too (refused with the authorizer's message).
        self.run_route("POST /dbs/:id/sql PRAGMA user_version = 7",
                       expect(("read-only", "not allowed", "not authorized"), admins=SQL_OK,
                              editor=SQL_OK, tok_write=SQL_OK, other=404, anonymous=404,
                              tok_writeonly=403, tok_insertonly=403),
                       lambda p, c: c.sql(self.db_for(p), "PRAGMA user_version = 7"))

    # ---------------------------------------------------------------------------------------
    # File columns

    def file_cell(self, base):
        return f"{base}/tables/att/columns/f/files/rowid/1"

    def ensure_file_table(self):
        self.assertSqlOk(self.owner_client().sql(
            self.db, "CREATE TABLE IF NOT EXISTS att (id INTEGER PRIMARY KEY, f BLOB); "
                     "INSERT OR IGNORE INTO att VALUES (1, x'00')"))

    def test_file_upload(self):
        self.ensure_file_table()

        def call(p, c):
            boundary = "airsqlauthz"
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                    f"filename=\"{p}.txt\"\r\nContent-Type: text/plain\r\n\r\nby {p}\r\n"
                    f"--{boundary}--\r\n").encode()
            res = c.request("PUT", self.file_cell(f"/api/dbs/{self.db_for(p)}"), raw_body=body,
                            headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
            got = self.owner_client().get(self.file_cell(f"/api/dbs/{self.db}")).raw
            self.assertEqual(got == f"by {p}".encode(), res.status == 200,
                             f"upload as {p}: stored bytes vs answer {res.describe()}")
            return res
        self.run_route("PUT /api/dbs/:id/tables/:t/columns/:c/files/:k/:v",
                       expect(403, admins=200, editor=200, tok_write=200, tok_writeonly=200,
                              other=404, anonymous=401), call)

    def test_file_download(self):
        self.ensure_file_table()
        self.run_route("GET /api/dbs/:id/tables/:t/columns/:c/files/:k/:v",
                       expect(200, other=404, anonymous=404, tok_writeonly=403,
                              tok_insertonly=403),
                       lambda p, c: c.get(self.file_cell(f"/api/dbs/{self.db_for(p)}")))
        # The read-only id serves everyone, whatever else they present; the private id under
        # /readonly/ serves nobody.
        self.run_route("GET /readonly/:readonlyId/tables/:t/columns/:c/files/:k/:v",
                       expect(200),
                       lambda p, c: c.get(self.file_cell(f"/readonly/{self.readonly_id}")))
        self.run_route("GET /readonly/<database id>/tables/:t/columns/:c/files/:k/:v",
                       expect(404),
                       lambda p, c: c.get(self.file_cell(f"/readonly/{self.db}")))

    # ---------------------------------------------------------------------------------------
    # Tokens

    def test_create_token_route(self):
        team, db = self.team, self.db
        self.run_route("POST /api/tokens",
                       expect(403, admins=201, other=404, anonymous=401, tokens=TOKEN_REFUSED),
                       lambda p, c: c.post("/api/tokens", {
                           "name": f"by {p}", "description": "", "expiration_utc": None,
                           "team_name": team, "permissions": [{"db_id": db, "name": "write"}]}))

    def test_token_routes(self):
        r = create_token(self.client, self.sessions["owner"], self.team, [(self.db, "read")])
        self.assertStatus(r, 201)
        tid = r.body["id"]
        refused = expect(403, admins=200, other=404, anonymous=401, tokens=TOKEN_REFUSED)
        self.run_route("GET /api/tokens/:id", refused, lambda p, c: c.get(f"/api/tokens/{tid}"))
        self.run_route("PATCH /api/tokens/:id", refused,
                       lambda p, c: c.patch(f"/api/tokens/{tid}", {"description": f"by {p}"}))

        def delete(p, c):
            r = create_token(self.client, self.sessions["owner"], self.team, [(self.db, "read")])
            victim, secret = r.body["id"], r.body["body"]
            res = c.delete(f"/api/tokens/{victim}")
            after = self.client.get(f"/api/dbs/{self.db}", token=secret)
            self.assertStatus(after, 401 if res.status == 200 else 200,
                              f"token after DELETE as {p}")
            return res
        self.run_route("DELETE /api/tokens/:id", refused, delete)

    def test_token_masking(self):
        r = create_token(self.client, self.sessions["owner"], self.team,
                         [(self.db, "read"), (self.db2, "write")], name="masked")
        self.assertStatus(r, 201)
        created = r.body
        self.assertEqual(sorted(created), ["body", "created_utc", "description",
                                           "expiration_utc", "id", "name", "permissions"],
                         r.describe())
        secret = created["body"]
        self.assertRegex(secret, r"^ast_[0-9A-Za-z]{43,}$", "token body: ast_ + ≥256 bits base62")
        self.assertIsNone(created["expiration_utc"])
        self.assertEqual(sorted((p["db_id"], p["name"]) for p in created["permissions"]),
                         sorted([(self.db, "read"), (self.db2, "write")]))
        self.assertTrue(all(p.get("db_name") for p in created["permissions"]), r.describe())

        owner = self.owner_client()
        got = owner.get(f"/api/tokens/{created['id']}")
        self.assertStatus(got, 200)
        masked = got.body["body"]
        self.assertTrue(masked.endswith("…"), f"masked body must end with …: {masked!r}")
        self.assertTrue(masked.startswith("ast_"), masked)
        self.assertTrue(secret.startswith(masked[:-1]), (masked, secret))
        self.assertLess(len(masked), 20, masked)
        self.assertNotIn(secret, got.text)
        self.assertEqual(got.body["name"], "masked")
        listed = owner.get(f"/api/teams/{self.team}/tokens")
        self.assertStatus(listed, 200)
        self.assertNotIn(secret, listed.text, "token list leaks a secret")
        for t in listed.body["tokens"]:
            self.assertTrue(t["body"].endswith("…"), t)
        self.assertIn(created["id"], [t["id"] for t in listed.body["tokens"]])
        patched = owner.patch(f"/api/tokens/{created['id']}", {"name": "renamed"})
        self.assertStatus(patched, 200)
        self.assertEqual(patched.body["body"], masked, patched.describe())
        self.assertEqual(patched.body["name"], "renamed")

    def test_token_scope_and_permissions(self):
        c = self.client
        read = self.api_tokens["tok_read"]
        # A token knows only its databases.
        self.assertJsonError(c.get(f"/api/dbs/{self.db2}", token=read), 404, "not_found")
        self.assertJsonError(c.sql(self.db2, "SELECT 1", token=read), 404, "not_found")
        # writeonly / insertonly cannot use the SQL endpoint at all.
        for name in ("tok_writeonly", "tok_insertonly"):
            r = c.sql(self.db, "INSERT INTO items (v) VALUES ('x')", token=self.api_tokens[name])
            self.assertJsonError(r, 403, "permission_denied", msg=name)
        # Re-scoping a token takes effect at once.
        r = create_token(c, self.sessions["owner"], self.team, [(self.db2, "read")])
        tid, secret = r.body["id"], r.body["body"]
        self.assertSqlError(c.sql(self.db2, "INSERT INTO other VALUES (1)", token=secret),
                            "read-only")
        r = self.owner_client().patch(f"/api/tokens/{tid}", {
            "permissions": [{"db_id": self.db2, "name": "write"}],
            "expiration_utc": {"tag": "TextNull"},
            "description": {"tag": "TextValue", "contents": "now writes"}})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["description"], "now writes", r.describe())
        self.assertEqual([p["name"] for p in r.body["permissions"]], ["write"])
        body = self.assertSqlOk(c.sql(self.db2, "INSERT INTO other VALUES (1)", token=secret))
        self.assertEqual(body["numChanges"], 1)
        # Permissions must name databases of the token's team.
        _, foreign_session = self.names["other"], self.sessions["other"]
        foreign_db = new_db(c, foreign_session, self.names["other"])
        r = create_token(c, self.sessions["owner"], self.team, [(foreign_db, "read")])
        self.assertJsonError(r, 400, "invalid_argument")
        r = self.owner_client().patch(f"/api/tokens/{tid}", {
            "permissions": [{"db_id": foreign_db, "name": "read"}]})
        self.assertJsonError(r, 400, "invalid_argument")
        # Tokens of one team are invisible to admins of another.
        self.assertJsonError(c.get(f"/api/tokens/{tid}", token=foreign_session), 404)

    def test_deleted_token_is_401(self):
        r = create_token(self.client, self.sessions["owner"], self.team, [(self.db, "write")])
        tid, secret = r.body["id"], r.body["body"]
        self.assertSqlOk(self.client.sql(self.db, "SELECT 1", token=secret))
        self.assertStatus(self.owner_client().delete(f"/api/tokens/{tid}"), 200)
        for res in (self.client.sql(self.db, "SELECT 1", token=secret),
                    self.client.get("/api/dbs", token=secret),
                    self.client.get(f"/api/dbs/{self.db}", token=secret)):
            self.assertJsonError(res, 401, "unauthenticated")
        self.assertJsonError(self.owner_client().get(f"/api/tokens/{tid}"), 404)
        self.assertJsonError(self.owner_client().delete(f"/api/tokens/{tid}"), 404)

    def test_expired_token_is_401(self):
        expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=2)
        stamp = expires.strftime("%Y-%m-%dT%H:%M:%S.") + f"{expires.microsecond // 1000:03d}Z"
        r = create_token(self.client, self.sessions["owner"], self.team, [(self.db, "read")],
                         expiration_utc=stamp)
        self.assertStatus(r, 201)
        self.assertIsNotNone(r.body["expiration_utc"])
        secret = r.body["body"]
        self.assertSqlOk(self.client.sql(self.db, "SELECT 1", token=secret), "before expiry")
        delay = (expires - dt.datetime.now(dt.timezone.utc)).total_seconds() + 0.3
        time.sleep(max(delay, 0))
        self.assertJsonError(self.client.sql(self.db, "SELECT 1", token=secret), 401,
                             "unauthenticated", msg="after expiry")
        self.assertJsonError(self.client.get("/api/dbs", token=secret), 401)

    # ---------------------------------------------------------------------------------------
    # Tables and columns (reading: like GET /api/dbs/:id; changes: the schema capability)

    def test_get_table(self):
        self.run_route("GET /api/dbs/:id/tables/:table",
                       expect(200, other=404, anonymous=404, tok_writeonly=403,
                              tok_insertonly=403),
                       lambda p, c: c.get(f"/api/dbs/{self.db_for(p)}/tables/items"))

    SCHEMA_CHANGE = dict(default=403, admins=200, editor=200, tok_write=200, other=404,
                         anonymous=404)

    def owner_sql(self, query):
        self.assertSqlOk(self.owner_client().sql(self.db, query), query)

    def table_exists(self, name):
        r = self.owner_client().get(f"/api/dbs/{self.db}/tables/{name}")
        return r.status == 200

    def test_create_table(self):
        def call(p, c):
            res = c.request("PUT", f"/api/dbs/{self.db_for(p)}/tables/made_by_{p}", {})
            self.assertEqual(self.table_exists(f"made_by_{p}"), res.status == 200, p)
            return res
        self.run_route("PUT /api/dbs/:id/tables/:table", expect(**self.SCHEMA_CHANGE), call)

    def test_patch_table(self):
        def call(p, c):
            self.owner_sql(f"CREATE TABLE IF NOT EXISTS patch_{p} (x)")
            res = c.patch(f"/api/dbs/{self.db_for(p)}/tables/patch_{p}",
                          {"description": f"by {p}"})
            got = self.owner_client().get(f"/api/dbs/{self.db}/tables/patch_{p}").body
            self.assertEqual(got["description"] == f"by {p}", res.status == 200, p)
            return res
        self.run_route("PATCH /api/dbs/:id/tables/:table", expect(**self.SCHEMA_CHANGE), call)

    def test_delete_table(self):
        def call(p, c):
            self.owner_sql(f"CREATE TABLE IF NOT EXISTS doomed_{p} (x)")
            res = c.delete(f"/api/dbs/{self.db_for(p)}/tables/doomed_{p}")
            self.assertEqual(self.table_exists(f"doomed_{p}"), res.status != 200, p)
            return res
        self.run_route("DELETE /api/dbs/:id/tables/:table", expect(**self.SCHEMA_CHANGE), call)
        self.assert_db_intact()

    def test_column_routes(self):
        def columns(p):
            t = self.owner_client().get(f"/api/dbs/{self.db}/tables/cols_{p}").body
            return [col["name"] for col in t["columns"]]

        def add(p, c):
            self.owner_sql(f"CREATE TABLE IF NOT EXISTS cols_{p} (x)")
            res = c.request("PUT", f"/api/dbs/{self.db_for(p)}/tables/cols_{p}/columns/y",
                            {"sqliteDataType": "TEXT"})
            self.assertEqual("y" in columns(p), res.status == 200, p)
            return res

        def change(p, c):
            self.owner_sql(f"CREATE TABLE IF NOT EXISTS cols_{p} (x)")
            res = c.patch(f"/api/dbs/{self.db_for(p)}/tables/cols_{p}/columns/x",
                          {"name": "x2"})
            self.assertEqual("x2" in columns(p), res.status == 200, p)
            return res

        def drop(p, c):
            self.owner_sql(f"CREATE TABLE IF NOT EXISTS drop_{p} (x, z)")
            res = c.delete(f"/api/dbs/{self.db_for(p)}/tables/drop_{p}/columns/z")
            t = self.owner_client().get(f"/api/dbs/{self.db}/tables/drop_{p}").body
            self.assertEqual("z" not in [col["name"] for col in t["columns"]],
                             res.status == 200, p)
            return res
        self.run_route("PUT /api/dbs/:id/tables/:table/columns/:column",
                       expect(**self.SCHEMA_CHANGE), add)
        self.run_route("PATCH /api/dbs/:id/tables/:table/columns/:column",
                       expect(**self.SCHEMA_CHANGE), change)
        self.run_route("DELETE /api/dbs/:id/tables/:table/columns/:column",
                       expect(**self.SCHEMA_CHANGE), drop)
        self.assert_db_intact()

    # ---------------------------------------------------------------------------------------
    # Public databases, roles, ownership

    # ---------------------------------------------------------------------------------------
    # Whole databases as files, settings, audit, export, search, schema, CSV import

    READ = dict(default=200, other=404, anonymous=404, tok_writeonly=403, tok_insertonly=403)

    def upload_body(self):
        """A SQLite file with the `items` table of the shared database, as a multipart body."""
        import sqlite3
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            path = f"{d}/x.sqlite"
            conn = sqlite3.connect(path)
            conn.executescript("CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT);"
                               "INSERT INTO items (v) VALUES ('first');")
            conn.close()
            data = open(path, "rb").read()
        boundary = "----authz"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"x.sqlite\"\r\n\r\n").encode() + data + \
            f"\r\n--{boundary}--\r\n".encode()
        return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}

    def test_download(self):
        self.run_route("GET /dbs/:id/download", expect(**self.READ),
                       lambda p, c: c.get(f"/dbs/{self.db_for(p)}/download"))
        ro = self.readonly_id
        self.run_route("GET /readonly/:ro/download", expect(200),
                       lambda p, c: c.get(f"/readonly/{ro}/download"))

    def test_upload_new_database(self):
        body, headers = self.upload_body()
        team = self.team
        self.run_route("POST /dbs",
                       expect(403, admins=201, editor=201, other=404, anonymous=401,
                              tokens=TOKEN_REFUSED),
                       lambda p, c: c.request("POST", f"/dbs?team={team}", raw_body=body,
                                              headers=headers))

    def test_replace_database(self):
        body, headers = self.upload_body()

        def call(p, c):
            res = c.request("PUT", f"/dbs/{self.db_for(p)}", raw_body=body, headers=headers)
            self.assert_db_intact()
            return res
        # Upload routes refuse anonymous callers from the header, before storing the body.
        self.run_route("PUT /dbs/:id", expect(**{**self.SCHEMA_CHANGE, "anonymous": 401}), call)

    def test_vacuum(self):
        self.run_route("POST /api/dbs/:id/vacuum", expect(**self.SCHEMA_CHANGE),
                       lambda p, c: c.post(f"/api/dbs/{self.db_for(p)}/vacuum", {}))

    def test_duplicate(self):
        self.run_route("GET /dbs/:id/duplicate",
                       expect(201, other=404, anonymous=404, tokens=403),
                       lambda p, c: c.get(f"/dbs/{self.db_for(p)}/duplicate"))
        ro = self.readonly_id
        self.run_route("GET /readonly/:ro/duplicate",
                       expect(201, anonymous=401, tokens=403),
                       lambda p, c: c.get(f"/readonly/{ro}/duplicate"))

    def test_regenerate_ids(self):
        for route, field in (("regenerate-db-id", "id"), ("regenerate-readonly-id", "readonlyId")):
            def call(p, c, route=route, field=field):
                if p in ("owner", "sadmin"):
                    victim = new_db(self.client, self.sessions["owner"], self.team)
                    before = self.owner_client().get(f"/api/dbs/{victim}").body
                    res = c.get(f"/dbs/{victim}/{route}")
                    if res.status == 200:
                        self.assertNotEqual(res.body[field], before[field])
                    return res
                res = c.get(f"/dbs/{self.db_for(p)}/{route}")
                got = self.owner_client().get(f"/api/dbs/{self.db}").body
                self.assertEqual(got["readonlyId"], self.readonly_id, f"{route} as {p}")
                return res
            self.run_route(f"GET /dbs/:id/{route}",
                           expect(403, admins=200, other=404, anonymous=404), call)

    def test_settings_routes(self):
        self.run_route("GET /api/dbs/:id/settings", expect(**self.READ),
                       lambda p, c: c.get(f"/api/dbs/{self.db_for(p)}/settings"))
        self.run_route("PATCH /api/dbs/:id/settings viewsTab",
                       expect(403, admins=200, editor=200, other=404, anonymous=404),
                       lambda p, c: c.patch(f"/api/dbs/{self.db_for(p)}/settings",
                                            {"viewsTab": True}))
        self.run_route("GET /api/dbs/:id/audit",
                       expect(403, admins=200, other=404, anonymous=404),
                       lambda p, c: c.get(f"/api/dbs/{self.db_for(p)}/audit"))

    def test_charts_and_dashboards(self):
        owner = self.owner_client()
        chart = owner.post(f"/api/dbs/{self.db}/charts", {"table": "items", "title": "c"})
        self.assertStatus(chart, 201)
        dash = owner.post(f"/api/dbs/{self.db}/dashboards", {"title": "d", "charts": []})
        self.assertStatus(dash, 201)
        cid, did = chart.body["ulid"], dash.body["ulid"]
        for route in ("charts", "dashboards", f"charts/{cid}/data"):
            self.run_route(f"GET /api/dbs/:id/{route}", expect(**self.READ),
                           lambda p, c, route=route: c.get(f"/api/dbs/{self.db_for(p)}/{route}"))
        editors = dict(default=403, admins=201, editor=201, tok_write=201, other=404,
                       anonymous=404)
        self.run_route("POST /api/dbs/:id/charts", expect(**editors),
                       lambda p, c: c.post(f"/api/dbs/{self.db_for(p)}/charts",
                                           {"table": "items", "title": p}))
        self.run_route("POST /api/dbs/:id/dashboards", expect(**editors),
                       lambda p, c: c.post(f"/api/dbs/{self.db_for(p)}/dashboards",
                                           {"title": p}))
        changed = {**editors, "admins": 200, "editor": 200, "tok_write": 200}
        self.run_route("PATCH /api/dbs/:id/charts/:chartId", expect(**changed),
                       lambda p, c: c.patch(f"/api/dbs/{self.db_for(p)}/charts/{cid}",
                                            {"title": p}))
        self.run_route("PATCH /api/dbs/:id/dashboards/:dashboardId", expect(**changed),
                       lambda p, c: c.patch(f"/api/dbs/{self.db_for(p)}/dashboards/{did}",
                                            {"title": p}))

        def delete(kind, p, c):
            victim = owner.post(f"/api/dbs/{self.db}/{kind}",
                                {"table": "items"} if kind == "charts" else {"title": "v"})
            res = c.delete(f"/api/dbs/{self.db_for(p)}/{kind}/{victim.body['ulid']}")
            still = [x["ulid"] for x in owner.get(f"/api/dbs/{self.db}/{kind}").body[kind]]
            self.assertEqual(victim.body["ulid"] not in still, res.status == 200, f"{kind} as {p}")
            return res
        for kind in ("charts", "dashboards"):
            self.run_route(f"DELETE /api/dbs/:id/{kind}/:id", expect(**changed),
                           lambda p, c, kind=kind: delete(kind, p, c))
        self.assert_db_intact()

    def test_apps(self):
        owner = self.owner_client()
        page = "<!doctype html><html><head></head><body>app</body></html>"

        def upload(c, db_id, name):
            return c.request("POST", f"/api/dbs/{db_id}/apps?name={name}", raw_body=page,
                             headers={"Content-Type": "text/html"})
        app = upload(owner, self.db, unique("app"))
        self.assertStatus(app, 201)
        aid = app.body["id"]
        self.run_route("GET /api/dbs/:id/apps", expect(**self.READ),
                       lambda p, c: c.get(f"/api/dbs/{self.db_for(p)}/apps"))
        # Opening an app: whoever may read the database (the read-only id names no app).
        self.run_route("GET /dbs/:id/apps/:appId",
                       expect(**self.READ),
                       lambda p, c: c.get(f"/dbs/{self.db_for(p)}/apps/{aid}"))
        editors = dict(default=403, admins=201, editor=201, tok_write=201, other=404,
                       anonymous=404)
        # Uploads: anonymous callers are refused before the body is read (401).
        uploads = {**editors, "anonymous": 401}
        self.run_route("POST /api/dbs/:id/apps", expect(**uploads),
                       lambda p, c: upload(c, self.db_for(p), unique(p[:5])))
        changed = {**editors, "admins": 200, "editor": 200, "tok_write": 200}
        self.run_route("PATCH /api/dbs/:id/apps/:appId", expect(**changed),
                       lambda p, c: c.patch(f"/api/dbs/{self.db_for(p)}/apps/{aid}",
                                            {"title": p}))
        self.run_route("PUT /api/dbs/:id/apps/:appId",
                       expect(**{**changed, "anonymous": 401}),
                       lambda p, c: c.request("PUT", f"/api/dbs/{self.db_for(p)}/apps/{aid}",
                                              raw_body=page, headers={"Content-Type": "text/html"}))

        def delete(p, c):
            victim = upload(owner, self.db, unique("v")).body["id"]
            res = c.delete(f"/api/dbs/{self.db_for(p)}/apps/{victim}")
            still = [x["id"] for x in owner.get(f"/api/dbs/{self.db}/apps").body["apps"]]
            self.assertEqual(victim not in still, res.status == 200, f"apps as {p}")
            return res
        self.run_route("DELETE /api/dbs/:id/apps/:appId", expect(**changed), delete)
        self.assert_db_intact()

    def test_prompt_routes(self):
        self.run_route("POST /api/dbs/:id/prompt", expect(**{**self.READ, "default": NO_MODEL}),
                       lambda p, c: c.post(f"/api/dbs/{self.db_for(p)}/prompt", {"prompt": "x"}))
        self.run_route("POST /api/dbs/:id/prompt/describe-database save",
                       expect(403, admins=NO_MODEL, editor=NO_MODEL, tok_write=NO_MODEL,
                              other=404, anonymous=404),
                       lambda p, c: c.post(f"/api/dbs/{self.db_for(p)}/prompt/describe-database",
                                           {"save": True}))
        self.run_route("POST /api/prompt/create-database",
                       expect(TOKEN_REFUSED, admins=NO_MODEL, editor=NO_MODEL, viewer=403,
                              other=404, anonymous=401),
                       lambda p, c: c.post("/api/prompt/create-database",
                                           {"prompt": "x", "team": self.team}))

    def test_export_search_and_schema(self):
        for route in ("tables/items/export", "tables/items/export?format=json",
                      "tables/items/search/first", "schema", "azimutt-schema"):
            self.run_route(f"GET /api/dbs/:id/{route}", expect(**self.READ),
                           lambda p, c, route=route: c.get(f"/api/dbs/{self.db_for(p)}/{route}"))

    def test_csv_import(self):
        self.run_route("POST /api/dbs/:id/tables/:t/import",
                       expect(403, admins=200, editor=200, tok_write=200, tok_writeonly=200,
                              tok_insertonly=200, other=404, anonymous=401),
                       lambda p, c: c.request("POST",
                                              f"/api/dbs/{self.db_for(p)}/tables/items/import",
                                              raw_body=f"v\nimported by {p}\n",
                                              headers={"Content-Type": "text/csv"}))
        self.assert_db_intact()

    def test_public_database(self):
        owner = self.owner_client()
        pub = new_db(self.client, self.sessions["owner"], self.team,
                     "CREATE TABLE facts (id INTEGER PRIMARY KEY, v TEXT); "
                     "INSERT INTO facts (v) VALUES ('public fact')")
        self.assertStatus(owner.patch(f"/api/dbs/{pub}", {"visibility": "public"}), 200)
        anon, other = self.as_("anon"), self.as_("other")
        for who, c in (("anon", anon), ("other", other)):
            with self.subTest(principal=who):
                r = c.get(f"/api/dbs/{pub}")
                self.assertStatus(r, 200, f"public database GET as {who}")
                self.assertEqual(r.body["visibility"], "public")
                body = self.assertSqlOk(c.sql(pub, "SELECT v FROM facts"), f"SELECT as {who}")
                self.assertEqual(body["rows"], [{"v": "public fact"}])
                r = c.sql(pub, "INSERT INTO facts (v) VALUES ('graffiti')")
                if r.status == 200:
                    self.assertSqlError(r, ("read-only", "readonly"), f"INSERT as {who}")
                else:
                    self.assertJsonError(r, (401, 403), msg=f"INSERT as {who}")
                r = c.sql(pub, "DROP TABLE facts")
                if r.status == 200:
                    self.assertSqlError(r, ("read-only", "readonly"), f"DROP as {who}")
                else:
                    self.assertJsonError(r, (401, 403), msg=f"DROP as {who}")
                self.assertJsonError(c.patch(f"/api/dbs/{pub}", {"name": "defaced"}), (401, 403),
                                     msg=f"PATCH as {who}")
                self.assertJsonError(c.patch(f"/api/dbs/{pub}", {"visibility": "private"}),
                                     (401, 403), msg=f"PATCH visibility as {who}")
                self.assertJsonError(c.delete(f"/api/dbs/{pub}"), (401, 403),
                                     msg=f"DELETE as {who}")
        # Public does not mean listed, nor usable by tokens of other databases.
        self.assertNotIn(pub, [d["id"] for d in other.get("/api/dbs").body["databases"]])
        rows = owner.sql(pub, "SELECT v FROM facts").body["rows"]
        self.assertEqual(rows, [{"v": "public fact"}], "nothing was written")
        info = owner.get(f"/api/dbs/{pub}").body
        self.assertEqual((info["name"] != "defaced", info["visibility"]), (True, "public"))
        # Back to private: gone for outsiders.
        self.assertStatus(owner.patch(f"/api/dbs/{pub}", {"visibility": "private"}), 200)
        self.assertJsonError(anon.get(f"/api/dbs/{pub}"), 404)
        self.assertJsonError(other.sql(pub, "SELECT 1"), 404)

    def test_public_database_with_unrelated_api_token(self):
        # "public: anyone who knows the database id may read". A caller presenting an API token
        # of some other database is "anyone" too: the token must not reduce what an anonymous
        # caller could do.
        owner = self.owner_client()
        pub = new_db(self.client, self.sessions["owner"], self.team,
                     "CREATE TABLE facts (v TEXT); INSERT INTO facts VALUES ('public fact')")
        self.assertStatus(owner.patch(f"/api/dbs/{pub}", {"visibility": "public"}), 200)
        token = self.api_tokens["tok_read"]  # scoped to another database of the same team
        self.assertStatus(self.client.get(f"/api/dbs/{pub}", token=None), 200, "anonymous")
        self.assertStatus(self.client.get(f"/api/dbs/{pub}", token=token), 200,
                          "a token scoped to another database reading a public database")
        body = self.assertSqlOk(self.client.sql(pub, "SELECT v FROM facts", token=token))
        self.assertEqual(body["rows"], [{"v": "public fact"}])

    def test_readonly_id_is_not_a_database_id(self):
        # The read-only id grants GraphQL, files and duplication through /readonly/ routes,
        # never the database's management, SQL or file upload routes.
        ro = self.readonly_id
        for method, path, body in (("GET", f"/api/dbs/{ro}", None),
                                   ("POST", f"/dbs/{ro}/sql", {"query": "SELECT 1"}),
                                   ("PATCH", f"/api/dbs/{ro}", {"name": "x"}),
                                   ("DELETE", f"/api/dbs/{ro}", None),
                                   ("GET", self.file_cell(f"/api/dbs/{ro}"), None)):
            for p in ("anon", "other"):
                with self.subTest(route=f"{method} {path}", principal=p):
                    self.assertJsonError(self.as_(p).request(method, path, body), 404)

    def test_last_admin_rules(self):
        owner, team, me = self.owner_client(), self.team, self.names["owner"]
        r = owner.patch(f"/api/teams/{team}/members/{me}", {"roles": ["Editor"]})
        self.assertJsonError(r, 409, "failed_precondition")
        r = owner.delete(f"/api/teams/{team}/members/{me}")
        self.assertJsonError(r, 409, "failed_precondition")
        roles = {m["username"]: m["roles"] for m in
                 owner.get(f"/api/teams/{team}/members").body["members"]}
        self.assertEqual(roles[me], ["Admin"])

    def test_member_may_leave(self):
        user, token = new_user(self.client)
        owner, team = self.owner_client(), self.team
        self.assertStatus(set_roles(self.client, self.sessions["owner"], team, user, ["Editor"]),
                          200)
        self.assertStatus(self.client.get(f"/api/dbs/{self.db}", token=token), 200)
        self.assertStatus(self.client.delete(f"/api/teams/{team}/members/{user}", token=token),
                          200)
        self.assertJsonError(self.client.get(f"/api/dbs/{self.db}", token=token), 404)
        self.assertNotIn(user, [m["username"] for m in
                                owner.get(f"/api/teams/{team}/members").body["members"]])

    def test_role_upgrade_and_downgrade_take_effect(self):
        user, token = new_user(self.client)
        team, c = self.team, self.client
        self.assertStatus(set_roles(c, self.sessions["owner"], team, user, ["Viewer"]), 200)
        self.assertSqlError(c.sql(self.db, "UPDATE items SET v = v", token=token), "read-only")
        self.assertStatus(set_roles(c, self.sessions["owner"], team, user,
                                    ["Viewer", "Editor"]), 200)
        self.assertSqlOk(c.sql(self.db, "UPDATE items SET v = v", token=token),
                         "strongest role applies")
        self.assertJsonError(c.delete(f"/api/dbs/{self.db}", token=token), 403)
        self.assertStatus(set_roles(c, self.sessions["owner"], team, user, ["Admin"]), 200)
        self.assertStatus(c.get(f"/api/teams/{team}/tokens", token=token), 200)
        self.assertStatus(set_roles(c, self.sessions["owner"], team, user, ["Viewer"]), 200)
        self.assertJsonError(c.get(f"/api/teams/{team}/tokens", token=token), 403)
        self.assertStatus(c.delete(f"/api/teams/{team}/members/{user}",
                                   token=self.sessions["owner"]), 200)
        self.assert_db_intact()

    def test_move_database_between_teams(self):
        c = self.client
        owner_s, other_s = self.sessions["owner"], self.sessions["other"]
        other_team = self.names["other"]
        moving = new_db(c, owner_s, self.team, "CREATE TABLE m (x INTEGER)")
        # Not an Admin of the target team: refused.
        r = c.patch(f"/api/dbs/{moving}", {"owner": other_team}, token=owner_s)
        self.assertJsonError(r, (403, 404))
        self.assertEqual(c.get(f"/api/dbs/{moving}", token=owner_s).body["owner"], self.team)
        # Editors may not move databases.
        r = c.patch(f"/api/dbs/{moving}", {"owner": self.team}, token=self.sessions["editor"])
        self.assertJsonError(r, 403)
        # Admin of both teams: allowed.
        self.assertStatus(set_roles(c, other_s, other_team, self.names["owner"], ["Admin"]), 200)
        r = c.patch(f"/api/dbs/{moving}", {"owner": {"tag": "TextValue",
                                                     "contents": other_team}}, token=owner_s)
        self.assertStatus(r, 200)
        info = c.get(f"/api/dbs/{moving}", token=other_s)
        self.assertStatus(info, 200, "the new team sees the database")
        self.assertEqual(info.body["owner"], other_team)
        self.assertJsonError(c.get(f"/api/dbs/{moving}", token=self.sessions["editor"]), 404,
                             msg="the old team's editor lost access")
        self.assertSqlOk(c.sql(moving, "INSERT INTO m VALUES (1)", token=other_s))
        self.assertStatus(c.delete(f"/api/teams/{other_team}/members/{self.names['owner']}",
                                   token=other_s), 200)


if __name__ == "__main__":
    unittest.main()
