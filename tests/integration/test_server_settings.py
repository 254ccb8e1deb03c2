"""Server settings (`GET/PATCH /api/settings`): who may read and change them, validation of
every field, persistence across a restart, and the effect of each setting seen through the
server's behaviour (sign-up policy, session lifetime, team and size limits, upload cap)."""

import os
import sqlite3
import tempfile
import uuid

from harness import (DEFAULT_PASSWORD, Server, ServerModuleTest, create_db, login, new_db,
                     new_user, sign_up, unique)


def sqlite_file(size_rows=200):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.sqlite")
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE t (v TEXT)")
        conn.executemany("INSERT INTO t VALUES (?)", [("x" * 100,)] * size_rows)
        conn.commit()
        conn.close()
        with open(path, "rb") as f:
            return f.read()


def multipart_file(data, filename="x.sqlite"):
    boundary = "----airsql" + uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class ServerSettings(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.admin_name, cls.admin = new_user(c, unique("adm"))  # first user: server admin
        cls.user_name, cls.user = new_user(c, unique("usr"))

    def patch(self, body, token=...):
        return self.client.patch("/api/settings", body, token=self.admin if token is ... else token)

    def get_settings(self):
        r = self.client.get("/api/settings", token=self.admin)
        self.assertStatus(r, 200)
        return r.body

    def tearDown(self):
        # Every test starts from permissive settings.
        r = self.patch({"signUp": "open", "sessionLifetimeHours": 720, "maxUploadBytes": None,
                        "limits": {"maxDatabasesPerTeam": None, "maxDatabaseBytes": None},
                        "plans": {}})
        self.assertStatus(r, 200)

    def test_only_server_admins(self):
        for who, token, status in (("anonymous", None, 401), ("user", self.user, 403)):
            with self.subTest(who=who):
                self.assertJsonError(self.client.get("/api/settings", token=token), status)
                self.assertJsonError(self.patch({"signUp": "closed"}, token=token), status)
        self.assertEqual(self.get_settings()["signUp"], "open", "refused PATCH changed nothing")
        # An API token of the admin's team is not the admin.
        db = new_db(self.client, self.admin, self.admin_name)
        tok = self.client.post("/api/tokens", {
            "name": "t", "description": "", "expiration_utc": None, "team_name": self.admin_name,
            "permissions": [{"db_id": db, "name": "write"}]}, token=self.admin).body["body"]
        self.assertJsonError(self.client.get("/api/settings", token=tok), 403)

    def test_defaults_and_shape(self):
        s = self.get_settings()
        self.assertEqual(s["signUp"], "open")
        self.assertEqual(s["sessionLifetimeHours"], 720)
        for key in ("allowedHosts", "envVars", "limits", "maxUploadBytes", "plans", "publicUrl",
                    "smtp"):
            self.assertIn(key, s)

    def test_validation(self):
        bad = {
            "unknown key": {"colour": "blue"},
            "signUp value": {"signUp": "sometimes"},
            "signUp type": {"signUp": 1},
            "lifetime zero": {"sessionLifetimeHours": 0},
            "lifetime too long": {"sessionLifetimeHours": 100000},
            "lifetime type": {"sessionLifetimeHours": "long"},
            "negative db count": {"limits": {"maxDatabasesPerTeam": -1}},
            "tiny db size": {"limits": {"maxDatabaseBytes": 10}},
            "db size beyond server": {"limits": {"maxDatabaseBytes": 2 ** 50}},
            "unknown limit": {"limits": {"maxRows": 3}},
            "upload cap tiny": {"maxUploadBytes": 5},
            "host with scheme": {"allowedHosts": ["https://example.org"]},
            "host with path": {"allowedHosts": ["example.org/x"]},
            "host wildcard": {"allowedHosts": ["*.example.org"]},
            "host bad port": {"allowedHosts": ["example.org:99999"]},
            "host empty port": {"allowedHosts": ["example.org:"]},
            "host duplicate": {"allowedHosts": ["a.org", "A.org"]},
            "host not string": {"allowedHosts": [1]},
            "too many hosts": {"allowedHosts": [f"h{i}.org" for i in range(101)]},
            "env name": {"envVars": [{"name": "1X", "value": "v"}]},
            "env duplicate": {"envVars": [{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]},
            "env value too long": {"envVars": [{"name": "A", "value": "x" * 40000}]},
            "env missing value": {"envVars": [{"name": "A"}]},
            "too many env vars": {"envVars": [{"name": f"V{i}", "value": ""} for i in range(101)]},
            "smtp scheme": {"smtp": {"url": "http://mail.example.org", "from": "a@b.org"}},
            "smtp from": {"smtp": {"url": "smtp://mail.example.org", "from": "nobody"}},
            "smtp tls": {"smtp": {"url": "smtp://mail.example.org", "from": "a@b.org",
                                  "tls": "maybe"}},
            "smtp implicit needs smtps": {"smtp": {"url": "smtp://m.org", "from": "a@b.org",
                                                   "tls": "implicit"}},
            "smtp password newline": {"smtp": {"url": "smtp://m.org", "from": "a@b.org",
                                               "password": "a\r\nRCPT TO:<x@y.org>"}},
            "public url": {"publicUrl": "javascript:alert(1)"},
            "plan name": {"plans": {"": {}}},
            "plan limit": {"plans": {"pro": {"maxDatabasesPerTeam": -5}}},
            "not an object": [1, 2],
        }
        before = self.get_settings()
        for label, body in bad.items():
            with self.subTest(label):
                self.assertJsonError(self.patch(body), 400)
        # A patch with one bad field among good ones changes nothing at all.
        self.assertJsonError(self.patch({"signUp": "closed", "sessionLifetimeHours": 0}), 400)
        self.assertEqual(self.get_settings(), before)

    def test_sign_up_policy(self):
        self.assertStatus(self.patch({"signUp": "closed"}), 200)
        r = sign_up(self.client, unique("cl"))
        self.assertJsonError(r, 403)
        self.assertIn("closed", r.body["errors"][0]["message"])
        # Server admins may still create accounts.
        name = unique("byadm")
        r = self.client.post("/api/users", {"username": name, "email_address": f"{name}@ex.org",
                                            "password": DEFAULT_PASSWORD}, token=self.admin)
        self.assertStatus(r, 201)
        self.assertStatus(login(self.client, name), 200)
        self.assertStatus(self.patch({"signUp": "invite-only"}), 200)
        r = sign_up(self.client, unique("io"))
        self.assertJsonError(r, 403)
        self.assertIn("invitation", r.body["errors"][0]["message"])
        self.assertStatus(self.patch({"signUp": "open"}), 200)
        self.assertStatus(sign_up(self.client, unique("op")), 201)

    def test_session_lifetime(self):
        self.assertStatus(self.patch({"sessionLifetimeHours": 2}), 200)
        r = login(self.client, self.user_name)
        self.assertStatus(r, 200)
        cookie = r.header("Set-Cookie")
        self.assertRegex(cookie, r"Max-Age=7200\b")
        self.assertStatus(self.patch({"sessionLifetimeHours": 720}), 200)
        self.assertRegex(login(self.client, self.user_name).header("Set-Cookie"),
                         r"Max-Age=2592000\b")

    def test_max_databases_per_team(self):
        name, token = new_user(self.client, unique("lim"))
        other, other_token = new_user(self.client, unique("lim2"))
        self.assertStatus(self.patch({"limits": {"maxDatabasesPerTeam": 2}}), 200)
        new_db(self.client, token, name)
        new_db(self.client, token, name)
        r = create_db(self.client, token, name, expect=None)
        self.assertJsonError(r, 409)
        self.assertIn("limit of 2", r.body["errors"][0]["message"])
        # Receiving a database counts too: move one of other's into the full team.
        moving = new_db(self.client, other_token, other)
        r = self.client.patch(f"/api/teams/{name}/members/{other}", {"roles": ["Admin"]},
                              token=token)
        self.assertStatus(r, 200)
        self.assertJsonError(self.client.patch(f"/api/dbs/{moving}", {"team": name},
                                               token=other_token), 409)
        self.assertEqual(self.client.get(f"/api/dbs/{moving}", token=other_token).body["owner"],
                         other)
        # Lifting the limit allows both again.
        self.assertStatus(self.patch({"limits": {"maxDatabasesPerTeam": None}}), 200)
        self.assertStatus(self.client.patch(f"/api/dbs/{moving}", {"team": name},
                                            token=other_token), 200)
        create_db(self.client, token, name)

    def test_max_database_bytes_applies_to_open_databases(self):
        db = new_db(self.client, self.user, self.user_name, "CREATE TABLE t (v BLOB)")
        fill = "INSERT INTO t VALUES (randomblob(50000))"
        self.assertSqlOk(self.client.sql(db, fill, token=self.user))
        self.assertStatus(self.patch({"limits": {"maxDatabaseBytes": 65536}}), 200)
        r = self.client.sql(db, "INSERT INTO t VALUES (randomblob(200000))", token=self.user)
        self.assertSqlError(r, ("full", "limit"))
        self.assertStatus(self.patch({"limits": {"maxDatabaseBytes": None}}), 200)
        self.assertSqlOk(self.client.sql(db, "INSERT INTO t VALUES (randomblob(200000))",
                                         token=self.user))

    def test_upload_cap(self):
        data = sqlite_file()
        self.assertGreater(len(data), 8192)
        self.assertStatus(self.patch({"maxUploadBytes": 4096}), 200)
        body, ctype = multipart_file(data)
        r = self.client.request("POST", "/dbs", raw_body=body, token=self.user,
                                headers={"Content-Type": ctype})
        self.assertJsonError(r, 413)
        self.assertStatus(self.patch({"maxUploadBytes": None}), 200)
        r = self.client.request("POST", "/dbs", raw_body=body, token=self.user,
                                headers={"Content-Type": ctype})
        self.assertIn(r.status, (200, 201), r.describe())

    def test_hosts_env_smtp_round_trip_without_secrets(self):
        body = {"allowedHosts": ["localhost", "example.org:1234", "[::1]:8080"],
                "envVars": [{"name": "HELLO", "value": "world"}, {"name": "A_1", "value": ""}],
                "smtp": {"url": "smtp://127.0.0.1:2525", "tls": "none", "username": "u",
                         "password": "s3cret-password", "from": "noreply@example.org"},
                "publicUrl": "http://db.example.org/"}
        r = self.patch(body)
        self.assertStatus(r, 200)
        self.assertNotIn("s3cret-password", r.text)
        s = self.get_settings()
        self.assertEqual(s["allowedHosts"], body["allowedHosts"])
        self.assertEqual([(v["name"], v["value"]) for v in s["envVars"]],
                         [("A_1", ""), ("HELLO", "world")])
        created = {v["name"]: v["created_utc"] for v in s["envVars"]}
        self.assertTrue(s["smtp"]["passwordSet"])
        self.assertNotIn("password", s["smtp"])
        self.assertEqual(s["publicUrl"], "http://db.example.org")
        # Changing SMTP without a password keeps it; envVars that stay keep their dates.
        self.assertStatus(self.patch({"smtp": {"url": "smtp://127.0.0.1:2526", "tls": "none",
                                               "from": "noreply@example.org"},
                                      "envVars": [{"name": "HELLO", "value": "again"}]}), 200)
        s = self.get_settings()
        self.assertTrue(s["smtp"]["passwordSet"])
        self.assertEqual(s["envVars"][0]["created_utc"], created["HELLO"])
        self.assertStatus(self.patch({"smtp": None, "envVars": [], "allowedHosts": [],
                                      "publicUrl": None}), 200)
        s = self.get_settings()
        self.assertIsNone(s["smtp"])
        self.assertEqual(s["envVars"], [])


    def test_env_routes_one_variable_at_a_time(self):
        c, admin = self.client, self.admin
        self.assertStatus(self.patch({"envVars": []}), 200)
        r = c.post("/api/settings/env", {"name": "ENVIRONMENT", "value": "development"},
                   token=admin)
        self.assertStatus(r, 201)
        self.assertEqual((r.body["name"], r.body["value"]), ("ENVIRONMENT", "development"))
        created = r.body["created_utc"]
        self.assertJsonError(c.post("/api/settings/env", {"name": "ENVIRONMENT", "value": "x"},
                                    token=admin), 409)
        self.assertJsonError(c.post("/api/settings/env", {"name": "1BAD", "value": "x"},
                                    token=admin), 400)
        self.assertStatus(c.patch("/api/settings/env/ENVIRONMENT",
                                  {"name": "STAGE", "value": "production"}, token=admin), 200)
        vars_ = c.get("/api/settings/env", token=admin).body["envVars"]
        self.assertEqual(vars_, [{"created_utc": created, "name": "STAGE",
                                  "value": "production"}])
        self.assertEqual(self.get_settings()["envVars"], vars_, "the same list as envVars")
        self.assertJsonError(c.patch("/api/settings/env/NOPE", {"value": "x"}, token=admin), 404)
        self.assertJsonError(c.delete("/api/settings/env/NOPE", token=admin), 404)
        for token, status in ((None, 401), (self.user, 403)):
            self.assertJsonError(c.get("/api/settings/env", token=token), status)
            self.assertJsonError(c.post("/api/settings/env", {"name": "X", "value": "y"},
                                        token=token), status)
            self.assertJsonError(c.delete("/api/settings/env/STAGE", token=token), status)
        self.assertStatus(c.delete("/api/settings/env/STAGE", token=admin), 200)
        self.assertEqual(c.get("/api/settings/env", token=admin).body["envVars"], [])

class ServerSettingsPersist(ServerModuleTest):

    def test_settings_survive_a_restart(self):
        c = self.client
        _, admin = new_user(c, unique("adm"))
        r = c.patch("/api/settings", {"signUp": "closed", "allowedHosts": ["api.example.org"],
                                      "smtp": {"url": "smtps://mail.example.org",
                                               "tls": "implicit", "password": "pw",
                                               "from": "a@example.org"}}, token=admin)
        self.assertStatus(r, 200)
        old = self.server
        old.stop()
        self.server = Server(data_dir=old.data_dir).start()
        self.server._own_tmp, old._own_tmp = old._own_tmp, None  # cleaned up with the new one
        type(self).server = self.server
        c = self.server.client()
        s = c.get("/api/settings", token=admin).body
        self.assertEqual(s["signUp"], "closed")
        self.assertEqual(s["allowedHosts"], ["api.example.org"])
        self.assertTrue(s["smtp"]["passwordSet"])
        self.assertJsonError(sign_up(c, unique("x")), 403)
        # The secret sits in the catalog, not in any answer.
        self.assertNotIn("pw\"", c.get("/api/settings", token=admin).text)
