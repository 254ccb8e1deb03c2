"""The README walkthrough, end to end over HTTP: sign up, log in, create a database from SQL,
run SQL, list / read / patch / delete databases, plus the server meta routes, logout and
cookie sessions."""

import re
import threading
import unittest

from harness import (DEFAULT_PASSWORD, Server, ServerModuleTest, ServerTestCase, create_db, login,
                     new_db, new_user, sign_up, unique)

ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ULID = re.compile(r"^[0-9a-hjkmnp-tv-z]{26}$")

# Every route registered in server/routes/*.cpp (method, pattern).
IMPLEMENTED_ROUTES = [
    ("GET", "/api/status"),
    ("GET", "/api/docs"),
    ("GET", "/"),
    ("POST", "/api/users"),
    ("POST", "/api/login"),
    ("POST", "/api/logout"),
    ("GET", "/api/users/:username"),
    ("GET", "/api/teams/:teamName"),
    ("GET", "/api/teams/:teamName/members"),
    ("PATCH", "/api/teams/:teamName/members/:username"),
    ("DELETE", "/api/teams/:teamName/members/:username"),
    ("GET", "/api/teams/:teamName/tokens"),
    ("GET", "/api/dbs"),
    ("POST", "/api/dbs"),
    ("GET", "/api/dbs/:dbId"),
    ("PATCH", "/api/dbs/:dbId"),
    ("DELETE", "/api/dbs/:dbId"),
    ("POST", "/dbs/:dbId/sql"),
    ("POST", "/dbs"),
    ("PUT", "/dbs/:dbId"),
    ("GET", "/dbs/:dbId/download"),
    ("GET", "/readonly/:readonlyId/download"),
    ("GET", "/dbs/:dbId/duplicate"),
    ("GET", "/readonly/:readonlyId/duplicate"),
    ("POST", "/api/dbs/:dbId/vacuum"),
    ("GET", "/dbs/:dbId/regenerate-db-id"),
    ("GET", "/dbs/:dbId/regenerate-readonly-id"),
    ("POST", "/api/tokens"),
    ("GET", "/api/tokens/:tokenId"),
    ("PATCH", "/api/tokens/:tokenId"),
    ("DELETE", "/api/tokens/:tokenId"),
]

DATABASE_FIELDS = {
    "auditing": bool, "createdUtc": str, "description": str, "environment": (str, type(None)),
    "fileFormat": str, "fileName": str, "id": str, "lastModifiedUtc": str,
    "location": (dict, type(None)), "name": str, "owner": str, "readonlyId": str,
    "schemaLocked": bool, "schemaVersion": int, "size": int, "tables": list, "userVersion": int,
    "viewsTab": bool, "visibility": str,
}


