"""Issue 6, outside SQL and GraphQL: write-only tokens and the read-only id, the "at least one
Admin" invariant under concurrency, the data-directory lock, what /api/status tells whom."""

import subprocess
import threading

from harness import (Server, ServerModuleTest, create_token, login, new_db, new_user, server_binary,
                     set_roles, unique)


class WriteOnlyTokensTest(ServerModuleTest):
    def test_write_only_and_insert_only_tokens_never_see_the_readonly_id(self):
        c = self.client
        user, token = new_user(c)
        db = new_db(c, token, user, "CREATE TABLE secrets (id INTEGER PRIMARY KEY, s TEXT); "
                                    "INSERT INTO secrets (s) VALUES ('hidden')")
        readonly_id = c.get(f"/api/dbs/{db}", token=token).body["readonlyId"]
        self.assertTrue(readonly_id)
        for perm in ("writeonly", "insertonly"):
            with self.subTest(perm=perm):
                tok = create_token(c, token, user, [(db, perm)]).body["body"]
                listing = self.assertStatus(c.get("/api/dbs", token=tok), 200).body
                [entry] = [d for d in listing["databases"] if d["id"] == db]
                self.assertIsNone(entry["readonlyId"], listing)
                self.assertNotIn(readonly_id, c.get("/api/dbs", token=tok).text)
                # They still write (the mutation answers without reading rows back).
                res = c.post(f"/dbs/{db}/graphql", {
                    "query": "mutation { insert_secrets(objects: [{s: \"new\"}]) "
                             "{ affected_rows } }"}, token=tok)
                self.assertEqual(res.body.get("data"),
                                 {"insert_secrets": {"affected_rows": 1}}, res.describe())
        for perm in ("read", "write"):
            with self.subTest(perm=perm):
                tok = create_token(c, token, user, [(db, perm)]).body["body"]
                listing = c.get("/api/dbs", token=tok).body
                [entry] = [d for d in listing["databases"] if d["id"] == db]
                self.assertEqual(entry["readonlyId"], readonly_id)


class AdminInvariantTest(ServerModuleTest):
    def test_two_admins_demoting_each_other_leave_one_admin(self):
        c = self.client
        for attempt in range(8):
            owner, owner_token = new_user(c)
            second, second_token = new_user(c)
            self.assertStatus(set_roles(c, owner_token, owner, second, ["Admin"]), 200)
            results = {}
            barrier = threading.Barrier(2)

            def demote(actor_token, target, key):
                barrier.wait()
                results[key] = set_roles(c, actor_token, owner, target, ["Editor"])

            threads = [threading.Thread(target=demote, args=(owner_token, second, "a")),
                       threading.Thread(target=demote, args=(second_token, owner, "b"))]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            statuses = sorted(r.status for r in results.values())
            self.assertIn(200, statuses, [r.describe() for r in results.values()])
            self.assertNotEqual(statuses, [200, 200], [r.describe() for r in results.values()])
            members = c.get(f"/api/teams/{owner}/members", token=owner_token)
            if members.status != 200:
                members = c.get(f"/api/teams/{owner}/members", token=second_token)
            admins = [m for m in members.body["members"] if "Admin" in m["roles"]]
            self.assertEqual(len(admins), 1, members.describe())

    def test_the_last_admin_cannot_leave_or_be_demoted(self):
        c = self.client
        owner, owner_token = new_user(c)
        res = set_roles(c, owner_token, owner, owner, ["Viewer"])
        self.assertJsonError(res, 412 if res.status == 412 else None, message_contains="Admin")
        res = c.delete(f"/api/teams/{owner}/members/{owner}", token=owner_token)
        self.assertJsonError(res, message_contains="Admin")


class StatusAndLockTest(ServerModuleTest):
    def test_status_hides_the_number_of_databases_from_non_admins(self):
        c = self.client
        admin, admin_token = new_user(c)  # first user of this server: server admin
        user, user_token = new_user(c)
        new_db(c, user_token, user)
        self.assertNotIn("numberOfDatabases", c.get("/api/status", token=None).body)
        self.assertNotIn("numberOfDatabases", c.get("/api/status", token=user_token).body)
        self.assertEqual(c.get("/api/status", token=admin_token).body["numberOfDatabases"], 1)

    def test_a_second_server_on_the_same_data_directory_is_refused(self):
        proc = subprocess.run([server_binary(), "--port", "0", "--data-dir", self.server.data_dir],
                              capture_output=True, text=True, timeout=30)
        self.assertNotEqual(proc.returncode, 0, proc.stdout)
        self.assertIn("in use by another airsql process", proc.stderr)
        self.assertNotIn("listening", proc.stdout)
        # The first server is unaffected.
        self.assertStatus(self.client.get("/api/status", token=None), 200)

    def test_the_lock_is_released_on_exit(self):
        other = Server().start()
        data_dir = other.data_dir
        try:
            other.stop()
            again = Server(data_dir=data_dir).start()
            self.assertStatus(again.client().get("/api/status", token=None), 200)
            again.stop()
        finally:
            other.cleanup()


class OpenDatabasesTest(ServerModuleTest):
    server_args = ("--max-open-databases", "2")

    def test_idle_databases_are_closed_and_reopen_without_stale_answers(self):
        c = self.client
        user, token = new_user(c)
        dbs = [new_db(c, token, user, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); "
                                      f"INSERT INTO t (v) VALUES ('db{i}')") for i in range(5)]
        query = {"query": "{ t { v } }"}
        first = dbs[0]
        self.assertEqual(c.post(f"/dbs/{first}/graphql", query, token=token).body,
                         {"data": {"t": [{"v": "db0"}]}})
        self.assertSqlOk(c.post(f"/dbs/{first}/sql", {"query": "UPDATE t SET v = 'changed'"},
                                token=token))
        # Use the others so that the first is closed, then ask again: the answer must show
        # the write, not a response cached before the database was closed and reopened.
        for db in dbs[1:]:
            self.assertSqlOk(c.post(f"/dbs/{db}/sql", {"query": "SELECT v FROM t"}, token=token))
        self.assertEqual(c.post(f"/dbs/{first}/graphql", query, token=token).body,
                         {"data": {"t": [{"v": "changed"}]}})
        for i, db in enumerate(dbs[1:], start=1):
            body = self.assertSqlOk(c.post(f"/dbs/{db}/sql", {"query": "SELECT v FROM t"},
                                           token=token))
            self.assertEqual(body["rows"], [{"v": f"db{i}"}])


class SchemaSizeTest(ServerModuleTest):
    server_args = ("--graphql-max-schema-fields", "10")

    def test_graphql_refuses_schemas_too_large_to_build_within_limits(self):
        # Building the schema cannot be interrupted: 4,000 tables of 60 foreign keys took 10 s.
        c = self.client
        user, token = new_user(c)
        small = new_db(c, token, user, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        self.assertEqual(c.post(f"/dbs/{small}/graphql", {"query": "{ t { v } }"},
                                token=token).body, {"data": {"t": []}})
        cols = ", ".join(f"c{i} INTEGER REFERENCES t(id)" for i in range(6))
        big = new_db(c, token, user, "CREATE TABLE t (id INTEGER PRIMARY KEY); "
                                     f"CREATE TABLE u (id INTEGER PRIMARY KEY, {cols})")
        res = c.post(f"/dbs/{big}/graphql", {"query": "{ t { id } }"}, token=token)
        self.assertJsonError(res, message_contains="at most 10")
        self.assertSqlOk(c.post(f"/dbs/{big}/sql", {"query": "SELECT count(*) FROM u"},
                                token=token))
