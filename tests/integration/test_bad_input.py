"""Hostile and malformed input: every answer is a 4xx JSON error (never a 5xx, never a hang or a
crash), and the server keeps serving without losing data."""

import time
import json
import http.client
import socket
import unittest
from urllib.parse import quote

from harness import (Server, ServerModuleTest, ServerTestCase, create_token, login, new_db,
                     new_user, parse_raw_response, raw_exchange, send_large, sign_up,
                     unique)

UNKNOWN_DB = "01aaaaaaaaaaaaaaaaaaaaaaaa"

MALFORMED_BODIES = [
    ("empty", b""),
    ("truncated", b'{"name": "x"'),
    ("single quotes", b"{'name': 'x'}"),
    ("trailing comma", b'{"name": "x",}'),
    ("garbage", b"hello"),
    ("invalid utf-8", b'{"name": "\xff\xfe"}'),
    ("bare bytes", b"\xff\xfe\x00\x01"),
    ("too deep", b"[" * 200 + b"]" * 200),
    ("deep in object", b'{"name": "x", "x": ' + b"[" * 100 + b"]" * 100 + b"}"),
    ("two documents", b"{} {}"),
]
NON_OBJECTS = [b"[]", b"null", b"42", b'"text"', b"true", b'[{"name": "x"}]']


