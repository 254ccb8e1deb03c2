"""Whole databases as files through the real server: upload (SQLite, SQL script), replace,
download (byte for byte, consistent while writers go on), duplicate, vacuum, new ids, bad
uploads and multipart errors, and who may do what."""

import os
import sqlite3
import tempfile
import threading
import uuid

from harness import (ServerModuleTest, create_token, new_db, new_user, set_roles, unique)


def multipart(parts, boundary=None):
    """Encodes form parts: (name, value) or (name, filename, content_type, bytes)."""
    boundary = boundary or "----airsql" + uuid.uuid4().hex
    out = b""
    for part in parts:
        out += f"--{boundary}\r\n".encode()
        if len(part) == 2:
            name, value = part
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            out += value.encode() if isinstance(value, str) else value
        else:
            name, filename, ctype, data = part
            out += (f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: {ctype}\r\n\r\n").encode()
            out += data
        out += b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def sqlite_bytes(script, page_size=4096, wal=False):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "x.sqlite")
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA page_size = {page_size}")
        if wal:
            conn.execute("PRAGMA journal_mode = WAL")
        conn.executescript(script)
        conn.commit()
        if wal:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.close()
        with open(path, "rb") as f:
            return f.read()


class DatabaseFiles(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.owner_name, cls.owner = new_user(c, unique("own"))
        cls.viewer_name, cls.viewer = new_user(c, unique("vie"))
        cls.other_name, cls.other = new_user(c, unique("oth"))
        assert set_roles(c, cls.owner, cls.owner_name, cls.viewer_name, ["Viewer"]).status == 200

    def upload(self, data, filename="people.sqlite", token=..., fields=(), path="/dbs",
               method="POST", ctype="application/octet-stream"):
        body, content_type = multipart([*fields, ("file", filename, ctype, data)])
        tok = self.owner if token is ... else token
        return self.client.request(method, path, raw_body=body, token=tok,
                                   headers={"Content-Type": content_type})

    def download(self, db_id, token=...):
        tok = self.owner if token is ... else token
        return self.client.get(f"/dbs/{db_id}/download", token=tok)

    def db_folder_count(self):
        return len(os.listdir(os.path.join(self.server.data_dir, "databases")))

    # -- upload and download

    def test_sqlite_upload_downloads_byte_for_byte(self):
        for page_size, wal in ((512, False), (4096, False), (65536, False), (8192, True)):
            with self.subTest(page_size=page_size, wal=wal):
                data = sqlite_bytes("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT);"
                                    "INSERT INTO people (name) VALUES ('Ada'), ('Grace');",
                                    page_size, wal)
                r = self.upload(data, fields=[("name", "People")])
                self.assertStatus(r, 201)
                db = r.body["id"]
                self.assertEqual(r.body["ownerName"], self.owner_name)
                got = self.download(db)
                self.assertStatus(got, 200)
                self.assertEqual(got.header("Content-Type"), "application/vnd.sqlite3")
                self.assertIn('filename="People.sqlite"', got.header("Content-Disposition"))
                self.assertEqual(got.raw, data, "an unwritten upload must come back unchanged")
                rows = self.client.sql(db, "SELECT name FROM people ORDER BY id",
                                       token=self.owner).body["rows"]
                self.assertEqual(rows, [{"name": "Ada"}, {"name": "Grace"}])
                # GraphQL serves it at once.
                g = self.client.post(f"/dbs/{db}/graphql", {"query": "{ people { name } }"},
                                     token=self.owner)
                self.assertEqual(g.body["data"]["people"], [{"name": "Ada"}, {"name": "Grace"}])

    def test_download_after_writes_is_a_valid_snapshot(self):
        db = new_db(self.client, self.owner, self.owner_name,
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        for i in range(20):
            self.client.sql(db, f"INSERT INTO t (v) VALUES ('{i}')", token=self.owner)
        got = self.download(db)
        self.assertStatus(got, 200)
        with tempfile.NamedTemporaryFile(suffix=".sqlite") as f:
            f.write(got.raw)
            f.flush()
            conn = sqlite3.connect(f.name)
            self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            self.assertEqual(conn.execute("SELECT count(*) FROM t").fetchone()[0], 20)
            conn.close()

    def test_download_while_writers_insert(self):
        db = new_db(self.client, self.owner, self.owner_name,
                    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        self.client.sql(db, "INSERT INTO t (v) SELECT hex(randomblob(200)) FROM "
                            "(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
                            "WHERE x < 20000) SELECT x FROM c)", token=self.owner)
        stop = threading.Event()
        errors = []

        def writer():
            while not stop.is_set():
                r = self.client.sql(db, "INSERT INTO t (v) VALUES ('w')", token=self.owner)
                if r.status != 200 or r.body["errors"]:
                    errors.append(r.describe())

        threads = [threading.Thread(target=writer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            snapshots = [self.download(db) for _ in range(3)]
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(errors, [])
        for got in snapshots:
            self.assertStatus(got, 200)
            with tempfile.NamedTemporaryFile(suffix=".sqlite") as f:
                f.write(got.raw)
                f.flush()
                conn = sqlite3.connect(f.name)
                self.assertEqual(conn.execute("PRAGMA integrity_check").fetchone()[0], "ok")
                self.assertGreaterEqual(conn.execute("SELECT count(*) FROM t").fetchone()[0], 20000)
                conn.close()

    def test_sql_script_upload(self):
        r = self.upload(b"CREATE TABLE s (x INTEGER); INSERT INTO s VALUES (7);",
                        filename="seed.sql", ctype="application/sql")
        self.assertStatus(r, 201)
        rows = self.client.sql(r.body["id"], "SELECT x FROM s", token=self.owner).body["rows"]
        self.assertEqual(rows, [{"x": 7}])
        info = self.client.get(f"/api/dbs/{r.body['id']}", token=self.owner).body
        self.assertEqual(info["name"], "seed")
        self.assertEqual(info["fileFormat"], "sql")
        # A failing script creates nothing; confined like the SQL endpoint.
        before = self.db_folder_count()
        for script in (b"CREATE TABLE a (x); INSERT INTO nope VALUES (1);",
                       b"ATTACH DATABASE '/etc/passwd' AS p;"):
            r = self.upload(script, filename="bad.sql")
            self.assertJsonError(r, 400)
        self.assertEqual(self.db_folder_count(), before)

    def test_csv_upload_becomes_a_typed_table(self):
        csv = "\ufeffname,age,score\r\nAda,36,1.5\r\n\"Hopper, Grace\",85,\r\n".encode()
        r = self.upload(csv, filename="people.csv", ctype="text/csv", fields=[("name", "Folks")])
        self.assertStatus(r, 201)
        db = r.body["id"]
        info = self.client.get(f"/api/dbs/{db}", token=self.owner).body
        self.assertEqual(info["fileFormat"], "csv")
        self.assertEqual(info["name"], "Folks")
        cols = {c["name"]: c["sqliteDataType"] for c in info["tables"][0]["columns"]}
        self.assertEqual(info["tables"][0]["name"], "people")
        self.assertEqual(cols, {"name": "TEXT", "age": "INTEGER", "score": "REAL"})
        g = self.client.post(f"/dbs/{db}/graphql", {"query": "{ people { name age score } }"},
                             token=self.owner)
        self.assertEqual(g.body["data"]["people"],
                         [{"name": "Ada", "age": 36, "score": 1.5},
                          {"name": "Hopper, Grace", "age": 85, "score": None}])
        before = self.db_folder_count()
        r = self.upload(b"a,b\n1,2\n3\n", filename="ragged.csv")
        self.assertJsonError(r, 400)
        self.assertIn("line 3", r.body["errors"][0]["message"])
        self.assertEqual(self.db_folder_count(), before)

    def test_bad_files_are_refused_and_leave_nothing(self):
        good = sqlite_bytes("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        page = int.from_bytes(good[16:18], "big")
        corrupt = bytearray(sqlite_bytes("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a');"
                                         "CREATE INDEX ti ON t(x);"))
        corrupt[page * 2 + 8: page * 2 + 40] = b"\xff" * 32  # damage a b-tree page
        fk_broken = sqlite_bytes("CREATE TABLE p (id INTEGER PRIMARY KEY);"
                                 "CREATE TABLE c (p_id INTEGER REFERENCES p(id));"
                                 "INSERT INTO c VALUES (42);")
        before = self.db_folder_count()
        cases = [
            (b"hello, not a database", "data.sqlite", "not a SQLite database"),
            (os.urandom(8192), "encrypted.db", "not a SQLite database"),
            (good[: len(good) - 100], "cut.sqlite", "truncated"),
            (good[:page], "halved.sqlite", None),
            (bytes(corrupt), "damaged.sqlite", "damaged"),
            (fk_broken, "fk.sqlite", "foreign key"),
            (b"\x00\x01binary", "photo.png", "cannot become a database"),
            (b"whatever", "", "cannot tell"),
        ]
        for data, name, message in cases:
            with self.subTest(file=name):
                r = self.upload(data, filename=name)
                if name == "halved.sqlite" and r.status == 201:
                    continue  # one page of a one-table file may be a complete database
                self.assertJsonError(r, 400)
                if message:
                    self.assertIn(message, r.body["errors"][0]["message"])
        self.assertEqual(self.db_folder_count() - before,
                         0, "a refused upload left a database folder behind")

    def test_multipart_errors(self):
        data = sqlite_bytes("CREATE TABLE t (x)")
        good, ctype = multipart([("file", "a.sqlite", "application/octet-stream", data)])
        boundary = ctype.split("boundary=")[1]
        cases = {
            "no boundary parameter": (good, "multipart/form-data"),
            "wrong boundary": (good, "multipart/form-data; boundary=nothere"),
            "truncated body": (good[: len(good) // 2], ctype),
            "no closing boundary": (good.replace(f"--{boundary}--".encode(), b""), ctype),
            "no file": (multipart([("name", "x")], boundary)[0], ctype),
            "two files": (multipart([("a", "a.sqlite", "x/y", data), ("b", "b.sqlite", "x/y", data)],
                                    boundary)[0], ctype),
            "huge part header": (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                                 f"filename=\"{'x' * 20000}\"\r\n\r\n".encode() + data +
                                 f"\r\n--{boundary}--\r\n".encode(), ctype),
        }
        for label, (body, content_type) in cases.items():
            with self.subTest(case=label):
                r = self.client.request("POST", "/dbs", raw_body=body, token=self.owner,
                                        headers={"Content-Type": content_type})
                self.assertJsonError(r, 400)
        # Many parts.
        body, ctype2 = multipart([(f"f{i}", "v") for i in range(40)] +
                                 [("file", "a.sqlite", "x/y", data)])
        r = self.client.request("POST", "/dbs", raw_body=body, token=self.owner,
                                headers={"Content-Type": ctype2})
        self.assertJsonError(r, 400)
        self.assertIn("parts", r.body["errors"][0]["message"])

    def test_raw_body_upload_with_filename(self):
        data = sqlite_bytes("CREATE TABLE raw (x); INSERT INTO raw VALUES (3);")
        r = self.client.request("POST", "/dbs?filename=raw.sqlite&name=Raw", raw_body=data,
                                token=self.owner,
                                headers={"Content-Type": "application/vnd.sqlite3"})
        self.assertStatus(r, 201)
        self.assertEqual(self.download(r.body["id"]).raw, data)

    # -- replace, duplicate, vacuum, new ids

    def test_replace_is_atomic_and_graphql_follows(self):
        db = self.upload(sqlite_bytes("CREATE TABLE old_t (a TEXT); INSERT INTO old_t VALUES ('o');"),
                         filename="v1.sqlite").body["id"]
        q = self.client.post(f"/dbs/{db}/graphql", {"query": "{ old_t { a } }"}, token=self.owner)
        self.assertEqual(q.body["data"]["old_t"], [{"a": "o"}])
        new = sqlite_bytes("CREATE TABLE new_t (b INTEGER); INSERT INTO new_t VALUES (5);")
        r = self.upload(new, filename="v2.sqlite", path=f"/dbs/{db}", method="PUT")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["id"], db)
        q = self.client.post(f"/dbs/{db}/graphql", {"query": "{ new_t { b } }"}, token=self.owner)
        self.assertEqual(q.body["data"]["new_t"], [{"b": 5}])
        q = self.client.post(f"/dbs/{db}/graphql", {"query": "{ old_t { a } }"}, token=self.owner)
        self.assertIn("errors", q.body)
        self.assertEqual(self.download(db).raw, new)
        # A bad replacement changes nothing.
        r = self.upload(b"garbage", filename="v3.sqlite", path=f"/dbs/{db}", method="PUT")
        self.assertJsonError(r, 400)
        self.assertEqual(self.download(db).raw, new)

    def test_duplicate_keeps_file_cells_and_their_names(self):
        db = new_db(self.client, self.owner, self.owner_name,
                    "CREATE TABLE docs (id INTEGER PRIMARY KEY, content BLOB); "
                    "INSERT INTO docs (id) VALUES (1)")
        body, ctype = multipart([("file", "report.pdf", "application/pdf", b"%PDF-1.4 hello")])
        r = self.client.request("PUT", f"/api/dbs/{db}/tables/docs/columns/content/files/id/1",
                                raw_body=body, token=self.owner, headers={"Content-Type": ctype})
        self.assertStatus(r, 200)
        copy = self.client.get(f"/dbs/{db}/duplicate", token=self.owner).body["id"]
        got = self.client.get(f"/api/dbs/{copy}/tables/docs/columns/content/files/id/1",
                              token=self.owner)
        self.assertStatus(got, 200)
        self.assertEqual(got.raw, b"%PDF-1.4 hello")
        self.assertEqual(got.header("Content-Type"), "application/pdf")
        self.assertIn("report.pdf", got.header("Content-Disposition"))

    def test_locked_schema_refuses_replacement_not_vacuum(self):
        data = sqlite_bytes("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        db = self.upload(data, filename="locked.sqlite").body["id"]
        r = self.client.patch(f"/api/dbs/{db}/settings", {"schemaLocked": True}, token=self.owner)
        self.assertStatus(r, 200)
        other = sqlite_bytes("CREATE TABLE u (y);")
        r = self.upload(other, filename="other.sqlite", path=f"/dbs/{db}", method="PUT")
        self.assertJsonError(r, 409)
        self.assertIn("locked", r.body["errors"][0]["message"])
        self.assertEqual(self.download(db).raw, data)
        self.assertStatus(self.client.post(f"/api/dbs/{db}/vacuum", {}, token=self.owner), 200)

    def test_audit_records_replacements_and_schema_changes(self):
        db = self.upload(sqlite_bytes("CREATE TABLE t (x TEXT)"), filename="audited.sqlite").body["id"]
        self.assertStatus(self.client.patch(f"/api/dbs/{db}/settings", {"auditing": True},
                                            token=self.owner), 200)
        r = self.upload(sqlite_bytes("CREATE TABLE t (x TEXT, y INTEGER)"), filename="v2.sqlite",
                        path=f"/dbs/{db}", method="PUT")
        self.assertStatus(r, 200)
        r = self.client.request("PUT", f"/api/dbs/{db}/tables/t/columns/z",
                                {"sqliteDataType": "REAL"}, token=self.owner)
        self.assertStatus(r, 200)
        entries = self.client.get(f"/api/dbs/{db}/audit", token=self.owner).body["entries"]
        ops = [e["operation"] for e in entries]
        self.assertIn("REPLACE", ops)
        self.assertIn("SCHEMA", ops)
        schema = next(e for e in entries if e["operation"] == "SCHEMA")
        self.assertIn("z", str(schema["newValues"]))
        self.assertIn(self.owner_name, str(schema["principal"]))
        replace = next(e for e in entries if e["operation"] == "REPLACE")
        self.assertEqual(replace["newValues"]["fileName"], "v2.sqlite")

    def test_replace_while_readers_read(self):
        a = sqlite_bytes("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('A'), ('A');")
        b = sqlite_bytes("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('B'), ('B');")
        db = self.upload(a, filename="ab.sqlite").body["id"]
        stop = threading.Event()
        seen, bad = set(), []

        def reader():
            while not stop.is_set():
                r = self.client.sql(db, "SELECT group_concat(v, '') AS s FROM t", token=self.owner)
                if r.status == 200 and not r.body["errors"]:
                    s = r.body["rows"][0]["s"]
                    seen.add(s)
                    if s not in ("AA", "BB"):
                        bad.append(s)
                elif r.status != 503:
                    bad.append(r.describe())

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            for i in range(6):
                r = self.upload(b if i % 2 == 0 else a, filename="ab.sqlite", path=f"/dbs/{db}",
                                method="PUT")
                self.assertStatus(r, 200)
        finally:
            stop.set()
            for t in threads:
                t.join()
        self.assertEqual(bad, [])
        self.assertEqual(seen, {"AA", "BB"})

    def test_duplicate_vacuum_and_new_ids(self):
        db = new_db(self.client, self.owner, self.owner_name,
                    "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1), (2);")
        r = self.client.get(f"/dbs/{db}/duplicate", token=self.owner)
        self.assertStatus(r, 201)
        copy = r.body["id"]
        self.assertNotEqual(copy, db)
        self.assertEqual(self.client.sql(copy, "SELECT sum(x) AS s FROM t",
                                         token=self.owner).body["rows"], [{"s": 3}])
        # The copy is independent.
        self.client.sql(copy, "DELETE FROM t", token=self.owner)
        self.assertEqual(self.client.sql(db, "SELECT count(*) AS n FROM t",
                                         token=self.owner).body["rows"], [{"n": 2}])
        # Duplicate through a read-only id into another user's own team.
        ro = self.client.get(f"/api/dbs/{db}", token=self.owner).body["readonlyId"]
        r = self.client.get(f"/readonly/{ro}/duplicate", token=self.other)
        self.assertStatus(r, 201)
        self.assertEqual(r.body["ownerName"], self.other_name)
        self.assertStatus(self.client.get(f"/readonly/{ro}/duplicate", token=None), 401)
        # Read-only download.
        self.assertStatus(self.client.get(f"/readonly/{ro}/download", token=None), 200)

        self.assertStatus(self.client.post(f"/api/dbs/{db}/vacuum", {}, token=self.owner), 200)

        r = self.client.get(f"/dbs/{db}/regenerate-readonly-id", token=self.owner)
        self.assertStatus(r, 200)
        new_ro = r.body["readonlyId"]
        self.assertNotEqual(new_ro, ro)
        q = {"query": "{ t { x } }"}
        self.assertStatus(self.client.post(f"/readonly/{ro}/graphql", q, token=None), 404)
        self.assertStatus(self.client.get(f"/readonly/{ro}/download", token=None), 404)
        self.assertEqual(len(self.client.post(f"/readonly/{new_ro}/graphql", q,
                                              token=None).body["data"]["t"]), 2)

        self.client.post(f"/dbs/{db}/graphql", q, token=self.owner)  # warm caches
        r = self.client.get(f"/dbs/{db}/regenerate-db-id", token=self.owner)
        self.assertStatus(r, 200)
        new_id = r.body["id"]
        self.assertNotEqual(new_id, db)
        self.assertStatus(self.client.post(f"/dbs/{db}/graphql", q, token=self.owner), 404)
        self.assertStatus(self.client.sql(db, "SELECT 1", token=self.owner), 404)
        self.assertStatus(self.download(db), 404)
        self.assertEqual(len(self.client.post(f"/dbs/{new_id}/graphql", q,
                                              token=self.owner).body["data"]["t"]), 2)
        ids = [d["id"] for d in self.client.get("/api/dbs", token=self.owner).body["databases"]]
        self.assertIn(new_id, ids)
        self.assertNotIn(db, ids)

    def test_size_caps(self):
        # The server's upload cap: 413 before the body is stored.
        with self.server.__class__(extra_args=["--max-upload-bytes", "20000"]) as small:
            c = small.client()
            name, tok = new_user(c, unique("cap"))
            body, ctype = multipart([("file", "big.sqlite", "x/y", b"\0" * 50000)])
            r = c.request("POST", "/dbs", raw_body=body, token=tok, headers={"Content-Type": ctype})
            self.assertJsonError(r, 413)
            self.assertEqual(os.listdir(os.path.join(small.data_dir, "tmp")), [])

    def test_disk_space_guard(self):
        # A server that must keep an exabyte free can store nothing: every file a request
        # would write is refused with 507 before it is written.
        with self.server.__class__(extra_args=["--min-free-disk-bytes", str(10**18)]) as full:
            c = full.client()
            name, tok = new_user(c, unique("dsk"))
            db = new_db(c, tok, name, "CREATE TABLE t (x); INSERT INTO t VALUES (1)")
            body, ctype = multipart([("file", "a.sqlite", "x/y", sqlite_bytes("CREATE TABLE t (x)"))])
            def refused(res):  # by hand: assertJsonError refuses every 5xx
                self.assertEqual(res.status, 507, res.describe())
                self.assertEqual(res.body["errors"][0]["code"], "resource_exhausted")
                self.assertIn("disk space", res.body["errors"][0]["message"])

            refused(c.request("POST", "/dbs", raw_body=body, token=tok,
                              headers={"Content-Type": ctype}))
            for path in (f"/dbs/{db}/download", f"/dbs/{db}/duplicate",
                         f"/api/dbs/{db}/tables/t/export"):
                with self.subTest(path=path):
                    refused(c.get(path, token=tok))
            self.assertEqual(os.listdir(os.path.join(full.data_dir, "tmp")), [])
            self.assertEqual(len(os.listdir(os.path.join(full.data_dir, "databases"))), 2,
                             "only the database and the staging folder")
            # Everything else still works.
            self.assertEqual(c.sql(db, "SELECT x FROM t", token=tok).body["rows"], [{"x": 1}])

    # -- who may do what

    def test_authorization(self):
        c = self.client
        db = new_db(c, self.owner, self.owner_name, "CREATE TABLE t (x); INSERT INTO t VALUES (1)")
        ro = c.get(f"/api/dbs/{db}", token=self.owner).body["readonlyId"]
        toks = {}
        for perm in ("read", "write", "writeonly", "insertonly"):
            r = create_token(c, self.owner, self.owner_name, [(db, perm)], name=unique(perm))
            toks[perm] = r.body["body"]
        data = sqlite_bytes("CREATE TABLE t (x); INSERT INTO t VALUES (1)")
        principals = {"anon": None, "other": self.other, "viewer": self.viewer,
                      **{f"tok_{k}": v for k, v in toks.items()}}
        expected_download = {"anon": 404, "other": 404, "viewer": 200, "tok_read": 200,
                             "tok_write": 200, "tok_writeonly": (403, 404),
                             "tok_insertonly": (403, 404)}
        for p, tok in principals.items():
            with self.subTest(route="download", principal=p):
                self.assertStatus(c.get(f"/dbs/{db}/download", token=tok), expected_download[p])
            # Write tokens hold the schema capability (like the SQL endpoint's DDL).
            schema_ok = 200 if p == "tok_write" else (401, 403, 404)
            with self.subTest(route="replace", principal=p):
                r = self.upload(data, filename="r.sqlite", path=f"/dbs/{db}", method="PUT",
                                token=tok)
                self.assertStatus(r, schema_ok)
            with self.subTest(route="vacuum", principal=p):
                self.assertStatus(c.post(f"/api/dbs/{db}/vacuum", {}, token=tok), schema_ok)
            for route in ("regenerate-db-id", "regenerate-readonly-id"):
                with self.subTest(route=route, principal=p):
                    self.assertStatus(c.get(f"/dbs/{db}/{route}", token=tok), (401, 403, 404))
            with self.subTest(route="upload", principal=p):
                r = self.upload(data, filename="n.sqlite", token=tok,
                                fields=[("team", self.owner_name)])
                self.assertStatus(r, (401, 403, 404))
        # The read-only link may download and duplicate (as a signed-in user), never write.
        self.assertStatus(c.get(f"/readonly/{ro}/download", token=None), 200)
        r = c.request("PUT", f"/readonly/{ro}", raw_body=b"x", token=None)
        self.assertStatus(r, (404, 405))
        # Cross-site GET links that change state are refused for cookie sessions.
        r = c.get(f"/dbs/{db}/regenerate-readonly-id", token=None,
                  headers={"Cookie": f"airsql_session={self.owner}",
                           "Sec-Fetch-Site": "cross-site"})
        self.assertStatus(r, (401, 403))
        self.assertEqual(c.get(f"/api/dbs/{db}", token=self.owner).body["readonlyId"], ro)
        # Nothing changed.
        self.assertEqual(c.sql(db, "SELECT x FROM t", token=self.owner).body["rows"], [{"x": 1}])
