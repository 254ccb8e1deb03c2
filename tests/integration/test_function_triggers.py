"""Event triggers through the real server and the real Deno: a function attached to
insert/update/delete of a table receives every committed row change (old and new values) at
least once; a failing function is retried with backoff, then dead-lettered; the delivery records
come through the invocations route; kill -9 of the server before delivery loses no event; a
trigger on a table that is dropped; validation (unknown table or event → 400) and who may attach
triggers; the queue table stays invisible and untouchable; one tenant's slow function does not
delay another tenant's deliveries.
"""

import time

from harness import Server, ServerModuleTest, create_token, new_db, new_user, set_roles, unique

RECORDER = """export default async function (context) {
  const d = context.data
  if (d.new && d.new.slow) await new Promise((r) => setTimeout(r, d.new.slow))
  if (d.new && d.new.fail) throw new Error("refused " + d.new.id)
  await context.sql(`INSERT INTO seen (delivery, tbl, event, old, new, attempt, method) VALUES (
    '${d.deliveryId}', '${d.trigger.table}', '${d.trigger.event}',
    '${JSON.stringify(d.old)}', '${JSON.stringify(d.new)}', ${d.attempt}, '${context.method}')`)
  return {ok: true}
}
"""

SCHEMA = ("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, slow INTEGER, fail INTEGER); "
          "CREATE TABLE seen (delivery TEXT, tbl TEXT, event TEXT, old TEXT, new TEXT, "
          "attempt INTEGER, method TEXT)")


def wait_for(predicate, timeout=30.0, step=0.1):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(step)


class TriggerMixin:
    def create_fn(self, client, token, db, triggers, content=RECORDER, expect=200):
        r = client.post(f"/api/dbs/{db}/functions",
                        {"name": unique("trg"), "runtime": "deno", "content": content,
                         "triggers": triggers}, token=token)
        self.assertEqual(r.status, expect, r.describe())
        return r.body

    def seen(self, client, token, db):
        r = client.sql(db, "SELECT tbl, event, old, new, attempt, method, delivery FROM seen "
                           "ORDER BY rowid", token=token)
        self.assertEqual(r.status, 200, r.describe())
        return r.body["rows"]

    def invocations(self, client, token, db, fid):
        r = client.get(f"/api/dbs/{db}/functions/{fid}/invocations", token=token)
        self.assertEqual(r.status, 200, r.describe())
        return r.body["invocations"]