class BadInput(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.user, cls.token = new_user(c)
        cls.member, cls.member_token = new_user(c)
        cls.c = c.with_token(cls.token)
        cls.db = new_db(c, cls.token, cls.user,
                        "CREATE TABLE keep (id INTEGER PRIMARY KEY, v TEXT); "
                        "INSERT INTO keep (v) VALUES ('precious'), ('data')")
        r = create_token(c, cls.token, cls.user, [(cls.db, "read")])
        assert r.status == 201, r.describe()
        cls.api_token_id = r.body["id"]
        cls.json_routes = [
            ("POST", "/api/users"),
            ("POST", "/api/login"),
            ("POST", "/api/dbs"),
            ("PATCH", f"/api/dbs/{cls.db}"),
            ("POST", f"/dbs/{cls.db}/sql"),
            ("POST", "/api/tokens"),
            ("PATCH", f"/api/tokens/{cls.api_token_id}"),
            ("PATCH", f"/api/teams/{cls.user}/members/{cls.member}"),
        ]

    def assert_data_intact(self):
        r = self.c.sql(self.db, "SELECT v FROM keep ORDER BY id")
        body = self.assertSqlOk(r, "the database created first must still be readable")
        self.assertEqual(body["rows"], [{"v": "precious"}, {"v": "data"}], r.describe())
        self.assertStatus(self.c.get(f"/api/dbs/{self.db}"), 200)
        self.assertStatus(login(self.client, self.user), 200)

    # ---------------------------------------------------------------------------------------
    # Bodies

    def test_malformed_json(self):
        for method, path in self.json_routes:
            for label, raw in MALFORMED_BODIES:
                with self.subTest(route=f"{method} {path}", body=label):
                    r = self.c.request(method, path, raw_body=raw)
                    self.assertJsonError(r, 400, "invalid_argument")
        self.assert_data_intact()

    def test_json_that_is_not_an_object(self):
        for method, path in self.json_routes:
            for raw in NON_OBJECTS:
                with self.subTest(route=f"{method} {path}", body=raw):
                    r = self.c.request(method, path, raw_body=raw)
                    self.assertJsonError(r, 400, "invalid_argument", "object")

    def test_missing_required_fields(self):
        cases = [
            ("POST", "/api/users", {"email_address": "a@b.org", "password": "12345678"},
             "username"),
            ("POST", "/api/users", {"username": unique("m"), "password": "12345678"},
             "email_address"),
            ("POST", "/api/users", {"username": unique("m"), "email_address": "m@b.org"},
             "password"),
            ("POST", "/api/login", {"username": self.user}, "password"),
            ("POST", "/api/login", {"password": "12345678"}, "username"),
            ("POST", "/api/dbs", {"team": self.user}, "name"),
            ("POST", "/api/dbs", {"name": "x"}, "team"),
            ("POST", f"/dbs/{self.db}/sql", {}, "query"),
            ("POST", f"/dbs/{self.db}/sql", {"sql": "SELECT 1"}, "query"),
            ("POST", "/api/tokens", {"team_name": self.user, "permissions": []}, "name"),
            ("POST", "/api/tokens", {"name": "t", "permissions": []}, "team_name"),
            ("POST", "/api/tokens", {"name": "t", "team_name": self.user,
                                     "permissions": [{"name": "read"}]}, "db_id"),
            ("PATCH", f"/api/teams/{self.user}/members/{self.member}", {}, "roles"),
        ]
        for method, path, body, field in cases:
            with self.subTest(route=f"{method} {path}", body=body):
                r = self.c.request(method, path, body)
                self.assertJsonError(r, 400, "invalid_argument", field)

    def test_wrong_field_types(self):
        db = f"/api/dbs/{self.db}"
        cases = [
            ("POST", "/api/users", {"username": 5, "email_address": "a@b.org",
                                    "password": "12345678"}),
            ("POST", "/api/users", {"username": ["x"], "email_address": "a@b.org",
                                    "password": "12345678"}),
            ("POST", "/api/login", {"username": self.user, "password": None}),
            ("POST", "/api/login", {"username": {"$ne": ""}, "password": {"$ne": ""}}),
            ("POST", "/api/dbs", {"name": 5, "team": self.user}),
            ("POST", "/api/dbs", {"name": "x", "team": [self.user]}),
            ("POST", "/api/dbs", {"name": "x", "team": self.user, "query": {"sql": "x"}}),
            ("POST", "/api/dbs", {"name": "x", "team": self.user, "fileFormat": 1}),
            ("POST", "/api/dbs", {"name": "x", "team": self.user, "fileFormat": "exe"}),
            ("POST", "/api/dbs", {"name": "", "team": self.user}),
            ("POST", "/api/dbs", {"name": "n" * 101, "team": self.user}),
            ("PATCH", db, {"name": None}),
            ("PATCH", db, {"name": 7}),
            ("PATCH", db, {"name": ""}),
            ("PATCH", db, {"description": 3}),
            ("PATCH", db, {"description": {"tag": "TextValue"}}),
            ("PATCH", db, {"description": {"tag": "Bogus", "contents": "x"}}),
            ("PATCH", db, {"visibility": 1}),
            ("PATCH", db, {"visibility": "world"}),
            ("PATCH", db, {"viewsTab": "yes"}),
            ("PATCH", db, {"auditing": 1}),
            ("PATCH", db, {"schemaLocked": "false"}),
            ("PATCH", db, {"location": "Paris"}),
            ("PATCH", db, {"location": {"lat": 100, "long": 0}}),
            ("PATCH", db, {"location": {"lat": 10}}),
            ("PATCH", db, {"owner": None}),
            ("PATCH", db, {"environment": ["x"]}),
            ("PATCH", db, {"environment": "e" * 101}),
            ("POST", f"/dbs/{self.db}/sql", {"query": 5}),
            ("POST", f"/dbs/{self.db}/sql", {"query": None}),
            ("POST", f"/dbs/{self.db}/sql", {"query": ["SELECT 1"]}),
            ("POST", "/api/tokens", {"name": 1, "team_name": self.user, "permissions": []}),
            ("POST", "/api/tokens", {"name": "t", "team_name": self.user, "permissions": "all"}),
            ("POST", "/api/tokens", {"name": "t", "team_name": self.user,
                                     "permissions": [{"db_id": self.db, "name": "admin"}]}),
            ("POST", "/api/tokens", {"name": "t", "team_name": self.user,
                                     "permissions": [{"db_id": 5, "name": "read"}]}),
            ("POST", "/api/tokens", {"name": "t", "team_name": self.user,
                                     "permissions": ["read"]}),
            ("POST", "/api/tokens", {"name": "t", "team_name": self.user, "permissions": [],
                                     "expiration_utc": "tomorrow"}),
            ("POST", "/api/tokens", {"name": "t", "team_name": self.user, "permissions": [],
                                     "expiration_utc": "2001-01-01T00:00:00Z"}),
            ("POST", "/api/tokens", {"name": "", "team_name": self.user, "permissions": []}),
            ("POST", "/api/tokens", {"name": "t", "team_name": self.user, "permissions": [
                {"db_id": self.db, "name": "read"}, {"db_id": self.db, "name": "write"}]}),
            ("POST", "/api/tokens", {"name": "t", "team_name": self.user, "permissions": [
                {"db_id": UNKNOWN_DB, "name": "read"}]}),
            ("PATCH", f"/api/tokens/{self.api_token_id}", {"name": None}),
            ("PATCH", f"/api/tokens/{self.api_token_id}", {"expiration_utc": 12}),
            ("PATCH", f"/api/tokens/{self.api_token_id}", {"permissions": {"db_id": self.db}}),
            ("PATCH", f"/api/teams/{self.user}/members/{self.member}", {"roles": "Admin"}),
            ("PATCH", f"/api/teams/{self.user}/members/{self.member}", {"roles": ["King"]}),
            ("PATCH", f"/api/teams/{self.user}/members/{self.member}", {"roles": ["admin"]}),
            ("PATCH", f"/api/teams/{self.user}/members/{self.member}", {"roles": [1]}),
            ("PATCH", f"/api/teams/{self.user}/members/{self.member}", {"roles": []}),
        ]
        for method, path, body in cases:
            with self.subTest(route=f"{method} {path}", body=body):
                r = self.c.request(method, path, body)
                self.assertJsonError(r, 400, "invalid_argument")
        # None of it changed anything.
        info = self.c.get(f"/api/dbs/{self.db}").body
        self.assertNotEqual(info["name"], "", info)
        self.assertEqual(info["visibility"], "private", info)
        self.assertIsNone(info["location"], info)
        members = self.c.get(f"/api/teams/{self.user}/members").body["members"]
        self.assertEqual([m["username"] for m in members], [self.user], members)
        self.assert_data_intact()

    def test_sign_up_validation(self):
        for username in ["a", "-leading-dash", "_under", "has space", "semi;colon", "x" * 41,
                         "émile", "a'; DROP TABLE users; --", "../../etc", "a/b"]:
            with self.subTest(username=username):
                r = sign_up(self.client, username)
                self.assertJsonError(r, 400, "invalid_argument", "username")
        for email in ["plain", "@example.org", "a@b", "a@@b.org", "a b@c.org", "a@b.org."]:
            with self.subTest(email=email):
                r = sign_up(self.client, unique("e"), email=email)
                self.assertJsonError(r, 400, "invalid_argument", "email")
        r = sign_up(self.client, unique("p"), "1234567")
        self.assertJsonError(r, 400, "invalid_argument", "password")

    # ---------------------------------------------------------------------------------------
    # Ids, names, paths

    def test_unknown_ids(self):
        cases = [
            ("GET", f"/api/dbs/{UNKNOWN_DB}", None),
            ("PATCH", f"/api/dbs/{UNKNOWN_DB}", {"name": "x"}),
            ("DELETE", f"/api/dbs/{UNKNOWN_DB}", None),
            ("POST", f"/dbs/{UNKNOWN_DB}/sql", {"query": "SELECT 1"}),
            ("GET", "/api/dbs/not-a-ulid", None),
            ("GET", "/api/tokens/999999", None),
            ("PATCH", "/api/tokens/999999", {"name": "x"}),
            ("DELETE", "/api/tokens/999999", None),
            ("GET", "/api/tokens/abc", None),
            ("GET", "/api/tokens/0", None),
            ("GET", "/api/tokens/-1", None),
            ("GET", "/api/tokens/1.5", None),
            ("GET", "/api/tokens/99999999999999999999999", None),
            ("GET", f"/api/teams/{unique('noteam')}", None),
            ("GET", f"/api/teams/{unique('noteam')}/members", None),
            ("GET", f"/api/teams/{unique('noteam')}/tokens", None),
            ("PATCH", f"/api/teams/{self.user}/members/{unique('nouser')}", {"roles": ["Viewer"]}),
            ("DELETE", f"/api/teams/{self.user}/members/{unique('nouser')}", None),
            ("DELETE", f"/api/teams/{self.user}/members/{self.member}", None),
            ("GET", f"/api/users/{unique('nouser')}", None),
            ("POST", "/api/dbs", {"name": "x", "team": unique("noteam")}),
            ("POST", "/api/tokens", {"name": "t", "team_name": unique("noteam"),
                                     "permissions": []}),
        ]
        for method, path, body in cases:
            with self.subTest(route=f"{method} {path}"):
                r = self.c.request(method, path, body)
                self.assertJsonError(r, 404, "not_found")

    def test_sql_injection_in_names(self):
        evil = ["x'); DROP TABLE databases; --", "Robert'); DROP TABLE users;--",
                "\" OR 1=1 --", "name`; DELETE FROM teams; --", "%s%s%n%x", "🦄 ünïcødé",
                "<script>alert(1)</script>"]
        ids = []
        for name in evil:
            with self.subTest(db_name=name):
                r = self.c.post("/api/dbs", {"name": name, "team": self.user,
                                             "query": "CREATE TABLE t (x TEXT)"})
                self.assertStatus(r, 201)
                ids.append(r.body["id"])
                info = self.c.get(f"/api/dbs/{r.body['id']}")
                self.assertStatus(info, 200)
                self.assertEqual(info.body["name"], name, "names are stored verbatim")
                self.assertRegex(info.body["fileName"], r"^[a-z0-9-]+\.sqlite$", info.describe())
        listed = {d["id"]: d["name"] for d in self.c.get("/api/dbs").body["databases"]}
        for db_id, name in zip(ids, evil):
            self.assertEqual(listed.get(db_id), name)
        for team in ["x' OR '1'='1", f"{self.user}' --", f"{self.user}\"; DROP TABLE teams; --",
                     "%", "_", "*"]:
            with self.subTest(team=team):
                r = self.c.post("/api/dbs", {"name": "x", "team": team})
                self.assertJsonError(r, 404, "not_found")
                r = self.c.get(f"/api/teams/{quote(team, safe='')}")
                self.assertJsonError(r, 404, "not_found")
        for username in ["x' OR '1'='1", f"{self.user}' --", "%", "_", "*", f"{self.user}%"]:
            with self.subTest(username=username):
                r = self.c.get(f"/api/users/{quote(username, safe='')}")
                self.assertJsonError(r, 404, "not_found")
                r = login(self.client, username, "' OR '1'='1")
                self.assertJsonError(r, 401, "unauthenticated")
        r = login(self.client, self.user, "' OR '1'='1' --")
        self.assertJsonError(r, 401, "unauthenticated")
        for db_id in ids:
            self.assertStatus(self.c.delete(f"/api/dbs/{db_id}"), 200)
        self.assert_data_intact()

    def test_path_traversal(self):
        paths = [
            ("GET", "/api/dbs/..%2F..%2Fcatalog"),
            ("GET", "/api/dbs/..%2F..%2Fcatalog.sqlite"),
            ("GET", "/api/dbs/../../etc/passwd"),
            ("GET", "/api/dbs/..%2f..%2f..%2f..%2fetc%2fpasswd"),
            ("GET", "/api/dbs/%2e%2e%2f%2e%2e%2fcatalog"),
            ("GET", "/api/dbs/%2e%2e"),
            ("GET", "/api/dbs/.."),
            ("GET", "/api/dbs/."),
            ("GET", f"/api/dbs/{self.db}%2F..%2F{self.db}"),
            ("GET", f"/api/dbs/{self.db}%2Fmain.sqlite"),
            ("GET", "/api/dbs/%2Fetc%2Fpasswd"),
            ("GET", "/api/dbs/..%5C..%5Ccatalog"),
            ("GET", "/api/dbs/%00"),
            ("GET", f"/api/dbs/{self.db}%00"),
            ("GET", "/api/dbs/%252e%252e%252fcatalog"),
            ("DELETE", "/api/dbs/..%2F..%2Fcatalog"),
            ("DELETE", "/api/dbs/..%2Fdatabases"),
            ("PATCH", "/api/dbs/..%2F..%2Fcatalog"),
            ("POST", "/dbs/..%2F..%2Fcatalog/sql"),
            ("POST", "/dbs/..%2Fcatalog/sql"),
            ("POST", "/dbs/../catalog/sql"),
            ("POST", f"/dbs/{self.db}%2F..%2F..%2Fcatalog/sql"),
            ("GET", "/api/teams/..%2F..%2Fcatalog"),
            ("GET", "/api/users/..%2F..%2Fetc%2Fpasswd"),
            ("GET", "/api/tokens/..%2F1"),
            ("GET", "/../../../../etc/passwd"),
            ("GET", "/api/docs/../../etc/passwd"),
        ]
        for method, path in paths:
            with self.subTest(route=f"{method} {path}"):
                body = {"query": "SELECT * FROM sqlite_master"} if method == "POST" else \
                    {"name": "pwned"} if method == "PATCH" else None
                r = self.c.request(method, path, body)
                self.assertJsonError(r, (400, 404))
                self.assertNotIn("root:", r.text)
                self.assertNotIn("CREATE TABLE", r.text)
        self.assert_data_intact()
        self.assertNotEqual(self.c.get(f"/api/dbs/{self.db}").body["name"], "pwned")

    # ---------------------------------------------------------------------------------------
    # Routing

    def test_unknown_route(self):
        for method, path in [("GET", "/api/nothing"), ("GET", "/api"), ("GET", "/api/dbs/"),
                             ("GET", "/api/dbs/x/y/z"), ("POST", "/dbs/x/graphql"),
                             ("GET", "//api/dbs"), ("GET", "/API/DBS"), ("DELETE", "/nothing")]:
            with self.subTest(route=f"{method} {path}"):
                # A valid body, so routes that read it first still get to the missing id.
                body = {"query": "{ __typename }"} if path.endswith("/graphql") else None
                r = self.c.request(method, path, body)
                self.assertJsonError(r, 404, "not_found")

    def test_invalid_utf8_in_paths_still_gives_json(self):
        # Found by the router fuzzer: percent-decoded bytes echoed into error messages.
        for path in ("/api/dbs/%FF", "/api/users/%FF", "/api/teams/%FF", "/api/tokens/%FF",
                     "/dbs/%FF/graphql", "/readonly/%C3%28/graphql"):
            with self.subTest(path=path):
                r = self.c.request("GET", path)
                self.assertIn(r.status, (400, 401, 403, 404), r.describe())
                json.loads(r.text)  # strict: raises on invalid JSON

    def test_head_answers_have_no_body(self):
        # Found by the router fuzzer: error answers to HEAD carried bodies.
        for path in ("/nope", "/api/dbs", f"/dbs/{self.db}/sql", "/api/status"):
            with self.subTest(path=path):
                conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=10)
                conn.request("HEAD", path)
                res = conn.getresponse()
                self.assertEqual(res.read(), b"", f"HEAD {path} -> {res.status}")
                conn.close()

    def test_absolute_form_targets_are_accepted(self):
        # RFC 9112 section 3.2.2: servers must accept absolute-form request targets.
        with socket.create_connection((self.server.host, self.server.port), timeout=10) as s:
            s.sendall(f"GET http://{self.server.host}:{self.server.port}/api/status HTTP/1.1\r\n"
                      f"Host: {self.server.host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])

    def test_wrong_method(self):
        cases = [
            ("DELETE", "/api/status", {"GET"}),
            ("POST", "/api/docs", {"GET"}),
            ("GET", "/api/login", {"POST"}),
            ("PUT", "/api/dbs", {"GET", "POST"}),
            ("PUT", f"/api/dbs/{self.db}", {"GET", "PATCH", "DELETE"}),
            ("GET", f"/dbs/{self.db}/sql", {"POST"}),
            ("GET", "/api/tokens", {"POST"}),
            ("POST", "/api/tokens/1", {"GET", "PATCH", "DELETE"}),
            ("BREW", "/api/status", {"GET"}),
        ]
        for method, path, allowed in cases:
            with self.subTest(route=f"{method} {path}"):
                r = self.c.request(method, path)
                self.assertJsonError(r, 405)
                allow = {m.strip() for m in (r.header("Allow") or "").split(",") if m.strip()}
                self.assertTrue(allowed <= allow, f"Allow must list {allowed}\n{r.describe()}")
        # The refused DELETE did nothing.
        self.assert_data_intact()

    def test_options_preflight(self):
        for path, methods in [("/api/dbs", {"GET", "POST"}),
                              (f"/api/dbs/{self.db}", {"GET", "PATCH", "DELETE"}),
                              (f"/dbs/{self.db}/sql", {"POST"}),
                              (f"/dbs/{self.db}/graphql", {"GET", "POST"})]:
            with self.subTest(path=path):
                r = self.client.request("OPTIONS", path, token=None, headers={
                    "Origin": "https://app.example", "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "authorization, content-type"})
                self.assertStatus(r, 204)
                self.assertEqual(r.raw, b"", r.describe())
                self.assertEqual(r.header("Access-Control-Allow-Origin"), "*", r.describe())
                allow = {m.strip() for m in
                         (r.header("Access-Control-Allow-Methods") or "").split(",")}
                self.assertTrue(methods <= allow, r.describe())
                hdrs = (r.header("Access-Control-Allow-Headers") or "").lower()
                self.assertIn("authorization", hdrs, r.describe())
                self.assertIn("content-type", hdrs, r.describe())
                # Every header the API reads may come from another origin (issue 8).
                self.assertIn("x-airsql-schema", hdrs, r.describe())
                self.assertIn("accept", hdrs, r.describe())
        # Ordinary responses carry the CORS header too.
        r = self.client.get("/api/status", token=None)
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "*", r.describe())

    # ---------------------------------------------------------------------------------------
    # Limits

    def test_sql_too_long(self):
        r = self.c.sql(self.db, "SELECT 1 -- " + "x" * 100_000)
        self.assertJsonError(r, 400, message_contains="too long")
        r = self.c.post("/api/dbs", {"name": "long", "team": self.user,
                                     "query": "SELECT 1 -- " + "x" * 100_000})
        self.assertJsonError(r, 400, message_contains="too long")
        # Exactly at the limit is fine; the limit counts characters, not bytes.
        q = "SELECT 1 AS one -- "
        r = self.c.sql(self.db, q + "x" * (100_000 - len(q)))
        body = self.assertSqlOk(r, "100,000 characters")
        self.assertEqual(body["rows"], [{"one": 1}])
        q = "SELECT length('" + "é" * 99_000 + "') AS n"
        self.assertLess(len(q), 100_000)
        r = self.c.sql(self.db, q)
        body = self.assertSqlOk(r, "99,000 two-byte characters")
        self.assertEqual(body["rows"], [{"n": 99_000}])

    def test_oversize_body_is_413(self):
        size = 4 * 1024 * 1024 + 1024
        body = b'{"query": "SELECT 1 -- ' + b"x" * size + b'"}'
        head = (f"POST /dbs/{self.db}/sql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        data = send_large(self.server.host, self.server.port, head, body)
        self.assertTrue(data, "the server closed the connection without an answer")
        status, headers, text = parse_raw_response(data)
        self.assertEqual(status, 413, f"body of {len(body)} bytes (Content-Length): {data[:500]!r}")
        self.assertIn('"errors"', text)
        self.assertIn('"payload_too_large"', text, data[:500])
        self.assert_data_intact()

    def test_oversize_chunked_body_is_413(self):
        head = (f"POST /dbs/{self.db}/sql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n"
                f"Transfer-Encoding: chunked\r\n\r\n").encode()
        payload = b'{"query": "SELECT 1 -- ' + b"x" * (5 * 1024 * 1024) + b'"}'
        chunks = bytearray()
        for i in range(0, len(payload), 65536):
            part = payload[i:i + 65536]
            chunks += f"{len(part):x}\r\n".encode() + part + b"\r\n"
        chunks += b"0\r\n\r\n"
        data = send_large(self.server.host, self.server.port, head, bytes(chunks))
        self.assertTrue(data, "the server closed the connection without an answer")
        status, _, text = parse_raw_response(data)
        self.assertEqual(status, 413, data[:500])
        self.assertIn('"payload_too_large"', text)
        self.assert_data_intact()

    def test_large_body_under_the_limit_is_read(self):
        # 3 MiB is under the 4 MiB body limit: the request is read and judged by the SQL rules.
        r = self.c.sql(self.db, "SELECT 1 -- " + "x" * (3 * 1024 * 1024))
        self.assertJsonError(r, 400, message_contains="too long")

    def test_oversize_headers_are_431(self):
        r = self.c.get("/api/status", headers={"X-Filler": "a" * 20_000})
        self.assertJsonError(r, 431)
        r = self.c.get("/api/status", headers={f"X-H{i}": "b" * 100 for i in range(200)})
        self.assertJsonError(r, 431)
        r = self.c.get("/api/status?" + "q=" + "c" * 20_000)
        self.assertJsonError(r, 431)
        r = self.c.get("/api/status", headers={"X-Filler": "a" * 8_000})
        self.assertStatus(r, 200, "8 KB of headers are fine")

    # ---------------------------------------------------------------------------------------
    # Credentials

    def test_bad_bearer_tokens(self):
        db = f"/api/dbs/{self.db}"
        bad = ["nonsense", "ast_nonsense", "ast_", self.token + "x", self.token[:-1],
               "x" * 600, "ast_" + "A" * 43, "' OR 1=1 --", "null"]
        for value in bad:
            for method, path in [("GET", "/api/dbs"), ("GET", db),
                                 ("POST", f"/dbs/{self.db}/sql")]:
                with self.subTest(token=value[:20], route=f"{method} {path}"):
                    r = self.c.request(method, path,
                                       {"query": "SELECT 1"} if method == "POST" else None,
                                       token=value)
                    self.assertJsonError(r, 401, "unauthenticated")
                    self.assertEqual(r.header("WWW-Authenticate"), "Bearer", r.describe())
        for header in ["Basic YWxpY2U6cGFzc3dvcmQ=", "Bearer", "Bearer    ", "Token abc",
                       self.token]:
            with self.subTest(authorization=header):
                r = self.c.get("/api/dbs", token=None, headers={"Authorization": header})
                self.assertJsonError(r, 401, "unauthenticated")
        # A readonly id is not a credential.
        ro = self.c.get(db).body["readonlyId"]
        self.assertJsonError(self.c.get(db, token=ro), 401, "unauthenticated")

    # ---------------------------------------------------------------------------------------
    # Raw HTTP

    def test_raw_malformed_requests(self):
        raws = [
            b"GARBAGE\r\n\r\n",
            b"GET\r\n\r\n",
            b"GET / HTTP/9.9\r\n\r\n",
            b"GET / HTTP/1.1 extra\r\n\r\n",
            b"\x00\x01\x02\x03\r\n\r\n",
            b"GET /api/status HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
            b"GET /api/status HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n",
            b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
            b"POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
            b"Content-Length: 7\r\n\r\n12345",
            b"POST /api/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\nhello\r\n0\r\n\r\n",
            b"GET api/status HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /api/dbs/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /api/status HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n",
            b"GET http://evil.example/api/status HTTP/1.1\r\nHost: x\r\n\r\n",
            b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n",
            b"\r\n\r\n\r\n",
        ]
        for raw in raws:
            with self.subTest(request=raw[:60]):
                try:
                    data = raw_exchange(self.server.host, self.server.port, raw, timeout=3)
                except OSError:
                    data = b""  # refused or reset: acceptable, as long as the server lives
                if data:
                    # Possibly several responses (pipelining); check every one is sane.
                    status, headers, text = parse_raw_response(data)
                    self.assertLess(status, 500, data[:500])
                    if status >= 400:
                        self.assertIn("application/json", headers.get("content-type", ""),
                                      data[:500])
                        self.assertIn('"errors"', text, data[:500])
                self.assertTrue(self.server.alive(), "the server died")
        r = self.client.get("/api/status", token=None)
        self.assertStatus(r, 200, "after malformed requests")
        self.assert_data_intact()

    def test_zz_still_healthy(self):
        self.assertTrue(self.server.alive())
        self.assert_data_intact()
        r = self.client.get("/api/status", token=None)
        self.assertStatus(r, 200)


class NulInSql(ServerTestCase):
    """A NUL character inside SQL text must be an error (or at least a prompt answer), not a
    hang: the JSON string "\\u0000" is legal, so any client can send it."""

    def test_nul_character_in_sql(self):
        server = Server(extra_args=["--sql-timeout-ms", "2000"]).start()
        try:
            c = server.client()
            user, token = new_user(c)
            c = c.with_token(token)
            db = new_db(c, token, user, "CREATE TABLE t (x INTEGER)")
            for query in ["SELECT 1\u0000; INSERT INTO t VALUES (1)", "SELECT 2;\u0000",
                          "\u0000"]:
                started = time.monotonic()
                try:
                    r = c.sql(db, query, timeout=6)
                except TimeoutError:
                    server.kill()
                    self.fail(f"POST /dbs/:id/sql with {query!r} got no answer within 6 s "
                              "(the server hangs on a NUL character in the SQL text)")
                self.assertLess(time.monotonic() - started, 6)
                self.assertNo5xx(r)
                if r.status == 200:
                    self.assertIsInstance(r.body.get("errors"), list, r.describe())
                else:
                    self.assertJsonError(r, 400)
            r = c.sql(db, "INSERT INTO t VALUES (42); SELECT count(*) AS n FROM t WHERE x = 1",
                      timeout=6)
            body = self.assertSqlOk(r, "the database must stay writable")
            self.assertEqual(body["rows"], [{"n": 0}], "text after a NUL must not run")
            server.stop()
        finally:
            if server.alive():
                server.kill()
            server.cleanup()


if __name__ == "__main__":
    unittest.main()
