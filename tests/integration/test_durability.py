"""Crash durability: rows acknowledged by the SQL endpoint (HTTP 200, no errors) survive a
SIGKILL of the server; multi-statement scripts are all-or-nothing across the crash; databases
whose creation was acknowledged still exist; the files pass PRAGMA integrity_check."""

import os
import shutil
import sqlite3
import tempfile
import threading
import time
import unittest

from harness import DEFAULT_PASSWORD, Server, ServerTestCase, login, new_db, new_user

LOAD_SECONDS = 1.5


class Writers:
    """Client threads hammering one server until it goes away."""

    def __init__(self, server, token, db_id, team, start_k):
        self.client = server.client(token)
        self.db_id = db_id
        self.team = team
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.acked = set()          # k of single-row INSERTs answered 200 without errors
        self.attempted = set()
        self.acked_pairs = set()    # k of two-row scripts (k, k+1) answered 200 without errors
        self.attempted_pairs = set()
        self.acked_dbs = []         # ids of databases whose creation was answered 201
        self.failures = []          # unexpected answers while the server was up
        self.next_k = start_k
        self.threads = [threading.Thread(target=self.single_rows, daemon=True),
                        threading.Thread(target=self.pairs, daemon=True),
                        threading.Thread(target=self.databases, daemon=True)]

    def take_k(self, n=1):
        with self.lock:
            k = self.next_k
            self.next_k += n
            return k

    def single_rows(self):
        while not self.stop.is_set():
            k = self.take_k()
            self.attempted.add(k)
            try:
                r = self.client.sql(self.db_id, f"INSERT INTO t (n) VALUES ({k})", timeout=10)
            except OSError:
                return  # the server is gone
            if r.status == 200 and r.body.get("errors") == []:
                self.acked.add(k)
            else:
                self.failures.append(r.describe())

    def pairs(self):
        while not self.stop.is_set():
            k = self.take_k(2)
            self.attempted_pairs.add(k)
            try:
                r = self.client.sql(self.db_id, f"INSERT INTO t (n) VALUES ({k}); "
                                                f"INSERT INTO t (n) VALUES ({k + 1})", timeout=10)
            except OSError:
                return
            if r.status == 200 and r.body.get("errors") == []:
                self.acked_pairs.add(k)
            else:
                self.failures.append(r.describe())

    def databases(self):
        while not self.stop.is_set():
            try:
                r = self.client.post("/api/dbs", {"name": "crash test", "team": self.team,
                                                  "query": "CREATE TABLE x (a INTEGER)"},
                                     timeout=10)
            except OSError:
                return
            if r.status == 201:
                self.acked_dbs.append(r.body["id"])
            else:
                self.failures.append(r.describe())
            time.sleep(0.05)

    def start(self):
        for t in self.threads:
            t.start()

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(15)


class Durability(ServerTestCase):

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="airsql-durability-")
        self.data_dir = os.path.join(self.tmp, "data")
        self.servers = []

    def tearDown(self):
        for s in self.servers:
            if s.alive():
                s.kill()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start_server(self):
        s = Server(data_dir=self.data_dir).start()
        self.servers.append(s)
        return s

    def crash_under_load(self, server, token, db_id, team, start_k):
        writers = Writers(server, token, db_id, team, start_k)
        writers.start()
        time.sleep(LOAD_SECONDS)
        server.kill()  # SIGKILL: no chance to flush or checkpoint anything
        self.assertEqual(server.exit_code, -9, "the server was not killed by SIGKILL")
        writers.join()
        self.assertEqual(writers.failures, [], "errors while the server was up")
        self.assertGreater(len(writers.acked), 5, "too few acknowledged inserts to be a test")
        self.assertGreater(len(writers.acked_pairs), 2)
        return writers

    def check_survivors(self, server, token, db_id, all_writers):
        c = server.client(token)
        r = c.sql(db_id, "SELECT n FROM t")
        rows = self.assertSqlOk(r, "read back after restart")["rows"]
        present = [row["n"] for row in rows]
        self.assertEqual(len(present), len(set(present)), "duplicate rows after restart")
        present = set(present)
        for w in all_writers:
            lost = sorted(w.acked - present)
            self.assertEqual(lost, [], f"{len(lost)} acknowledged single-row inserts lost "
                             f"(of {len(w.acked)})")
            lost_pairs = sorted(k for k in w.acked_pairs if not {k, k + 1} <= present)
            self.assertEqual(lost_pairs, [], "acknowledged two-row scripts lost")
            for k in w.attempted_pairs:
                self.assertIn(len({k, k + 1} & present), (0, 2),
                              f"script ({k}, {k + 1}) half applied after the crash")
            for db in w.acked_dbs:
                self.assertStatus(c.get(f"/api/dbs/{db}"), 200,
                                  "a database acknowledged before the crash is gone")
        attempted = set().union(*(w.attempted for w in all_writers),
                                *({k, k + 1} for w in all_writers for k in w.attempted_pairs))
        self.assertEqual(sorted(present - attempted), [], "rows nobody inserted")
        r = c.sql(db_id, "PRAGMA integrity_check")
        self.assertEqual(self.assertSqlOk(r)["rows"], [{"integrity_check": "ok"}], r.describe())
        return present

    def test_acknowledged_writes_survive_sigkill(self):
        server = self.start_server()
        user, token = new_user(server.client())
        db_id = new_db(server.client(), token, user,
                       "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER NOT NULL UNIQUE)")

        first = self.crash_under_load(server, token, db_id, user, 1)

        server = self.start_server()
        # The session (catalog) survived too.
        self.assertStatus(server.client(token).get("/api/dbs"), 200, "session after the crash")
        self.check_survivors(server, token, db_id, [first])

        # A second crash, on the recovered files.
        second = self.crash_under_load(server, token, db_id, user, 1_000_000)
        server = self.start_server()
        present = self.check_survivors(server, token, db_id, [first, second])
        self.assertStatus(login(server.client(), user, DEFAULT_PASSWORD), 200)
        server.stop()

        # Offline check of the files with SQLite itself.
        db_file = os.path.join(self.data_dir, "databases", db_id, "main.sqlite")
        self.assertTrue(os.path.exists(db_file), f"missing {db_file}")
        for path in (db_file, os.path.join(self.data_dir, "catalog.sqlite")):
            with self.subTest(file=os.path.relpath(path, self.data_dir)):
                conn = sqlite3.connect(path)
                try:
                    self.assertEqual(conn.execute("PRAGMA integrity_check").fetchall(),
                                     [("ok",)])
                    if path == db_file:
                        n = {row[0] for row in conn.execute("SELECT n FROM t")}
                        self.assertEqual(n, present, "offline contents differ")
                finally:
                    conn.close()


if __name__ == "__main__":
    unittest.main()