class FunctionTriggersTest(TriggerMixin, ServerModuleTest):
    server_args = ("--function-timeout-ms", "5000")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.owner_name, cls.owner = new_user(c, unique("trown"))
        cls.viewer_name, cls.viewer = new_user(c, unique("trvw"))
        _, cls.other = new_user(c, unique("troth"))
        r = set_roles(c, cls.owner, cls.owner_name, cls.viewer_name, ["Viewer"])
        assert r.status == 200, r.describe()
        cls.db = new_db(c, cls.owner, cls.owner_name, SCHEMA)

    def test_insert_update_delete_delivered_with_old_and_new(self):
        c = self.client
        db = new_db(c, self.owner, self.owner_name, SCHEMA)
        fn = self.create_fn(c, self.owner, db,
                            [{"table": "items", "events": ["insert", "update", "delete"]}])
        self.assertEqual(fn["triggers"], [{"table": "items", "events": ["insert", "update", "delete"],
                                           "maxAttempts": 5, "backoffMs": 1000}])
        r = c.sql(db, "INSERT INTO items (id, name) VALUES (1, 'a'); "
                      "UPDATE items SET name = 'b' WHERE id = 1; DELETE FROM items WHERE id = 1",
                  token=self.owner)
        self.assertEqual(r.status, 200, r.describe())
        rows = wait_for(lambda: (lambda s: s if len(s) >= 3 else None)(self.seen(c, self.owner, db)))
        self.assertIsNotNone(rows, "three deliveries expected")
        by_event = {row["event"]: row for row in rows}
        self.assertEqual(set(by_event), {"insert", "update", "delete"})
        self.assertEqual(by_event["insert"]["old"], "null")
        self.assertEqual(by_event["insert"]["new"],
                         '{"id":1,"name":"a","slow":null,"fail":null}')
        self.assertEqual(by_event["update"]["old"],
                         '{"id":1,"name":"a","slow":null,"fail":null}')
        self.assertEqual(by_event["update"]["new"],
                         '{"id":1,"name":"b","slow":null,"fail":null}')
        self.assertEqual(by_event["delete"]["new"], "null")
        for row in rows:
            self.assertEqual(row["method"], "POST")
            self.assertEqual(row["attempt"], 1)
            self.assertEqual(row["tbl"], "items")
        # The delivery records, through the documented invocations route.
        inv = wait_for(lambda: (lambda i: i if len(i) >= 3 else None)(
            self.invocations(c, self.owner, db, fn["id"])))
        self.assertEqual(len(inv), 3)
        for record in inv:
            for key in ("id", "createdUtc", "versionId", "status", "data", "logs", "runtimeMs",
                        "request", "error"):
                self.assertIn(key, record)
            self.assertEqual(record["trigger"]["table"], "items")
            self.assertIn(record["event"], ("insert", "update", "delete"))
            self.assertEqual(record["attempt"], 1)
            self.assertEqual(record["state"], "delivered")
            self.assertEqual(record["status"], 200)
            self.assertEqual(record["request"]["method"], "POST")
        self.assertEqual({i["deliveryId"] for i in inv}, {row["delivery"] for row in rows})
        # GraphQL mutations are events too; a plain call is recorded without trigger fields.
        r = c.post(f"/dbs/{db}/graphql",
                   {"query": 'mutation { insert_items(objects: [{id: 2, name: "g"}]) { affected_rows } }'},
                   token=self.owner)
        self.assertEqual(r.status, 200, r.describe())
        self.assertTrue(wait_for(lambda: len(self.seen(c, self.owner, db)) >= 4))
        r = c.post(f"/fns/{fn['id']}", {"id": 99}, token=self.owner)
        inv = self.invocations(c, self.owner, db, fn["id"])
        plain = [i for i in inv if "trigger" not in i]
        self.assertEqual(len(plain), 1, inv)

    def test_failing_function_is_retried_then_dead_lettered(self):
        c = self.client
        db = new_db(c, self.owner, self.owner_name, SCHEMA)
        fn = self.create_fn(c, self.owner, db, [{"table": "items", "events": ["insert"],
                                                "maxAttempts": 3, "backoffMs": 200}])
        started = time.monotonic()
        r = c.sql(db, "INSERT INTO items (id, name, fail) VALUES (7, 'x', 1)", token=self.owner)
        self.assertEqual(r.status, 200, r.describe())
        inv = wait_for(lambda: (lambda i: i if len(i) >= 3 else None)(
            self.invocations(c, self.owner, db, fn["id"])), timeout=40)
        self.assertIsNotNone(inv, "three attempts expected")
        elapsed = time.monotonic() - started
        inv = sorted(inv, key=lambda i: i["id"])
        self.assertEqual([i["attempt"] for i in inv], [1, 2, 3])
        self.assertEqual([i["state"] for i in inv], ["retrying", "retrying", "dead"])
        self.assertEqual(len({i["deliveryId"] for i in inv}), 1)
        for i in inv:
            self.assertEqual(i["status"], 500)
            self.assertIn("refused 7", i["error"])
        # 200 ms, then 400 ms between the attempts at least.
        self.assertGreaterEqual(elapsed, 0.6)
        time.sleep(1.0)
        self.assertEqual(len(self.invocations(c, self.owner, db, fn["id"])), 3,
                         "a dead-lettered event is not tried again")

    def test_trigger_on_dropped_table(self):
        c = self.client
        db = new_db(c, self.owner, self.owner_name, SCHEMA + "; CREATE TABLE gone (x)")
        fn = self.create_fn(c, self.owner, db, [{"table": "gone", "events": ["insert"]}])
        r = c.sql(db, "INSERT INTO gone VALUES (1)", token=self.owner)
        self.assertEqual(r.status, 200, r.describe())
        self.assertTrue(wait_for(lambda: len(self.seen(c, self.owner, db)) == 1))
        r = c.sql(db, "DROP TABLE gone", token=self.owner)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.body.get("errors", []), [], r.describe())
        # Writes elsewhere go on; a table of the same name later is watched again.
        r = c.sql(db, "INSERT INTO items (id) VALUES (1); CREATE TABLE gone (x, y); "
                      "INSERT INTO gone VALUES (2, 3)", token=self.owner)
        self.assertEqual(r.body.get("errors", []), [], r.describe())
        rows = wait_for(lambda: (lambda s: s if len(s) >= 2 else None)(self.seen(c, self.owner, db)))
        self.assertIsNotNone(rows)
        self.assertEqual(rows[1]["new"], '{"x":2,"y":3}')
        r = c.get(f"/api/dbs/{db}/functions/{fn['id']}", token=self.owner)
        self.assertEqual(r.body["triggers"][0]["table"], "gone")

    def test_validation_and_authorization(self):
        c = self.client
        base = f"/api/dbs/{self.db}/functions"
        r = self.client.sql(self.db, "CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(body); "
                                     "CREATE VIEW IF NOT EXISTS v AS SELECT 1 AS x", token=self.owner)
        self.assertEqual(r.body.get("errors", []), [], r.describe())
        for triggers, text in (([{"table": "docs", "events": ["insert"]}], "docs"),
                               ([{"table": "docs_data", "events": ["insert"]}], "docs_data"),
                               ([{"table": "v", "events": ["insert"]}], "no table"),([{"table": "nope", "events": ["insert"]}], "nope"),
                               ([{"table": "items", "events": ["upsert"]}], "upsert"),
                               ([{"table": "items", "events": []}], "events"),
                               ([{"table": "items"}], "events"),
                               ([{"table": "_airsql_event_queue", "events": ["insert"]}], "table"),
                               ([{"table": "sqlite_master", "events": ["insert"]}], "table"),
                               ([{"table": "items", "events": ["insert"], "maxAttempts": 0}], "maxAttempts"),
                               ([{"table": "items", "events": ["insert"], "backoffMs": 1}], "backoffMs"),
                               ([{"table": "items", "events": ["insert"]},
                                 {"table": "items", "events": ["delete"]}], "two triggers"),
                               ("items", "triggers"),
                               ([{"table": "items", "events": ["insert"]}] * 21, "at most 20")):
            r = c.post(base, {"name": unique("bad"), "runtime": "deno", "content": RECORDER,
                              "triggers": triggers}, token=self.owner)
            self.assertJsonError(r, 400)
            self.assertIn(text, r.body["errors"][0]["message"], r.describe())
        good = [{"table": "items", "events": ["insert"]}]
        r = c.post(base, {"name": unique("v"), "runtime": "deno", "content": RECORDER,
                          "triggers": good}, token=self.viewer)
        self.assertJsonError(r, 403)
        r = c.post(base, {"name": unique("o"), "runtime": "deno", "content": RECORDER,
                          "triggers": good}, token=self.other)
        self.assertJsonError(r, 404)
        tok = create_token(c, self.owner, self.owner_name, [(self.db, "write")]).body["body"]
        r = c.post(base, {"name": unique("t"), "runtime": "deno", "content": RECORDER,
                          "triggers": good}, token=tok)
        self.assertJsonError(r, 403)
        # PATCH replaces the triggers; a Viewer may not.
        fn = self.create_fn(c, self.owner, self.db, [])
        self.assertEqual(fn["triggers"], [])
        r = c.patch(f"{base}/{fn['id']}", {"triggers": good}, token=self.viewer)
        self.assertJsonError(r, 403)
        r = c.patch(f"{base}/{fn['id']}", {"triggers": [{"table": "zzz", "events": ["insert"]}]},
                    token=self.owner)
        self.assertJsonError(r, 400)
        r = c.patch(f"{base}/{fn['id']}", {"triggers": good}, token=self.owner)
        self.assertEqual(r.status, 200, r.describe())
        r = c.get(f"{base}/{fn['id']}", token=self.owner)
        self.assertEqual(r.body["triggers"][0]["events"], ["insert"])
        r = c.patch(f"{base}/{fn['id']}", {"triggers": []}, token=self.owner)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(c.get(f"{base}/{fn['id']}", token=self.owner).body["triggers"], [])

    def test_queue_is_hidden_and_refused(self):
        c = self.client
        db = new_db(c, self.owner, self.owner_name, SCHEMA)
        self.create_fn(c, self.owner, db, [{"table": "items", "events": ["insert"]}])
        r = c.sql(db, "INSERT INTO items (id) VALUES (1)", token=self.owner)
        self.assertEqual(r.status, 200, r.describe())
        self.assertNotIn("_airsql", str(r.body))
        for path in (f"/api/dbs/{db}", f"/api/dbs/{db}/schema", f"/api/dbs/{db}/azimutt-schema"):
            r = c.get(path, token=self.owner)
            self.assertEqual(r.status, 200, r.describe())
            self.assertNotIn("_airsql", r.text if hasattr(r, "text") else str(r.body), path)
        r = c.post(f"/dbs/{db}/graphql", {"query": "{ __schema { types { name } } }"},
                   token=self.owner)
        self.assertNotIn("airsql", str(r.body))
        for q in ("SELECT * FROM _airsql_event_queue", "DELETE FROM _airsql_event_queue",
                  "DROP TABLE _airsql_event_queue"):
            r = c.sql(db, q, token=self.owner)
            self.assertEqual(r.status, 200, r.describe())
            self.assertTrue(r.body.get("errors"), q)
            self.assertIn("reserved", str(r.body["errors"]))
        r = c.get(f"/api/dbs/{db}/tables/_airsql_event_queue", token=self.owner)
        self.assertJsonError(r, 404)

    def test_slow_tenant_does_not_delay_another(self):
        c = self.client
        slow_name, slow_owner = new_user(c, unique("slow"))
        slow_db = new_db(c, slow_owner, slow_name, SCHEMA)
        self.create_fn(c, slow_owner, slow_db, [{"table": "items", "events": ["insert"]}])
        fast_db = new_db(c, self.owner, self.owner_name, SCHEMA)
        self.create_fn(c, self.owner, fast_db, [{"table": "items", "events": ["insert"]}])
        # The other tenant's function is warm (its Deno runtime started) before the test.
        r = c.sql(fast_db, "INSERT INTO items (id) VALUES (0)", token=self.owner)
        self.assertTrue(wait_for(lambda: len(self.seen(c, self.owner, fast_db)) == 1, timeout=20))
        # Ten 4-second deliveries queued for the slow tenant…
        values = ", ".join(f"({i}, 4000)" for i in range(10))
        r = c.sql(slow_db, f"INSERT INTO items (id, slow) VALUES {values}", token=slow_owner)
        self.assertEqual(r.status, 200, r.describe())
        time.sleep(0.5)
        # …then the other tenant's event is delivered at once, not after them (without the
        # per-database share, the slow ones would hold every delivery thread for 4 s).
        started = time.monotonic()
        r = c.sql(fast_db, "INSERT INTO items (id) VALUES (1)", token=self.owner)
        self.assertEqual(r.status, 200, r.describe())
        self.assertTrue(wait_for(lambda: len(self.seen(c, self.owner, fast_db)) == 2, timeout=20))
        waited = time.monotonic() - started
        self.assertLess(waited, 2.5, "the fast tenant waited for the slow one")
        self.assertLess(len(self.seen(c, slow_owner, slow_db)), 10)