class Walkthrough(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The very first user of this fresh server: becomes server admin.
        cls.admin_name = unique("alice")
        r = sign_up(cls.client, cls.admin_name)
        assert r.status == 201, r.describe()
        cls.second_name = unique("bob")
        r = sign_up(cls.client, cls.second_name)
        assert r.status == 201, r.describe()

    def login_ok(self, username):
        r = login(self.client, username)
        self.assertStatus(r, 200, "login")
        return r.body["sessionToken"]

    def check_database_info(self, info, where):
        self.assertIsInstance(info, dict, where)
        missing = sorted(set(DATABASE_FIELDS) - set(info))
        self.assertEqual(missing, [], f"{where}: documented fields missing: {info}")
        for field, typ in DATABASE_FIELDS.items():
            self.assertIsInstance(info[field], typ, f"{where}: field {field!r} has the wrong "
                                  f"type: {info}")
            if typ is int:
                self.assertNotIsInstance(info[field], bool, f"{where}: {field}")
        self.assertRegex(info["createdUtc"], ISO_MS, where)
        self.assertRegex(info["lastModifiedUtc"], ISO_MS, where)
        self.assertRegex(info["id"], ULID, where)
        self.assertIn(info["visibility"], ("private", "public"), where)
        self.assertGreaterEqual(len(info["readonlyId"]), 11,
                                f"{where}: readonly id too short for 64 bits of entropy")
        self.assertNotEqual(info["readonlyId"], info["id"], where)
        self.assertGreater(info["size"], 0, where)

    # ---------------------------------------------------------------------------------------

    def test_01_sign_up_and_login(self):
        r = login(self.client, self.admin_name)
        self.assertStatus(r, 200)
        body = r.body
        self.assertEqual(sorted(body), ["sessionToken", "teams", "username"], r.describe())
        self.assertIsInstance(body["sessionToken"], str)
        self.assertGreaterEqual(len(body["sessionToken"]), 20, r.describe())
        self.assertEqual(body["username"], self.admin_name)
        self.assertEqual(body["teams"], [{"billing": None, "name": self.admin_name,
                                          "numberOfDatabases": 0}], r.describe())
        cookies = r.header_all("Set-Cookie")
        self.assertEqual(len(cookies), 1, r.describe())
        cookie = cookies[0]
        self.assertTrue(cookie.startswith(f"airsql_session={body['sessionToken']};"),
                        f"cookie must carry the session token: {cookie}")
        attrs = [a.strip().lower() for a in cookie.split(";")[1:]]
        self.assertIn("httponly", attrs, cookie)
        self.assertIn("samesite=lax", attrs, cookie)

    def test_02_login_failures(self):
        wrong = login(self.client, self.admin_name, "not the password")
        self.assertJsonError(wrong, 401, "unauthenticated")
        unknown = login(self.client, unique("nobody"), DEFAULT_PASSWORD)
        self.assertJsonError(unknown, 401, "unauthenticated")
        self.assertEqual(wrong.body["errors"][0]["message"], unknown.body["errors"][0]["message"],
                         "unknown user and wrong password must look the same")
        self.assertIsNone(wrong.header("Set-Cookie"), wrong.describe())

    def test_03_sign_up_rules(self):
        name = unique("carol")
        self.assertJsonError(sign_up(self.client, name, "short"), 400, "invalid_argument",
                             msg="password < 8 characters")
        self.assertJsonError(sign_up(self.client, "x", DEFAULT_PASSWORD), 400, "invalid_argument",
                             msg="username of one character")
        self.assertJsonError(sign_up(self.client, name, DEFAULT_PASSWORD, email="no-at-sign"),
                             400, "invalid_argument", msg="bad email")
        self.assertStatus(sign_up(self.client, name), 201)
        self.assertJsonError(sign_up(self.client, name, email=f"other-{name}@example.org"), 409,
                             "already_exists", msg="username taken")
        self.assertJsonError(sign_up(self.client, unique("dave"), email=f"{name}@example.org"),
                             409, "already_exists", msg="email taken")

    def test_04_readme_walkthrough(self):
        c = self.client
        token = self.login_ok(self.admin_name)
        c = c.with_token(token)
        status_before = c.get("/api/status")  # the server admin's view counts databases
        self.assertStatus(status_before, 200)

        # Create a database from SQL.
        name = "My Example DB"
        r = create_db(c, token, self.admin_name, name=name,
                      query="CREATE TABLE users (name TEXT NOT NULL, email TEXT); "
                            "INSERT INTO users (name, email) VALUES ('John', 'john@example.org')")
        self.assertEqual(sorted(r.body), ["id", "ownerName", "ownershipUtc"], r.describe())
        db_id = r.body["id"]
        self.assertRegex(db_id, ULID)
        self.assertEqual(r.body["ownerName"], self.admin_name)
        self.assertRegex(r.body["ownershipUtc"], ISO_MS)

        status_after = c.get("/api/status")
        self.assertEqual(status_after.body["numberOfDatabases"],
                         status_before.body["numberOfDatabases"] + 1, status_after.describe())
        me = c.get(f"/api/users/{self.admin_name}")
        self.assertEqual(me.body["teams"][0]["numberOfDatabases"], 1, me.describe())

        # Run SQL.
        r = c.sql(db_id, "SELECT name, email FROM users")
        body = self.assertSqlOk(r)
        self.assertEqual(sorted(body),
                         ["affectedTables", "errors", "numChanges", "rows", "runtimeSeconds"],
                         r.describe())
        self.assertEqual(body["rows"], [{"name": "John", "email": "john@example.org"}])
        self.assertEqual(body["numChanges"], 0)
        self.assertEqual(body["affectedTables"], [])
        self.assertIsInstance(body["runtimeSeconds"], (int, float))
        self.assertGreaterEqual(body["runtimeSeconds"], 0)

        r = c.sql(db_id, "INSERT INTO users (name, email) VALUES ('Jane', NULL)")
        body = self.assertSqlOk(r)
        self.assertEqual(body["numChanges"], 1, r.describe())
        self.assertEqual(body["affectedTables"], ["users"], r.describe())
        self.assertEqual(body["rows"], [])

        r = c.sql(db_id, "SELECT 0 AS b, 0 AS a")
        self.assertSqlOk(r)
        self.assertIn('{"b":0,"a":0}', r.text.replace(" ", ""),
                      "rows must keep the SELECT column order\n" + r.describe())

        r = c.sql(db_id, "SELECT 1 AS i, 2.5 AS r, 'x' AS t, NULL AS n, x'00ff' AS bl")
        body = self.assertSqlOk(r)
        self.assertEqual(body["rows"], [{"i": 1, "r": 2.5, "t": "x", "n": None,
                                         "bl": {"type": "blob"}}], r.describe())

        r = c.sql(db_id, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        body = self.assertSqlOk(r)
        self.assertEqual(body["affectedTables"], ["notes"], r.describe())

        r = c.sql(db_id, "SELECT * FROM no_such_table")
        self.assertSqlError(r, "no such table")

        # List databases.
        r = c.get("/api/dbs")
        self.assertStatus(r, 200)
        self.assertEqual(sorted(r.body), ["databases", "numberOfDatabases"], r.describe())
        self.assertEqual(r.body["numberOfDatabases"], len(r.body["databases"]))
        listed = [d for d in r.body["databases"] if d["id"] == db_id]
        self.assertEqual(len(listed), 1, r.describe())
        info = listed[0]
        self.check_database_info(info, "GET /api/dbs")
        self.assertEqual(info["name"], name)
        self.assertEqual(info["owner"], self.admin_name)
        self.assertEqual(info["visibility"], "private")
        self.assertEqual(info["fileFormat"], "sqlite")
        self.assertTrue(info["fileName"].endswith(".sqlite"), info)
        self.assertIsNone(info["location"])
        self.assertFalse(info["auditing"])
        self.assertFalse(info["schemaLocked"])
        tables = {t["name"]: t for t in info["tables"]}
        self.assertEqual(sorted(tables), ["notes", "users"], info)
        self.assertEqual(tables["users"]["tableType"], "Table")
        self.assertEqual(tables["users"]["columns"][0],
                         {"name": "name", "sqliteDataType": "TEXT", "isNonNull": True,
                          "isPrimaryKey": False, "isGenerated": False, "defaultValue": None})
        self.assertTrue(tables["notes"]["columns"][0]["isPrimaryKey"], info)

        # One database.
        r = c.get(f"/api/dbs/{db_id}")
        self.assertStatus(r, 200)
        self.check_database_info(r.body, "GET /api/dbs/:id")
        self.assertEqual(r.body["id"], db_id)
        self.assertGreater(r.body["schemaVersion"], 0, r.describe())

        # PATCH with plain values.
        r = c.patch(f"/api/dbs/{db_id}", {
            "name": "Renamed DB", "description": "plain description", "environment": "Staging",
            "viewsTab": True, "location": {"lat": 50, "long": 40, "name": "City X"}})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {})
        info = c.get(f"/api/dbs/{db_id}").body
        self.assertEqual(info["name"], "Renamed DB", info)
        self.assertEqual(info["description"], "plain description", info)
        self.assertEqual(info["environment"], "Staging", info)
        self.assertTrue(info["viewsTab"], info)
        self.assertEqual(info["location"], {"lat": 50, "long": 40, "name": "City X"}, info)

        # PATCH with the tagged form.
        r = c.patch(f"/api/dbs/{db_id}", {"description": {"tag": "TextValue", "contents": "x"},
                                          "environment": {"tag": "TextNull"},
                                          "owner": {"tag": "TextValue",
                                                    "contents": self.admin_name}})
        self.assertStatus(r, 200)
        info = c.get(f"/api/dbs/{db_id}").body
        self.assertEqual(info["description"], "x", info)
        self.assertIsNone(info["environment"], info)
        self.assertEqual(info["owner"], self.admin_name, info)
        self.assertEqual(info["name"], "Renamed DB", "absent fields must stay as they are")
        r = c.patch(f"/api/dbs/{db_id}", {"description": {"tag": "TextNull"}, "location": None})
        self.assertStatus(r, 200)
        info = c.get(f"/api/dbs/{db_id}").body
        self.assertEqual(info["description"], "", info)
        self.assertIsNone(info["location"], info)
        r = c.patch(f"/api/dbs/{db_id}", {"visibility": "public"})
        self.assertStatus(r, 200)
        self.assertEqual(c.get(f"/api/dbs/{db_id}").body["visibility"], "public")
        r = c.patch(f"/api/dbs/{db_id}", {"visibility": "everyone"})
        self.assertJsonError(r, 400, "invalid_argument")

        # The team sees it.
        r = c.get(f"/api/teams/{self.admin_name}")
        self.assertStatus(r, 200)
        self.assertEqual(sorted(r.body), ["billing", "created_utc", "databases", "name"],
                         r.describe())
        self.assertIn(db_id, [d["id"] for d in r.body["databases"]], r.describe())
        r = c.get(f"/api/teams/{self.admin_name}/members")
        self.assertStatus(r, 200)
        self.assertEqual([(m["username"], m["roles"]) for m in r.body["members"]],
                         [(self.admin_name, ["Admin"])], r.describe())

        # DELETE.
        r = c.delete(f"/api/dbs/{db_id}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {})
        self.assertJsonError(c.get(f"/api/dbs/{db_id}"), 404, "not_found")
        self.assertJsonError(c.sql(db_id, "SELECT 1"), 404, "not_found")
        self.assertNotIn(db_id, [d["id"] for d in c.get("/api/dbs").body["databases"]])
        self.assertJsonError(c.delete(f"/api/dbs/{db_id}"), 404, "not_found")
        self.assertEqual(c.get("/api/status").body["numberOfDatabases"],
                         status_before.body["numberOfDatabases"])
        me = c.get(f"/api/users/{self.admin_name}")
        self.assertEqual(me.body["teams"][0]["numberOfDatabases"], 0, me.describe())

    def test_05_status(self):
        r = self.client.get("/api/status", token=None)
        self.assertStatus(r, 200)
        self.assertEqual(r.body.get("status"), "ok", r.describe())
        self.assertRegex(r.body.get("version", ""), r"^\d+\.\d+\.\d+", r.describe())
        self.assertIsInstance(r.body.get("uptimeSeconds"), (int, float), r.describe())
        self.assertGreaterEqual(r.body["uptimeSeconds"], 0)
        # Only server admins learn how many databases the server holds.
        self.assertNotIn("numberOfDatabases", r.body, r.describe())
        admin = self.client.with_token(self.login_ok(self.admin_name))
        r = admin.get("/api/status")
        self.assertIsInstance(r.body.get("numberOfDatabases"), int, r.describe())

    def test_06_docs_list_every_route(self):
        r = self.client.get("/api/docs", token=None)
        self.assertStatus(r, 200)
        self.assertIn("text/html", r.header("Content-Type") or "", r.describe())
        documented = set(re.findall(r'<span class="m">([A-Z]+)</span><code>([^<]+)</code>',
                                    r.text))
        for method, pattern in IMPLEMENTED_ROUTES:
            self.assertIn(pattern, r.text, f"/api/docs does not mention {pattern}")
        # Method and pattern side by side (the page's markup as rendered by the router table).
        self.assertTrue(documented, "no <span class=m>METHOD</span><code>PATTERN</code> found")
        for method, pattern in IMPLEMENTED_ROUTES:
            self.assertIn((method, pattern), documented,
                          f"/api/docs does not list {method} {pattern}")
        # Conversely, every documented route is really routed (no "no route" 404).
        for method, pattern in sorted(documented):
            path = re.sub(r":[A-Za-z]+", "zz", pattern)
            res = self.client.request(method, path, raw_body="{}" if method != "GET" else None,
                                      token=None)
            self.assertNo5xx(res, f"documented {method} {pattern}")
            if res.status == 404:
                self.assertNotIn("no route", res.text, f"documented route {method} {pattern} "
                                 f"is not routed\n{res.describe()}")
        r = self.client.get("/", token=None)
        self.assertStatus(r, 200)
        self.assertIn("/api/docs", r.text)

    def test_07_users(self):
        admin = self.client.with_token(self.login_ok(self.admin_name))
        second = self.client.with_token(self.login_ok(self.second_name))
        r = admin.get(f"/api/users/{self.admin_name}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["serverRoles"], ["admin"], r.describe())
        self.assertEqual(r.body["username"], self.admin_name)
        self.assertEqual([t["name"] for t in r.body["teams"]], [self.admin_name], r.describe())
        r = second.get(f"/api/users/{self.second_name}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["serverRoles"], [], r.describe())
        self.assertEqual(r.body["teams"], [{"billing": None, "name": self.second_name,
                                            "numberOfDatabases": 0}], r.describe())
        # Others are not revealed; server admins see everyone.
        self.assertJsonError(second.get(f"/api/users/{self.admin_name}"), 404, "not_found")
        self.assertJsonError(second.get(f"/api/users/{unique('ghost')}"), 404, "not_found")
        self.assertStatus(admin.get(f"/api/users/{self.second_name}"), 200)
        self.assertJsonError(self.client.get(f"/api/users/{self.second_name}", token=None), 401,
                             "unauthenticated")

    def test_08_logout_invalidates_token(self):
        t1 = self.login_ok(self.second_name)
        t2 = self.login_ok(self.second_name)
        self.assertNotEqual(t1, t2)
        c = self.client
        self.assertStatus(c.get("/api/dbs", token=t1), 200)
        r = c.post("/api/logout", {}, token=t1)
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {})
        cleared = " ".join(r.header_all("Set-Cookie"))
        self.assertIn("airsql_session=;", cleared.replace(" ", ""), r.describe())
        after = c.get("/api/dbs", token=t1)
        self.assertJsonError(after, 401, "unauthenticated")
        self.assertEqual(after.header("WWW-Authenticate"), "Bearer", after.describe())
        self.assertJsonError(c.post("/api/logout", {}, token=t1), 401)
        self.assertJsonError(c.post("/api/logout", {}, token=None), 401, msg="anonymous logout")
        # The other session of the same user lives on.
        self.assertStatus(c.get("/api/dbs", token=t2), 200)

    def test_09_cookie_sessions(self):
        user, token = new_user(self.client)
        c = self.client
        cookie = {"Cookie": f"theme=dark; airsql_session={token}"}
        r = c.get("/api/dbs", token=None, headers=cookie)
        self.assertStatus(r, 200, "cookie-authenticated GET")
        self.assertEqual(r.body["numberOfDatabases"], 0)
        r = c.get(f"/api/users/{user}", token=None, headers=cookie)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["username"], user)

        body = {"name": "cookie db", "team": user}
        for hdrs in ({"Origin": "https://evil.example"},
                     {"Origin": f"http://evil.example:{self.server.port}"},
                     {"Origin": "null"},
                     {"Sec-Fetch-Site": "cross-site"},
                     {"Sec-Fetch-Site": "same-site"},
                     {"Sec-Fetch-Site": "cross-site", "Origin": self.server.url}):
            r = c.post("/api/dbs", body, token=None, headers={**cookie, **hdrs})
            self.assertJsonError(r, 403, "permission_denied", msg=f"cookie POST with {hdrs}")
            r = c.delete(f"/api/teams/{user}/members/{user}", token=None,
                         headers={**cookie, **hdrs})
            self.assertJsonError(r, 403, msg=f"cookie DELETE with {hdrs}")
        r = c.get("/api/dbs", token=None, headers=cookie)
        self.assertEqual(r.body["numberOfDatabases"], 0, "a refused request created something")

        # Same-origin browser requests and non-browser clients are fine.
        r = c.post("/api/dbs", body, token=None, headers={**cookie, "Origin": self.server.url})
        self.assertStatus(r, 201, "cookie POST with same Origin")
        r = c.post("/api/dbs", body, token=None,
                   headers={**cookie, "Sec-Fetch-Site": "same-origin"})
        self.assertStatus(r, 201, "cookie POST with Sec-Fetch-Site same-origin")
        # A bearer token is not ambient: no origin check.
        r = c.post("/api/dbs", body, token=token, headers={"Origin": "https://evil.example"})
        self.assertStatus(r, 201, "bearer POST with foreign Origin")

        # Unknown cookie → 401; API tokens are not accepted as cookies.
        r = c.get("/api/dbs", token=None, headers={"Cookie": "airsql_session=nonsense"})
        self.assertJsonError(r, 401, "unauthenticated")

        # Cookie logout ends the session.
        r = c.post("/api/logout", {}, token=None, headers={**cookie, "Origin": self.server.url})
        self.assertStatus(r, 200)
        self.assertJsonError(c.get("/api/dbs", token=None, headers=cookie), 401)

    def test_10_sql_values_round_trip_as_strict_json(self):
        user, token = new_user(self.client)
        db = new_db(self.client, token, user)
        c = self.client.with_token(token)
        r = c.sql(db, "SELECT 9223372036854775807 AS big, -9223372036854775808 AS small, "
                      "0.1 AS f, 'ünï \"q\" \\ 😀' AS t")
        body = self.assertSqlOk(r)
        self.assertEqual(body["rows"], [{"big": 9223372036854775807,
                                         "small": -9223372036854775808, "f": 0.1,
                                         "t": 'ünï "q" \\ 😀'}], r.describe())
        # SQLite REALs can be infinite; the response must stay valid JSON (RFC 8259 has no
        # Infinity), e.g. null or a string, never the bare token Infinity.
        r = c.sql(db, "SELECT 1e999 AS inf, -1e999 AS ninf")
        self.assertSqlOk(r, "infinite REAL values")
        r = c.sql(db, "CREATE TABLE m (v REAL); INSERT INTO m VALUES (1e999); SELECT v FROM m")
        self.assertSqlOk(r, "infinite REAL read from a table")

    def test_11_private_database_invisible_to_others(self):
        owner, token = new_user(self.client)
        other, other_token = new_user(self.client)
        db_id = new_db(self.client, token, owner, "CREATE TABLE t (x INTEGER)")
        c = self.client
        self.assertNotIn(db_id, [d["id"] for d in c.get("/api/dbs", token=other_token)
                                 .body["databases"]])
        self.assertJsonError(c.get(f"/api/dbs/{db_id}", token=other_token), 404, "not_found")
        self.assertJsonError(c.get(f"/api/dbs/{db_id}", token=None), 404, "not_found")
        self.assertJsonError(c.get("/api/dbs", token=None), 401, "unauthenticated")


class FirstUserRace(ServerTestCase):
    """Concurrent sign-ups on a fresh instance: exactly one becomes server admin."""

    def test_exactly_one_first_admin(self):
        with Server() as server:
            c = server.client()
            names = [unique("racer") for _ in range(6)]
            results = {}
            threads = [threading.Thread(target=lambda n=n: results.__setitem__(n, sign_up(c, n)))
                       for n in names]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            for n in names:
                self.assertStatus(results[n], 201, f"sign-up of {n}")
            roles = {}
            for n in names:
                token = login(c, n).body["sessionToken"]
                roles[n] = c.get(f"/api/users/{n}", token=token).body["serverRoles"]
            admins = [n for n, r in roles.items() if r == ["admin"]]
            self.assertEqual(len(admins), 1, f"server roles after concurrent sign-ups: {roles}")


if __name__ == "__main__":
    unittest.main()
