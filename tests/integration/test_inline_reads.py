"""Inline reads and writes (issue 8, part 5): the server tries GraphQL queries and mutations on
the I/O thread that read them, within a budget of CPU time (--inline-budget-us), and hands
everything else to the worker pool: requests that outgrow the budget (a mutation is rolled back
first), writes that find the writer busy, requests whose database is not open yet. What is
answered inline is marked "inline" in the access log. Whichever path answers, the answer must
be the same and fresh (the response cache is off here), a write must apply exactly once, and an
expensive request must not stay on an I/O thread."""

import threading
import time

from harness import Server, ServerModuleTest, new_db, new_user

ROWS = 200_000
SCHEMA = (
    "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);"
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
    "INSERT INTO t SELECT i, 'value ' || i FROM n;"
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);" % ROWS
)
CHEAP = "{ items(order_by: [{id: ASC}]) { id name } }"
# A scan of all rows with a LIKE: several milliseconds, far over the 1 ms default budget.
EXPENSIVE = '{ t_aggregate(where: {v: {_like: "%99999%"}}) { aggregate { count } } }'
EXPENSIVE_ANSWER = {"data": {"t_aggregate": {"aggregate": {"count": 2}}}}


class AccessLog:
    def access_log(self, marker, start=0, at_least=1):
        """Access log lines holding `marker` from line `start` on, once at least `at_least`
        arrived (the harness reads the server's stderr on another thread)."""
        deadline = time.monotonic() + 10
        while True:
            lines = [line for line in self.server.stderr_lines[start:] if marker in line]
            if len(lines) >= at_least or time.monotonic() > deadline:
                return lines
            time.sleep(0.02)


class OneDatabase(AccessLog, ServerModuleTest):
    """A server without the response cache, and one user's database of SCHEMA."""
    server_args = ("--graphql-cache-bytes", "0")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.db = new_db(cls.client, cls.token, cls.user, SCHEMA)

    def gql(self, query, token=None):
        res = self.client.post(f"/dbs/{self.db}/graphql", {"query": query}, token=token or self.token)
        self.assertStatus(res, 200)
        return res.body


