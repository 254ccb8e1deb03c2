"""Inline reads (issue 8, part 5): the server tries GraphQL queries on the I/O thread that read
them, within a budget of CPU time (--inline-read-budget-us), and hands everything else to the
worker pool: mutations, queries that outgrow the budget, requests whose database is not open
yet. What is answered inline is marked "inline" in the access log. Whichever path answers, the
answer must be the same and fresh (the response cache is off here), and an expensive query
must not stay on an I/O thread."""

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


class InlineReadsTest(AccessLog, ServerModuleTest):
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

    def test_cheap_queries_run_inline_and_see_every_write(self):
        # The first query opens the reader (worker); later ones run inline.
        for i in range(1, 6):
            body = self.gql(f'mutation {{ insert_items(objects: [{{id: {i}, name: "n{i}"}}]) {{ affected_rows }} }}')
            self.assertEqual(body, {"data": {"insert_items": {"affected_rows": 1}}})
            body = self.gql(CHEAP)
            self.assertEqual(body, {"data": {"items": [{"id": k, "name": f"n{k}"} for k in range(1, i + 1)]}})
        graphql_lines = self.access_log(f"POST /dbs/{self.db}/graphql 200", at_least=10)
        inline = [line for line in graphql_lines if line.endswith(" inline")]
        self.assertGreaterEqual(len(inline), 3, "\n".join(graphql_lines))
        # Mutations never run inline.
        self.assertGreaterEqual(len(graphql_lines) - len(inline), 5, "\n".join(graphql_lines))

    def test_an_expensive_query_goes_to_the_workers_and_answers_the_same(self):
        marker = f"/dbs/{self.db}/graphql"
        before = len(self.server.stderr_lines)
        for _ in range(4):
            self.assertEqual(self.gql(EXPENSIVE), EXPENSIVE_ANSWER)
        lines = self.access_log(marker, before, at_least=4)
        self.assertEqual(len(lines), 4, "\n".join(lines))
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


class InlineReadsFlagTest(AccessLog, ServerModuleTest):
    server_args = ("--graphql-cache-bytes", "0", "--inline-read-budget-us", "0")

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
        server = Server(extra_args=["--inline-read-budget-us", "-1"])
        try:
            with self.assertRaises(Exception):
                server.start()
            self.assertIn("inline-read-budget-us", server.stderr_tail() + "\n".join(server.stdout_lines))
        finally:
            if server.proc is not None and server.proc.poll() is None:
                server.kill()
            server.cleanup()
