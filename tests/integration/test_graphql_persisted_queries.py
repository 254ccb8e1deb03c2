"""Automatic persisted queries (Apollo's protocol): a client sends a document's SHA-256 in
`extensions.persistedQuery`; the server answers `PersistedQueryNotFound` until it has seen
the document with that hash, then runs the hash alone, over POST and GET. Per database,
bounded in memory, off with `--graphql-persisted-query-bytes 0` (then
`PersistedQueryNotSupported`, which makes Apollo's link stop hashing). Tested with the real
Apollo Client link."""

import hashlib
import json
import os
import subprocess

from graphql_support import GraphQLTestCase
from harness import Server, new_db, new_user

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(HERE, "..", "..", "tools", "node", "node_modules")

NOTES = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL); INSERT INTO notes (body) VALUES ('one')"
LIST = "query Notes { notes(order_by: [{id: ASC}]) { body } }"


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def pq(text, version=1):
    return {"persistedQuery": {"version": version, "sha256Hash": sha(text)}}


class GraphQLPersistedQueriesTest(GraphQLTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.client = cls.client.with_token(cls.token)

    def post(self, db, body, **kw):
        return self.client.post(f"/dbs/{db}/graphql", body, **kw)

    def test_the_hash_alone_runs_once_the_document_was_sent_with_it(self):
        db = new_db(self.client, self.token, self.user, NOTES)
        unknown = self.post(db, {"extensions": pq(LIST), "operationName": "Notes"})
        self.assertStatus(unknown, 200)
        self.assertEqual(unknown.body, {"data": None, "errors": [{
            "message": "PersistedQueryNotFound",
            "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}]})
        # 200 with the GraphQL-over-HTTP media type too (Apollo Client's default Accept): its
        # link turns hashing off for good on a 400.
        for accept in ("application/graphql-response+json",
                       "application/graphql-response+json,application/json;q=0.9"):
            res = self.post(db, {"extensions": pq(LIST)}, headers={"Accept": accept})
            self.assertStatus(res, 200)
            self.assertEqual(res.body["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND")
        full = self.post(db, {"query": LIST, "extensions": pq(LIST)})
        self.assertEqual(self.assertGqlData(full), {"notes": [{"body": "one"}]})
        again = self.post(db, {"extensions": pq(LIST), "variables": None})
        self.assertEqual(self.assertGqlData(again), {"notes": [{"body": "one"}]})
        # Over GET (Apollo's useGETForHashedQueries), where a response can be cached.
        get = self.gql_get(f"/dbs/{db}/graphql", {"extensions": json.dumps(pq(LIST))})
        self.assertEqual(self.assertGqlData(get), {"notes": [{"body": "one"}]})
        # A mutation by hash, with variables; twice, so the second runs from the hash alone.
        add = "mutation Add($b: String!) { insert_notes(objects: [{body: $b}]) { affected_rows } }"
        self.assertGqlData(self.post(db, {"query": add, "variables": {"b": "two"}, "extensions": pq(add)}))
        self.assertGqlData(self.post(db, {"variables": {"b": "three"}, "extensions": pq(add)}))
        # ... but not over GET, which never writes.
        refused = self.gql_get(f"/dbs/{db}/graphql", {"extensions": json.dumps(pq(add)),
                                                      "variables": json.dumps({"b": "four"})})
        self.assertIn("Only queries may be sent with GET", refused.text)
        rows = self.client.sql(db, "SELECT body FROM notes ORDER BY id").body["rows"]
        self.assertEqual([r["body"] for r in rows], ["one", "two", "three"])
        # In a batch too, each element on its own.
        batch = self.post(db, [{"extensions": pq(LIST)},
                               {"extensions": pq("{ notes { id } }")}])
        self.assertStatus(batch, 200)
        self.assertEqual(batch.body[0]["data"]["notes"][0], {"body": "one"})
        self.assertEqual(batch.body[1]["errors"][0]["message"], "PersistedQueryNotFound")

    def test_bad_hashes_and_versions_are_refused_and_nothing_is_remembered(self):
        db = new_db(self.client, self.token, self.user, NOTES)
        # A document that does not hash to the hash given: refused, and not remembered under it.
        other = "{ notes { id } }"
        wrong = self.post(db, {"query": other, "extensions": pq(LIST)},
                          headers={"Accept": "application/graphql-response+json"})
        self.assertStatus(wrong, 400)
        self.assertEqual(wrong.body["errors"][0]["message"], "provided sha does not match query")
        self.assertEqual(self.post(db, {"extensions": pq(LIST)}).body["errors"][0]["message"],
                         "PersistedQueryNotFound")
        for extensions, message in [
                (pq(LIST, version=2), "Unsupported persisted query version"),
                ({"persistedQuery": {"version": 1, "sha256Hash": "abc"}}, "64 hex digits"),
                ({"persistedQuery": {"version": 1, "sha256Hash": "g" * 64}}, "64 hex digits"),
                ({"persistedQuery": {"version": 1}}, "needs a sha256Hash"),
                ({"persistedQuery": "yes"}, "must be an object")]:
            with self.subTest(extensions):
                res = self.post(db, {"query": LIST, "extensions": extensions})
                self.assertStatus(res, 400)
                self.assertIn(message, res.text)
        # Uppercase hex is the same hash.
        self.assertGqlData(self.post(db, {"query": LIST, "extensions": {
            "persistedQuery": {"version": 1, "sha256Hash": sha(LIST).upper()}}}))
        self.assertGqlData(self.post(db, {"extensions": pq(LIST)}))
        # Without a hash, a missing query is still an error.
        self.assertStatus(self.post(db, {"extensions": {}}), 400)

    def test_a_hash_sent_to_one_database_is_unknown_to_another(self):
        # Another tenant cannot learn which documents a database's clients send.
        mine = new_db(self.client, self.token, self.user, NOTES)
        self.assertGqlData(self.post(mine, {"query": LIST, "extensions": pq(LIST)}))
        stranger, stranger_token = new_user(self.client)
        theirs = new_db(self.client, stranger_token, stranger, NOTES)
        res = self.client.post(f"/dbs/{theirs}/graphql", {"extensions": pq(LIST)},
                               token=stranger_token)
        self.assertEqual(res.body["errors"][0]["message"], "PersistedQueryNotFound")
        # And no access to a database is no access, hash or not.
        res = self.client.post(f"/dbs/{mine}/graphql", {"extensions": pq(LIST)},
                               token=stranger_token)
        self.assertStatus(res, 404)

    def test_apollo_client_link_hashes_then_falls_back_to_the_document_once(self):
        self.assertTrue(os.path.isdir(os.path.join(NODE_MODULES, "@apollo", "client")),
                        "@apollo/client is missing: run scripts/install-deps --test")
        db = new_db(self.client, self.token, self.user, NOTES)
        out = self.run_link(self.server.url, db, self.token)
        steps = self.steps(out["wire"])
        # First use of each document: the hash, then the document with the hash.
        self.assertEqual(steps["first query"], [("POST", False, True), ("POST", True, True)])
        self.assertEqual(steps["same query again"], [("POST", False, True)])
        self.assertEqual(steps["mutation"], [("POST", False, True), ("POST", True, True)])
        self.assertEqual(steps["mutation again"], [("POST", False, True)])
        self.assertEqual(steps["other client, GET"], [("GET", False, True)])
        results = out["results"]
        self.assertEqual(results[0], {"data": {"notes": [{"id": 1, "body": "one",
                                                          "__typename": "notes_row"}]},
                                      "errors": []})
        self.assertEqual(results[1], results[0])
        self.assertEqual(results[2]["data"]["insert_notes"]["affected_rows"], 1)
        self.assertEqual(results[3]["data"]["insert_notes"]["affected_rows"], 1)
        self.assertEqual([n["body"] for n in results[4]["data"]["notes"]], ["one", "two", "three"])

    def test_bounded_in_memory_and_off_at_zero(self):
        # A store of ~1 KiB keeps a few documents: the oldest is forgotten first, and a client
        # then sends it again (one more round trip, never a wrong answer).
        with Server(extra_args=["--graphql-persisted-query-bytes", "1024"]) as server:
            client = server.client()
            user, token = new_user(client)
            db = new_db(client, token, user, NOTES)
            c = client.with_token(token)
            docs = [f"query Q{i} {{ notes {{ body }} }}" + " " * 200 for i in range(6)]
            for d in docs:
                self.assertGqlData(c.post(f"/dbs/{db}/graphql", {"query": d, "extensions": pq(d)}))
            known = [c.post(f"/dbs/{db}/graphql", {"extensions": pq(d)}).body.get("data") is not None
                     for d in docs]
            self.assertEqual(known[-1], True, known)
            self.assertEqual(known[0], False, known)
        with Server(extra_args=["--graphql-persisted-query-bytes", "0"]) as server:
            client = server.client()
            user, token = new_user(client)
            db = new_db(client, token, user, NOTES)
            c = client.with_token(token)
            res = c.post(f"/dbs/{db}/graphql", {"extensions": pq(LIST)})
            self.assertEqual(res.body["errors"][0]["extensions"]["code"],
                             "PERSISTED_QUERY_NOT_SUPPORTED")
            # With the document, the hash is ignored and the request runs.
            self.assertGqlData(c.post(f"/dbs/{db}/graphql", {"query": LIST, "extensions": pq(LIST)}))
            # Apollo's link stops hashing after the first answer.
            out = self.run_link(server.url, db, token)
            steps = self.steps(out["wire"])
            self.assertEqual(steps["first query"], [("POST", False, True), ("POST", True, False)])
            self.assertEqual(steps["same query again"], [("POST", True, False)])
            self.assertEqual(out["results"][0]["errors"], [])

    def run_link(self, url, db, token):
        run = subprocess.run(["node", os.path.join(HERE, "apollo_persisted_queries.mjs"),
                              f"{url}/dbs/{db}/graphql", token, NODE_MODULES],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        return json.loads(run.stdout)

    @staticmethod
    def steps(wire):
        """The requests between marks: (method, sent the document, sent a hash) each."""
        steps, current = {}, None
        for w in wire:
            if "mark" in w:
                current = steps.setdefault(w["mark"], [])
            else:
                current.append((w["method"], w["query"], w["hash"] is not None))
        return steps