class InlineReadsTest(OneDatabase):

    def test_cheap_queries_run_inline_and_see_every_write(self):
        # The first query opens the reader (worker); later ones run inline.
        for i in range(1, 6):
            body = self.gql(f'mutation {{ insert_items(objects: [{{id: {i}, name: "n{i}"}}]) {{ affected_rows }} }}')
            self.assertEqual(body, {"data": {"insert_items": {"affected_rows": 1}}})
            body = self.gql(CHEAP)
            self.assertEqual(body, {"data": {"items": [{"id": k, "name": f"n{k}"} for k in range(1, i + 1)]}})
        graphql_lines = self.access_log(f"POST /dbs/{self.db}/graphql 200", at_least=10)
        inline = [line for line in graphql_lines if line.endswith(" inline")]
        self.assertGreaterEqual(len(inline), 6, "\n".join(graphql_lines))
        # The first write switches the file to WAL mode: on a worker. Later ones may run inline.
        self.assertFalse(graphql_lines[0].endswith(" inline"), "\n".join(graphql_lines))

    def test_an_expensive_query_goes_to_the_workers_and_answers_the_same(self):
        marker = f"/dbs/{self.db}/graphql"
        before = len(self.server.stderr_lines)
        for _ in range(4):
            self.assertEqual(self.gql(EXPENSIVE), EXPENSIVE_ANSWER)
        lines = self.access_log(marker, before, at_least=4)
        self.assertEqual(len(lines), 4, "\n".join(lines))
        self.assertFalse([line for line in lines if line.endswith(" inline")], "\n".join(lines))

    def test_sql_reads_run_inline_and_expensive_ones_on_the_workers(self):
        marker = f"POST /dbs/{self.db}/sql 200"
        before = len(self.server.stderr_lines)
        for _ in range(4):
            res = self.client.post(f"/dbs/{self.db}/sql", {"query": "SELECT id, v FROM t WHERE id <= 2 ORDER BY id"},
                                   token=self.token)
            self.assertStatus(res, 200)
            self.assertEqual(res.body["rows"], [{"id": 1, "v": "value 1"}, {"id": 2, "v": "value 2"}])
            self.assertEqual(res.body["errors"], [])
        lines = self.access_log(marker, before, at_least=4)
        self.assertGreaterEqual(len([line for line in lines if line.endswith(" inline")]), 3, "\n".join(lines))
        # A scan of 200,000 rows with LIKE, and a write: on the workers, with the right answers.
        before = len(self.server.stderr_lines)
        res = self.client.post(f"/dbs/{self.db}/sql", {"query": "SELECT count(*) AS n FROM t WHERE v LIKE '%99999%'"},
                               token=self.token)
        self.assertEqual(res.body["rows"], [{"n": 2}])
        res = self.client.post(f"/dbs/{self.db}/sql", {"query": "INSERT INTO t (id, v) VALUES (300000, 'sql')"},
                               token=self.token)
        self.assertEqual((res.body["errors"], res.body["numChanges"]), ([], 1))
        lines = self.access_log(marker, before, at_least=2)
        self.assertEqual(len(lines), 2, "\n".join(lines))
        self.assertFalse([line for line in lines if line.endswith(" inline")], "\n".join(lines))

    def test_mixed_load_from_several_tenants_stays_correct(self):
        # Another tenant's expensive reads, a writer and cheap readers at once: every answer
        # is right, and the cheap readers see the writer's rows in order.
        other_user, other_token = new_user(self.client)
        other_db = new_db(self.client, other_token, other_user, SCHEMA)
        errors = []
        stop = threading.Event()

        def hostile():
            client = self.server.client()
            while not stop.is_set():
                res = client.post(f"/dbs/{other_db}/graphql", {"query": EXPENSIVE}, token=other_token)
                if res.status != 200 or res.body != EXPENSIVE_ANSWER:
                    errors.append(res.describe())

        def writer():
            client = self.server.client()
            for i in range(100, 160):
                res = client.post(f"/dbs/{self.db}/graphql", {"query": f'mutation {{ insert_items(objects: [{{id: {i}, name: "w"}}]) {{ affected_rows }} }}'},
                                  token=self.token)
                if res.status != 200 or res.body != {"data": {"insert_items": {"affected_rows": 1}}}:
                    errors.append(res.describe())

        def reader():
            client = self.server.client()
            seen = 0
            for _ in range(150):
                res = client.post(f"/dbs/{self.db}/graphql", {"query": "{ items(where: {id: {_gte: 100}}) { id } }"},
                                  token=self.token)
                if res.status != 200:
                    errors.append(res.describe())
                    continue
                ids = [row["id"] for row in res.body["data"]["items"]]
                if ids != list(range(100, 100 + len(ids))) or len(ids) < seen:
                    errors.append(f"rows went back or skipped: {ids}")
                seen = len(ids)

        threads = [threading.Thread(target=hostile) for _ in range(3)]
        for t in threads:
            t.start()
        work = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
        for t in work:
            t.start()
        for t in work:
            t.join(120)
        stop.set()
        for t in threads:
            t.join(120)
        self.assertEqual(errors, [])
        body = self.gql("{ items_aggregate(where: {id: {_gte: 100}}) { aggregate { count } } }")
        self.assertEqual(body, {"data": {"items_aggregate": {"aggregate": {"count": 60}}}})
        # The hostile tenant's reads ran on the workers, not inline.
        hostile_lines = self.access_log(f"POST /dbs/{other_db}/graphql 200")
        self.assertTrue(hostile_lines)
        self.assertFalse([line for line in hostile_lines if line.endswith(" inline")])


