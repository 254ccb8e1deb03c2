"""Anonymous databases (server settings `anonymousDatabases`): `POST /api/dbs` without a
session creates a public database owned by no team, usable by whoever knows its id, with its
own size cap and rate limit, deleted by the background sweep when it expires (the server runs
with a 3-second lifetime and a 1-second sweep here; the default is 10 days)."""

import os
import time

from harness import ServerModuleTest, new_user, unique


class AnonymousDatabases(ServerModuleTest):
    rate_limits = True
    server_args = ("--anonymous-database-lifetime-s", "3", "--expiry-sweep-interval-s", "1")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin_name, cls.admin = new_user(cls.client, unique("adm"))

    def settings(self, body):
        self.assertStatus(self.client.patch("/api/settings", body, token=self.admin), 200)

    def create(self, **body):
        return self.client.post("/api/dbs", {"name": unique("anon"), **body}, token=None)

    def test_a_lifecycle(self):
        self.settings({"anonymousDatabases": False})
        self.assertJsonError(self.create(), 401, msg="off unless the settings allow it")
        self.settings({"anonymousDatabases": True, "anonymousMaxDatabaseBytes": 65536})
        r = self.create(query="CREATE TABLE notes (body TEXT)")
        self.assertStatus(r, 201)
        db, readonly = r.body["id"], r.body["readonlyId"]
        self.assertIsNone(r.body["ownerName"])
        self.assertRegex(r.body["expiresUtc"], r"^\d{4}-\d\d-\d\dT")
        self.assertEqual(len(readonly), 16)
        # Whoever knows the id reads and writes; the read-only id only reads.
        self.assertSqlOk(self.client.sql(db, "INSERT INTO notes VALUES ('hi')", token=None))
        body = self.assertSqlOk(self.client.sql(db, "SELECT body FROM notes", token=None))
        self.assertEqual(body["rows"], [{"body": "hi"}])
        _, someone = new_user(self.client, unique("some"))
        self.assertSqlOk(self.client.sql(db, "INSERT INTO notes VALUES ('too')", token=someone))
        r = self.client.post(f"/readonly/{readonly}/graphql", {"query": "{ notes { body } }"},
                             token=None)
        self.assertStatus(r, 200)
        self.assertEqual(len(r.body["data"]["notes"]), 2)
        # Nobody manages it: no deletion, no settings, no moving it into a team.
        self.assertJsonError(self.client.delete(f"/api/dbs/{db}", token=None), 403)
        self.assertJsonError(self.client.delete(f"/api/dbs/{db}", token=someone), 403)
        self.assertJsonError(self.client.patch(f"/api/dbs/{db}", {"visibility": "private"},
                                               token=someone), 403)
        # Its own size cap.
        self.assertSqlError(self.client.sql(db, "INSERT INTO notes VALUES (randomblob(200000))",
                                            token=None), ("full", "limit"))
        # The sweep deletes it after its lifetime (3 s here), files and all.
        folder = os.path.join(self.server.data_dir, "databases", db)
        self.assertTrue(os.path.isdir(folder))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and os.path.isdir(folder):
            time.sleep(0.2)
        self.assertFalse(os.path.isdir(folder), "the expired database's files are gone")
        self.assertJsonError(self.client.sql(db, "SELECT 1", token=None), 404)
        self.assertIn(f"expired database {db} deleted", "\n".join(self.server.stderr_lines))

    def test_b_rate_limit_per_address(self):
        self.settings({"anonymousDatabases": True})
        # test_a created one from this address; the burst is 5.
        statuses = [self.create().status for _ in range(5)]
        self.assertEqual(statuses, [201, 201, 201, 201, 429])
        r = self.create()
        self.assertJsonError(r, 429)
        self.assertIsNotNone(r.header("Retry-After"))
        # Signed-in users are not counted.
        _, token = new_user(self.client, unique("u"))
        self.assertStatus(self.client.get("/api/dbs", token=token), 200)
