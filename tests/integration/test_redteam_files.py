"""Attacks on "bring your own data" (whole-database uploads, table rebuilds, upload bodies) by a
hostile tenant or an anonymous caller, through the real server. Each test names the attack;
docs/security.md ("Bringing your own data") lists the classes closed and the limits left."""

import os
import socket
import threading
import time

from harness import ServerModuleTest, new_db, new_user, send_large, unique
from test_database_files import multipart, sqlite_bytes

# An expression that needs about 330 MB of SQLite memory at once (two 110 MB blobs and their
# 220 MB concatenation): past the per-request budget (192 MiB), under the strict length limit.
BIG = "length(randomblob(110000000) || randomblob(110000000)) > 0"


class RedteamFiles(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner_name, cls.owner = new_user(cls.client, unique("red"))

    def upload(self, data, filename="x.sqlite", token=..., path="/dbs", method="POST"):
        body, ctype = multipart([("file", filename, "application/octet-stream", data)])
        tok = self.owner if token is ... else token
        return self.client.request(method, path, raw_body=body, token=tok,
                                   headers={"Content-Type": ctype}, timeout=180)

    def tmp_files(self):
        return os.listdir(os.path.join(self.server.data_dir, "tmp"))

    # -- an uploaded file's own expressions run under the request's memory budget

    def test_upload_whose_check_constraint_needs_huge_memory_is_refused(self):
        # integrity_check evaluates CHECK constraints: without the per-request budget one upload
        # held ~480 MB of SQLite heap, which counts against the process-wide heap limit that
        # every tenant's queries share.
        data = sqlite_bytes("PRAGMA ignore_check_constraints = ON;"
                            f"CREATE TABLE t (x INTEGER CHECK ({BIG}));"
                            "INSERT INTO t VALUES (1);")
        r = self.upload(data)
        err = self.assertJsonError(r, 400, "invalid_argument")
        self.assertIn("memory", err["message"])
        # The same file without the expensive CHECK is accepted.
        ok = sqlite_bytes("CREATE TABLE t (x INTEGER CHECK (x > 0)); INSERT INTO t VALUES (1);")
        self.assertStatus(self.upload(ok), 201)

    def test_table_rebuild_with_huge_check_runs_under_the_memory_budget(self):
        db = self.assertStatus(self.upload(sqlite_bytes(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, y TEXT); INSERT INTO t (y) VALUES ('a');")),
            201).body["id"]
        # The rebuild copies the row through the new CHECK.
        r = self.client.patch(f"/api/dbs/{db}/tables/t/columns/y", {"check": BIG},
                              token=self.owner, timeout=120)
        err = self.assertJsonError(r, 400, "invalid_argument")
        self.assertIn("memory", err["message"])
        # Nothing changed, and the table still takes changes that fit.
        rows = self.client.sql(db, "SELECT sql FROM sqlite_master WHERE name = 't'",
                               token=self.owner)
        self.assertNotIn("randomblob", self.assertSqlOk(rows)["rows"][0]["sql"])
        self.assertStatus(self.client.patch(f"/api/dbs/{db}/tables/t/columns/y",
                                            {"check": "length(y) < 10"}, token=self.owner), 200)