class InlineWritesTest(OneDatabase):
    def count(self, where):
        body = self.gql(f"{{ items_aggregate(where: {where}) {{ aggregate {{ count }} }} }}")
        return body["data"]["items_aggregate"]["aggregate"]["count"]

    def insert_concurrently(self, clients, inserts, db_of, row_of):
        """`clients` threads at once, client n inserting row row_of(n, i) into database
        db_of(n, i) for each i below `inserts`; the answers that were not exactly right."""
        errors = []

        def client_thread(n):
            client = self.server.client()
            for i in range(inserts):
                row = row_of(n, i)
                res = client.post(f"/dbs/{db_of(n, i)}/graphql",
                                  {"query": f'mutation {{ insert_items(objects: [{{id: {row}, name: "c{n}"}}]) {{ returning {{ id }} }} }}'},
                                  token=self.token)
                if res.status != 200 or res.body != {"data": {"insert_items": {"returning": [{"id": row}]}}}:
                    errors.append(res.describe())

        threads = [threading.Thread(target=client_thread, args=(n,)) for n in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        return errors

    def test_concurrent_writes_apply_exactly_once(self):
        # 8 clients insert 40 rows each at once: inline when the writer is free, on a worker
        # when it is busy; every row once, every answer right.
        before = len(self.server.stderr_lines)
        errors = self.insert_concurrently(8, 40, lambda n, i: self.db,
                                          lambda n, i: 10_000 + n * 100 + i)
        self.assertEqual(errors, [])
        self.assertEqual(self.count("{id: {_gte: 10000}}"), 320)
        lines = self.access_log(f"POST /dbs/{self.db}/graphql 200", before, at_least=320)
        self.assertTrue([line for line in lines if line.endswith(" inline")], "no write ran inline")

    def test_writes_to_several_databases_at_once_each_apply_once(self):
        # Each database's inline writes wait for its syncs on one commit-waiter thread; 6
        # databases spread over the threads and share some. 6 clients each insert into every
        # database in turn: every answer right, every row once in its own database.
        dbs = [new_db(self.client, self.token, self.user,
                      "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)") for _ in range(6)]
        for db in dbs:  # the first write of a file switches it to WAL mode, on a worker
            self.client.post(f"/dbs/{db}/graphql", {"query": 'mutation { insert_items(objects: '
                             '[{id: 1, name: "first"}]) { affected_rows } }'}, token=self.token)
        before = len(self.server.stderr_lines)
        errors = self.insert_concurrently(6, 30, lambda n, i: dbs[(n + i) % len(dbs)],
                                          lambda n, i: 1_000 + n * 100 + i)
        self.assertEqual(errors, [])
        for k, db in enumerate(dbs):
            res = self.client.post(f"/dbs/{db}/graphql", {"query": "{ items(order_by: [{id: ASC}]) { id } }"},
                                   token=self.token)
            expected = [1] + sorted(1_000 + n * 100 + i for n in range(6) for i in range(30)
                                    if (n + i) % len(dbs) == k)
            self.assertEqual([r["id"] for r in res.body["data"]["items"]], expected, db)
        lines = self.access_log(" 200", before, at_least=180)
        self.assertTrue([line for line in lines if "/graphql 200" in line and line.endswith(" inline")],
                        "no write ran inline")

    def test_an_expensive_mutation_is_rolled_back_and_runs_once_on_a_worker(self):
        self.gql('mutation { insert_items(objects: [{id: 1, name: "warm"}]) { affected_rows } }')
        before = len(self.server.stderr_lines)
        # A cheap first field, then a rewrite of 200,000 rows (far over the 1 ms budget).
        body = self.gql('mutation { a: insert_items(objects: [{id: 2, name: "once"}]) { affected_rows } '
                        'b: update_t(where: {v: {_like: "value%"}}, set: {v: "w"}) { affected_rows } }')
        self.assertEqual(body, {"data": {"a": {"affected_rows": 1}, "b": {"affected_rows": ROWS}}})
        self.assertEqual(self.count('{name: {_eq: "once"}}'), 1)
        lines = self.access_log(f"POST /dbs/{self.db}/graphql 200", before, at_least=1)
        self.assertFalse(lines[0].endswith(" inline"), lines[0])
        # Cheap writes right after still run inline (only that document is remembered), once
        # one of them has checkpointed the WAL the big write filled, off the I/O thread.
        before = len(self.server.stderr_lines)
        for i in range(3, 6):
            self.gql(f'mutation {{ insert_items(objects: [{{id: {i}, name: "cheap"}}]) {{ affected_rows }} }}')
        lines = self.access_log(f"POST /dbs/{self.db}/graphql 200", before, at_least=3)
        self.assertTrue(lines[-1].endswith(" inline"), "\n".join(lines))


class InlineReadsFlagTest(AccessLog, ServerModuleTest):
    server_args = ("--graphql-cache-bytes", "0", "--inline-read-budget-us", "0")  # the old name

    def test_budget_zero_runs_every_query_on_the_workers(self):
        user, token = new_user(self.client)
        db = new_db(self.client, token, user, "CREATE TABLE items (id INTEGER PRIMARY KEY); INSERT INTO items VALUES (7);")
        for _ in range(5):
            res = self.client.post(f"/dbs/{db}/graphql", {"query": "{ items { id } }"}, token=token)
            self.assertStatus(res, 200)
            self.assertEqual(res.body, {"data": {"items": [{"id": 7}]}})
        lines = self.access_log(f"/dbs/{db}/graphql", at_least=5)
        self.assertEqual(len(lines), 5)
        self.assertFalse([line for line in lines if line.endswith(" inline")])

    def test_a_negative_budget_is_refused_at_start(self):
        server = Server(extra_args=["--inline-budget-us", "-1"])
        try:
            with self.assertRaises(Exception):
                server.start()
            self.assertIn("inline-budget-us", server.stderr_tail() + "\n".join(server.stdout_lines))
        finally:
            if server.proc is not None and server.proc.poll() is None:
                server.kill()
            server.cleanup()


class NoInlineWritesFlagTest(AccessLog, ServerModuleTest):
    server_args = ("--graphql-cache-bytes", "0", "--no-inline-writes")

    def test_every_mutation_runs_on_the_workers(self):
        user, token = new_user(self.client)
        db = new_db(self.client, token, user, "CREATE TABLE items (id INTEGER PRIMARY KEY);")
        for i in range(6):
            res = self.client.post(f"/dbs/{db}/graphql", {"query": f"mutation {{ insert_items(objects: [{{id: {i}}}]) {{ affected_rows }} }}"}, token=token)
            self.assertStatus(res, 200)
            self.assertEqual(res.body, {"data": {"insert_items": {"affected_rows": 1}}})
            res = self.client.post(f"/dbs/{db}/graphql", {"query": "{ items_aggregate { aggregate { count } } }"}, token=token)
            self.assertEqual(res.body, {"data": {"items_aggregate": {"aggregate": {"count": i + 1}}}})
        lines = self.access_log(f"/dbs/{db}/graphql", at_least=12)
        mutations = lines[0::2]
        self.assertEqual(len(mutations), 6)
        self.assertFalse([line for line in mutations if line.endswith(" inline")], "\n".join(lines))
        # Queries still may.
        self.assertTrue([line for line in lines[1::2] if line.endswith(" inline")], "\n".join(lines))


class OverrunForgivenTest(AccessLog, ServerModuleTest):
    """One I/O thread, so every request meets the same memory of overruns. A budget of 4 ms:
    the scan of 200,000 rows takes about 12 ms, the same query over 100 rows far below 2 ms
    even on a busy machine."""
    server_args = ("--graphql-cache-bytes", "0", "--threads", "1", "--inline-budget-us", "4000")

    def test_a_query_that_overran_once_runs_inline_again_once_the_workers_find_it_cheap(self):
        user, token = new_user(self.client)
        db = new_db(self.client, token, user, SCHEMA.replace(" t ", " shrink "))
        query = '{ shrink_aggregate(where: {v: {_like: "%99999%"}}) { aggregate { count } } }'
        marker = f"/dbs/{db}/graphql"

        def run(expected_count):
            res = self.client.post(f"/dbs/{db}/graphql", {"query": query}, token=token)
            self.assertStatus(res, 200)
            self.assertEqual(res.body, {"data": {"shrink_aggregate": {"aggregate": {"count": expected_count}}}})

        before = len(self.server.stderr_lines)
        run(2)  # 200,000 rows: over the budget inline, answered by the workers, remembered
        run(2)  # remembered: straight to the workers, where it is just as slow
        res = self.client.sql(db, "DELETE FROM shrink WHERE id > 100", token=token)
        self.assertStatus(res, 200)
        run(0)  # still remembered: the workers answer it, now well within the budget
        run(0)  # forgiven: inline again
        lines = self.access_log(marker, before, at_least=4)
        self.assertEqual([line.endswith(" inline") for line in lines], [False, False, False, True],
                         "\n".join(lines))