class KillDuringDeliveryTest(TriggerMixin, ServerModuleTest):
    """kill -9 between commit and delivery: nothing is lost."""

    def test_kill_9_before_delivery_loses_nothing(self):
        self.server.stop()
        data_dir = self.server.data_dir
        # Delivery paused: committed events can only wait in the database file.
        first = Server(data_dir=data_dir, extra_args=["--event-delivery-paused"]).start()
        try:
            c = first.client()
            name, owner = new_user(c, unique("kill"))
            db = new_db(c, owner, name, SCHEMA)
            fn = self.create_fn(c, owner, db,
                                [{"table": "items", "events": ["insert", "update", "delete"]}])
            for i in range(20):
                r = c.sql(db, f"INSERT INTO items (id, name) VALUES ({i}, 'n{i}')", token=owner)
                self.assertEqual(r.status, 200, r.describe())
            r = c.sql(db, "UPDATE items SET name = 'u' WHERE id < 5; DELETE FROM items WHERE id >= 15",
                      token=owner)
            self.assertEqual(r.status, 200, r.describe())
            time.sleep(0.3)
            self.assertEqual(self.seen(c, owner, db), [])
        finally:
            first.kill()
        second = Server(data_dir=data_dir, extra_args=["--function-timeout-ms", "5000"]).start()
        try:
            c = second.client()
            rows = wait_for(lambda: (lambda s: s if len(s) >= 30 else None)(
                self.seen(c, owner, db)), timeout=60)
            self.assertIsNotNone(rows, "every event delivered after the restart")
            counts = {}
            for row in rows:
                counts[row["event"]] = counts.get(row["event"], 0) + 1
            self.assertEqual(counts, {"insert": 20, "update": 5, "delete": 5})
            inv = self.invocations(c, owner, db, fn["id"])
            self.assertTrue(all(i["state"] == "delivered" for i in inv))
        finally:
            second.stop()
            second.cleanup()

    def test_kill_9_during_a_delivery_redelivers_it(self):
        self.server.stop()
        data_dir = self.server.data_dir
        first = Server(data_dir=data_dir, extra_args=["--function-timeout-ms", "20000"]).start()
        try:
            c = first.client()
            name, owner = new_user(c, unique("kill"))
            db = new_db(c, owner, name, SCHEMA)
            fn = self.create_fn(c, owner, db, [{"table": "items", "events": ["insert"],
                                                "backoffMs": 100}])
            # The function is busy with this event for 3 s when the server dies.
            r = c.sql(db, "INSERT INTO items (id, slow) VALUES (1, 3000)", token=owner)
            self.assertEqual(r.status, 200, r.describe())
            time.sleep(1.0)
            self.assertEqual(self.seen(c, owner, db), [])
        finally:
            first.kill()
        second = Server(data_dir=data_dir, extra_args=["--function-timeout-ms", "20000"]).start()
        try:
            c = second.client()
            rows = wait_for(lambda: self.seen(c, owner, db), timeout=60)
            self.assertTrue(rows, "the interrupted delivery is made again")
            self.assertEqual(rows[0]["event"], "insert")
            # The function's own write comes before its delivery is recorded: wait for that.
            states = wait_for(lambda: [i["state"] for i in self.invocations(c, owner, db, fn["id"])])
            self.assertEqual(states, ["delivered"])
        finally:
            second.stop()
            second.cleanup()
