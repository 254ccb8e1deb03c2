"""Running user SQL safely: a runaway query is interrupted at the configured deadline while the
server keeps serving; confinement refuses ATTACH/DETACH, extensions, unsafe pragmas,
transaction control and VACUUM; a script is one transaction; airsql's table rules (no WITHOUT
ROWID, no foreign keys to a rowid) hold."""

import glob
import os
import threading
import time
import unittest

from harness import ServerModuleTest, new_db, new_user, set_roles

RUNAWAY = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c"
TIMEOUT_WORDS = ("timed out", "time-out", "timeout", "time limit", "deadline")
SQL_TIMEOUT_S = 1.5
MAX_ANSWER_S = 6.0


class Runaway(ServerModuleTest):
    server_args = ("--sql-timeout-ms", str(int(SQL_TIMEOUT_S * 1000)))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.c = cls.client.with_token(cls.token)

    def fresh_db(self, query="CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER UNIQUE); "
                             "CREATE TABLE log (msg TEXT)"):
        return new_db(self.client, self.token, self.user, query)

    def count(self, db, table, where="1"):
        r = self.c.sql(db, f"SELECT count(*) AS n FROM {table} WHERE {where}")
        return self.assertSqlOk(r, f"count {table}")["rows"][0]["n"]

    def table_exists(self, db, name):
        r = self.c.sql(db, f"SELECT count(*) AS n FROM sqlite_master WHERE name = '{name}'")
        return self.assertSqlOk(r)["rows"][0]["n"] > 0

    # ---------------------------------------------------------------------------------------
    # Deadline

    def timed_sql(self, db, query, token=...):
        started = time.monotonic()
        r = self.c.sql(db, query, token=token, timeout=MAX_ANSWER_S + 30)
        return r, time.monotonic() - started

    def test_runaway_query_is_interrupted(self):
        db = self.fresh_db()
        other_db = self.fresh_db()
        self.assertSqlOk(self.c.sql(other_db, "INSERT INTO t (n) VALUES (1)"))
        result = {}

        def run():
            result["response"], result["elapsed"] = self.timed_sql(db, RUNAWAY)

        worker = threading.Thread(target=run)
        worker.start()
        time.sleep(0.3)
        # Meanwhile the server answers other requests promptly.
        meanwhile = []
        while worker.is_alive() and len(meanwhile) < 20:
            t0 = time.monotonic()
            status = self.client.get("/api/status", token=None, timeout=5)
            other = self.c.sql(other_db, "SELECT n FROM t", timeout=5)
            meanwhile.append(time.monotonic() - t0)
            self.assertStatus(status, 200, "GET /api/status during a runaway query")
            self.assertEqual(self.assertSqlOk(other, "SQL on another database meanwhile")
                             ["rows"], [{"n": 1}])
            time.sleep(0.1)
        worker.join(MAX_ANSWER_S + 35)
        self.assertIn("response", result, "the runaway request never returned")
        self.assertTrue(meanwhile, "the runaway query returned before anything else was tried")
        self.assertLess(max(meanwhile), 1.5,
                        f"other requests were slow during the runaway query: {meanwhile}")
        r, elapsed = result["response"], result["elapsed"]
        self.assertSqlError(r, TIMEOUT_WORDS, "runaway recursive CTE")
        self.assertLess(elapsed, MAX_ANSWER_S, f"answer took {elapsed:.1f}s with a "
                        f"{SQL_TIMEOUT_S}s limit")
        self.assertGreaterEqual(elapsed, SQL_TIMEOUT_S * 0.9, "interrupted before the deadline")
        # The database is usable right away.
        self.assertSqlOk(self.c.sql(db, "INSERT INTO t (n) VALUES (7)", timeout=5))
        self.assertEqual(self.count(db, "t"), 1)

    def test_timeout_rolls_back_the_script(self):
        db = self.fresh_db()
        r, elapsed = self.timed_sql(db, "INSERT INTO t (n) VALUES (99); " + RUNAWAY)
        self.assertSqlError(r, TIMEOUT_WORDS)
        self.assertLess(elapsed, MAX_ANSWER_S)
        self.assertEqual(r.body["numChanges"], 0, r.describe())
        self.assertEqual(self.count(db, "t"), 0, "the INSERT before the time-out was kept")

    def test_runaway_read_only_principal(self):
        db = self.fresh_db()
        viewer, viewer_token = new_user(self.client)
        self.assertStatus(set_roles(self.client, self.token, self.user, viewer, ["Viewer"]), 200)
        r, elapsed = self.timed_sql(db, RUNAWAY, token=viewer_token)
        self.assertSqlError(r, TIMEOUT_WORDS, "runaway query of a Viewer (read connection)")
        self.assertLess(elapsed, MAX_ANSWER_S)

    def test_concurrent_runaways(self):
        dbs = [self.fresh_db(), self.fresh_db()]
        results = [None, None]

        def run(i):
            results[i] = self.timed_sql(dbs[i], RUNAWAY)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        self.assertStatus(self.client.get("/api/status", token=None, timeout=5), 200)
        self.assertLess(time.monotonic() - t0, 1.5, "status was slow during two runaways")
        for t in threads:
            t.join(MAX_ANSWER_S + 35)
        for r, elapsed in results:
            self.assertSqlError(r, TIMEOUT_WORDS)
            self.assertLess(elapsed, MAX_ANSWER_S)

    def test_reads_run_beside_a_runaway_writer(self):
        # Reads run on pooled read connections (WAL): a Viewer's SELECT on the same database is
        # answered while the owner's runaway script holds the writer.
        db = self.fresh_db()
        self.assertSqlOk(self.c.sql(db, "INSERT INTO t (n) VALUES (5)"))
        viewer, viewer_token = new_user(self.client)
        self.assertStatus(set_roles(self.client, self.token, self.user, viewer, ["Viewer"]), 200)
        out = {}
        worker = threading.Thread(target=lambda: out.setdefault("r", self.timed_sql(db, RUNAWAY)))
        worker.start()
        time.sleep(0.3)
        t0 = time.monotonic()
        r = self.c.sql(db, "SELECT n FROM t", token=viewer_token, timeout=10)
        elapsed = time.monotonic() - t0
        still_running = worker.is_alive()
        worker.join(MAX_ANSWER_S + 35)
        self.assertEqual(self.assertSqlOk(r)["rows"], [{"n": 5}])
        self.assertTrue(still_running and elapsed < 1.0,
                        f"a read waited {elapsed:.2f}s for the runaway writer")
        self.assertSqlError(out["r"][0], TIMEOUT_WORDS)

    def test_schema_lock(self):
        db = self.fresh_db()
        self.assertStatus(self.c.patch(f"/api/dbs/{db}", {"schemaLocked": True}), 200)
        for stmt in ("CREATE TABLE u (y)", "DROP TABLE log", "ALTER TABLE t ADD COLUMN z",
                     "CREATE INDEX i ON t (n)", "CREATE VIEW v AS SELECT 1"):
            with self.subTest(stmt=stmt):
                self.assertSqlError(self.c.sql(db, stmt), "locked")
        body = self.assertSqlOk(self.c.sql(db, "INSERT INTO t (n) VALUES (1)"),
                                "data changes are still allowed")
        self.assertEqual(body["numChanges"], 1)
        self.assertStatus(self.c.patch(f"/api/dbs/{db}", {"schemaLocked": False}), 200)
        self.assertSqlOk(self.c.sql(db, "CREATE TABLE u (y)"))

    def test_runaway_in_create_database_query(self):
        before = len(self.c.get("/api/dbs").body["databases"])
        started = time.monotonic()
        r = self.c.post("/api/dbs", {"name": "runaway", "team": self.user,
                                     "query": "CREATE TABLE a (x); " + RUNAWAY},
                        timeout=MAX_ANSWER_S + 30)
        elapsed = time.monotonic() - started
        self.assertJsonError(r, 400)
        self.assertTrue(any(w in r.body["errors"][0]["message"].lower() for w in TIMEOUT_WORDS),
                        r.describe())
        self.assertLess(elapsed, MAX_ANSWER_S)
        self.assertEqual(len(self.c.get("/api/dbs").body["databases"]), before,
                         "a failed create left a database behind")

    # ---------------------------------------------------------------------------------------
    # Confinement

    def assert_refused(self, db, statement, contains=None):
        """`statement`, after an INSERT in the same script: an error in `errors`, HTTP 200, and
        the INSERT rolled back."""
        r = self.c.sql(db, f"INSERT INTO log (msg) VALUES ('canary'); {statement}")
        self.assertSqlError(r, contains, statement)
        self.assertEqual(r.body["numChanges"], 0, r.describe())
        self.assertEqual(self.count(db, "log"), 0, f"{statement!r}: script was not rolled back")
        return r

    def test_attach_and_detach(self):
        db = self.fresh_db()
        data = self.server.data_dir
        before = set(glob.glob(os.path.join(data, "**"), recursive=True))
        for stmt in ("ATTACH DATABASE 'evil.sqlite' AS evil",
                     "ATTACH DATABASE ':memory:' AS mem",
                     "ATTACH DATABASE '../../catalog.sqlite' AS cat",
                     "ATTACH 'file:/etc/passwd?mode=ro' AS p",
                     "DETACH DATABASE main",
                     "DETACH DATABASE evil"):
            with self.subTest(stmt=stmt):
                self.assert_refused(db, stmt)
        r = self.c.sql(db, "SELECT * FROM cat.users")
        self.assertSqlError(r)
        after = set(glob.glob(os.path.join(data, "**"), recursive=True))
        created = [p for p in after - before if "evil" in p or p.endswith("cat")]
        self.assertEqual(created, [], "ATTACH created files")
        self.assertFalse(os.path.exists("evil.sqlite"))

    def test_extensions_pragmas_transactions_vacuum(self):
        db = self.fresh_db()
        target = os.path.join(self.server.data_dir, "vacuumed.sqlite")
        statements = [
            ("SELECT load_extension('x')", None),
            ("SELECT load_extension('/usr/lib/x86_64-linux-gnu/libsqlite3.so.0')", None),
            ("PRAGMA writable_schema=1", None),
            ("PRAGMA writable_schema=ON", None),
            ("PRAGMA trusted_schema=1", None),
            ("PRAGMA foreign_keys=OFF", None),
            ("PRAGMA journal_mode=DELETE", None),
            ("PRAGMA synchronous=OFF", None),
            ("PRAGMA query_only=0", None),
            ("PRAGMA max_page_count=1000000000", None),
            ("PRAGMA cache_size=-1000000", None),
            ("PRAGMA mmap_size=1000000000", None),
            ("PRAGMA temp_store_directory='/tmp'", None),
            ("BEGIN", None),
            ("BEGIN; INSERT INTO log VALUES ('x'); COMMIT", None),
            ("COMMIT", None),
            ("ROLLBACK", None),
            ("SAVEPOINT s1", None),
            ("RELEASE s1", None),
            ("END", None),
            ("VACUUM", None),
            (f"VACUUM INTO '{target}'", None),
            ("SELECT readfile('/etc/passwd')", None),
            ("SELECT writefile('/tmp/airsql-pwned', 'x')", None),
        ]
        for stmt, contains in statements:
            with self.subTest(stmt=stmt):
                r = self.assert_refused(db, stmt, contains)
                self.assertNotIn("root:", r.text)
        self.assertFalse(os.path.exists(target), "VACUUM INTO wrote a file")
        # The connection was not reconfigured by any of it.
        r = self.c.sql(db, "PRAGMA foreign_keys")
        self.assertEqual(self.assertSqlOk(r)["rows"], [{"foreign_keys": 1}], r.describe())
        r = self.c.sql(db, "PRAGMA journal_mode")
        self.assertEqual(self.assertSqlOk(r)["rows"], [{"journal_mode": "wal"}], r.describe())

    def test_allowed_pragmas(self):
        db = self.fresh_db()
        for stmt, expected in (("PRAGMA integrity_check", [{"integrity_check": "ok"}]),
                               ("PRAGMA user_version = 5", []),
                               ("PRAGMA user_version", [{"user_version": 5}]),
                               ("SELECT name FROM pragma_table_info('log')", [{"name": "msg"}])):
            with self.subTest(stmt=stmt):
                r = self.c.sql(db, stmt)
                self.assertEqual(self.assertSqlOk(r, stmt)["rows"], expected, r.describe())
        self.assertEqual(self.c.get(f"/api/dbs/{db}").body["userVersion"], 5)

    # ---------------------------------------------------------------------------------------
    # Scripts are transactions

    def test_multi_statement_script(self):
        db = self.fresh_db()
        r = self.c.sql(db, "INSERT INTO t (n) VALUES (1); INSERT INTO t (n) VALUES (2); "
                           "SELECT n FROM t ORDER BY n")
        body = self.assertSqlOk(r)
        self.assertEqual(body["rows"], [{"n": 1}, {"n": 2}], r.describe())
        self.assertEqual(body["numChanges"], 2, r.describe())
        self.assertIn("t", body["affectedTables"], r.describe())
        # Rows come from the last statement that returns rows.
        r = self.c.sql(db, "SELECT 1 AS a; SELECT 2 AS b; UPDATE t SET n = n + 10")
        body = self.assertSqlOk(r)
        self.assertEqual(body["rows"], [{"b": 2}], r.describe())
        self.assertEqual(body["numChanges"], 2, r.describe())
        # Comments and empty statements are fine.
        r = self.c.sql(db, "-- comment\n;; /* block */ SELECT count(*) AS n FROM t; ")
        self.assertEqual(self.assertSqlOk(r)["rows"], [{"n": 2}], r.describe())

    def test_failing_script_leaves_nothing(self):
        db = self.fresh_db()
        self.assertSqlOk(self.c.sql(db, "INSERT INTO t (n) VALUES (1)"))
        cases = [
            "INSERT INTO t (n) VALUES (2); INSERT INTO t (n) VALUES (3); SELECT * FROM nope",
            "INSERT INTO t (n) VALUES (2); INSERT INTO t (n) VALUES (1)",  # UNIQUE violation
            "INSERT INTO t (n) VALUES (2); CREATE TABLE extra (x); SELEC 1",  # syntax error
            "DELETE FROM t; DROP TABLE t; SELECT 1/0 + abs(-9223372036854775808)",
            "CREATE TABLE extra (x); INSERT INTO extra VALUES (1); INSERT INTO t (id) VALUES ('a')",
        ]
        for script in cases:
            with self.subTest(script=script):
                r = self.c.sql(db, script)
                self.assertSqlError(r)
                self.assertEqual(r.body["numChanges"], 0, r.describe())
                self.assertEqual(r.body["affectedTables"], [], r.describe())
                r = self.c.sql(db, "SELECT n FROM t ORDER BY n")
                self.assertEqual(self.assertSqlOk(r)["rows"], [{"n": 1}], script)
                self.assertFalse(self.table_exists(db, "extra"), script)

    def test_result_row_cap(self):
        db = self.fresh_db()
        r = self.c.sql(db, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c "
                           "LIMIT 100001) SELECT x FROM c")
        self.assertSqlError(r, ("rows", "limit"), "more rows than the cap is an error")
        r = self.c.sql(db, "SELECT length(randomblob(300000000)) AS n")
        self.assertSqlError(r, None, "a 300 MB value exceeds the strict length limit")
        self.assertTrue(self.server.alive())

    # ---------------------------------------------------------------------------------------
    # Table rules

    def test_without_rowid_and_rowid_foreign_keys(self):
        db = self.fresh_db("CREATE TABLE p (id INTEGER PRIMARY KEY, v TEXT); "
                           "CREATE TABLE g (a TEXT)")
        cases = [
            ("CREATE TABLE w (x INTEGER PRIMARY KEY) WITHOUT ROWID", "w"),
            ("CREATE TABLE w (x TEXT, y TEXT, PRIMARY KEY (x, y)) WITHOUT ROWID", "w"),
            ("CREATE TABLE f (a TEXT REFERENCES g(rowid))", "f"),
            ("CREATE TABLE f (a TEXT REFERENCES nowhere(rowid))", "f"),
            ("CREATE TABLE f (a INTEGER REFERENCES g(_rowid_))", "f"),
            ("CREATE TABLE f (a INTEGER REFERENCES g(oid))", "f"),
            ("CREATE TABLE f (a INTEGER, FOREIGN KEY (a) REFERENCES g(ROWID))", "f"),
            ("CREATE TABLE f (a INTEGER REFERENCES g)", "f"),  # g has no declared key
        ]
        for stmt, table in cases:
            with self.subTest(stmt=stmt):
                r = self.c.sql(db, stmt)
                self.assertSqlError(r, "rowid", stmt)
                self.assertFalse(self.table_exists(db, table), f"{stmt}: table was created")
        r = self.c.sql(db, "ALTER TABLE p ADD COLUMN r INTEGER REFERENCES g(rowid)")
        self.assertSqlError(r, "rowid")
        r = self.c.sql(db, "SELECT name FROM pragma_table_info('p') ORDER BY cid")
        self.assertEqual(self.assertSqlOk(r)["rows"], [{"name": "id"}, {"name": "v"}])
        # References to a declared key are fine.
        r = self.c.sql(db, "CREATE TABLE ok1 (a INTEGER REFERENCES p(id)); "
                           "CREATE TABLE ok2 (a INTEGER REFERENCES p)")
        body = self.assertSqlOk(r)
        self.assertEqual(body["affectedTables"], ["ok1", "ok2"], r.describe())
        # The same rules hold for the query of POST /api/dbs: nothing is created.
        names_before = [d["id"] for d in self.c.get("/api/dbs").body["databases"]]
        for query in ("CREATE TABLE w (x INTEGER PRIMARY KEY) WITHOUT ROWID",
                      "CREATE TABLE g (a TEXT); CREATE TABLE f (a TEXT REFERENCES g(rowid))"):
            with self.subTest(query=query):
                r = self.c.post("/api/dbs", {"name": "rowid rules", "team": self.user,
                                             "query": query})
                self.assertJsonError(r, 400, "invalid_argument", "rowid")
        self.assertEqual([d["id"] for d in self.c.get("/api/dbs").body["databases"]],
                         names_before)

    def test_zz_server_still_healthy(self):
        self.assertTrue(self.server.alive())
        self.assertStatus(self.client.get("/api/status", token=None), 200)


if __name__ == "__main__":
    unittest.main()
