"""GraphQL batching (issue 8, part 3): a JSON array body, as Apollo's BatchHttpLink and
graphql-request's batchRequests send, answers a JSON array in order; each element keeps its own
errors; mutations run in order; the batch size is capped."""

import json
import os
import subprocess

from graphql_support import GraphQLTestCase
from harness import create_token, new_db, new_user

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(HERE, "..", "..", "tools", "node", "node_modules")


class GraphQLBatchTest(GraphQLTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.client = cls.client.with_token(cls.token)
        cls.db = new_db(cls.client, cls.token, cls.user,
                        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")

    def batch(self, db, elements, **kw):
        return self.client.post(f"/dbs/{db}/graphql", elements, **kw)

    def test_a_batch_answers_an_array_in_order(self):
        res = self.batch(self.db, [
            {"query": "mutation { insert_notes(objects: [{body: \"one\"}]) { affected_rows } }"},
            {"query": "mutation { insert_notes(objects: [{body: \"two\"}]) { affected_rows } }"},
            {"query": "{ notes(order_by: [{id: ASC}]) { body } }"},
            {"query": "{ missing_field }"},
            {"query": "query Q($b: String!) { notes(where: {body: {_eq: $b}}) { id } }",
             "variables": {"b": "two"}, "operationName": "Q"},
            "not a request",
        ])
        self.assertStatus(res, 200)
        self.assertIsInstance(res.body, list, res.describe())
        self.assertEqual(len(res.body), 6)
        self.assertEqual(res.body[0], {"data": {"insert_notes": {"affected_rows": 1}}})
        self.assertEqual(res.body[1], {"data": {"insert_notes": {"affected_rows": 1}}})
        self.assertEqual(res.body[2], {"data": {"notes": [{"body": "one"}, {"body": "two"}]}})
        self.assertIn("Cannot query field", res.body[3]["errors"][0]["message"])
        self.assertEqual(res.body[4], {"data": {"notes": [{"id": 2}]}})
        self.assertIn("errors", res.body[5])

    def test_a_failing_mutation_does_not_undo_its_neighbours(self):
        db = new_db(self.client, self.token, self.user,
                    "CREATE TABLE u (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        res = self.batch(db, [
            {"query": "mutation { insert_u(objects: [{name: \"a\"}]) { affected_rows } }"},
            {"query": "mutation { insert_u(objects: [{name: \"a\"}]) { affected_rows } }"},
            {"query": "mutation { insert_u(objects: [{name: \"b\"}]) { affected_rows } }"},
        ])
        self.assertStatus(res, 200)
        self.assertIn("errors", res.body[1])
        data = self.assertGqlData(self.gql(db, "{ u(order_by: [{id: ASC}]) { name } }"))
        self.assertEqual(data, {"u": [{"name": "a"}, {"name": "b"}]})

    def test_the_batch_size_is_capped(self):
        self.assertJsonError(self.batch(self.db, []), 400, message_contains="at least one")
        res = self.batch(self.db, [{"query": "{ notes { id } }"}] * 51)
        self.assertJsonError(res, 400, message_contains="at most 50")
        res = self.batch(self.db, [{"query": "{ notes { id } }"}] * 50)
        self.assertStatus(res, 200)
        self.assertEqual(len(res.body), 50)

    def test_a_batch_keeps_the_callers_rights(self):
        self.assertGqlData(self.gql(
            self.db, "mutation { insert_notes(objects: [{body: \"kept\"}]) { affected_rows } }"))
        tok = create_token(self.client, self.token, self.user, [(self.db, "read")]).body["body"]
        res = self.batch(self.db, [
            {"query": "{ notes(limit: 1) { id } }"},
            {"query": "mutation { delete_notes(where: {}) { affected_rows } }"},
        ], token=tok)
        self.assertStatus(res, 200)
        self.assertIn("data", res.body[0])
        self.assertIn("errors", res.body[1])
        # Nothing was deleted.
        data = self.assertGqlData(self.gql(self.db, "{ notes { id } }"))
        self.assertGreater(len(data["notes"]), 0)
        # Another's database: the whole batch is refused.
        other, other_token = new_user(self.client)
        res = self.batch(self.db, [{"query": "{ notes { id } }"}], token=other_token)
        self.assertJsonError(res, 404)

    def test_graphql_requests_batch_requests(self):
        # The real client: graphql-request's batchRequests sends one array and reads one back.
        self.assertTrue(os.path.isdir(os.path.join(NODE_MODULES, "graphql-request")),
                        "graphql-request is missing: run scripts/install-deps --test")
        run = subprocess.run(["node", os.path.join(HERE, "graphql_request_batch.mjs"),
                              f"{self.server.url}/dbs/{self.db}/graphql", self.token,
                              NODE_MODULES], capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertEqual(json.loads(run.stdout),
                         [{"insert_notes": {"affected_rows": 1}},
                          {"notes": [{"body": "from graphql-request"}]}])

    def test_apollo_batch_http_link(self):
        # The real client: Apollo Client's BatchHttpLink gathers five operations into one array;
        # each result keeps its own errors and the mutations run in the order they were issued.
        self.assertTrue(os.path.isdir(os.path.join(NODE_MODULES, "@apollo", "client")),
                        "@apollo/client is missing: run scripts/install-deps --test")
        db = new_db(self.client, self.token, self.user,
                    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        run = subprocess.run(["node", os.path.join(HERE, "apollo_batch_link.mjs"),
                              f"{self.server.url}/dbs/{db}/graphql", self.token, NODE_MODULES],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        out = json.loads(run.stdout)
        # One HTTP request carrying the five operations, in issue order.
        self.assertEqual(len(out["requests"]), 1, out["requests"])
        self.assertEqual([r["operationName"] for r in out["requests"][0]],
                         ["Add", "Edit", "Broken", "All", "Missing"])
        add, edit, broken, all_notes, missing = out["results"]
        self.assertEqual(add["errors"], [])
        self.assertEqual(add["data"]["insert_notes"]["affected_rows"], 1)
        self.assertEqual(add["data"]["insert_notes"]["returning"][0]["body"], "first")
        self.assertEqual(edit, {"data": {"update_notes": {"__typename": "notes_mutation_response",
                                                          "affected_rows": 1}}, "errors": []})
        self.assertTrue(broken["errors"], broken)
        self.assertIsNone(broken["data"], broken)
        self.assertEqual(all_notes["errors"], [])
        self.assertEqual([n["body"] for n in all_notes["data"]["notes"]], ["second"])
        self.assertTrue(missing["errors"], missing)
        self.assertIn("nope", " ".join(missing["errors"]))
        # The failed mutation left nothing behind; the others committed.
        data = self.assertGqlData(self.gql(db, "{ notes { body } }"))
        self.assertEqual(data, {"notes": [{"body": "second"}]})
