"""GraphQL access modes over HTTP: API tokens with read / write / writeonly / insertonly
permissions and team members (Viewer, Editor) each get the schema their rights allow; public
databases are readable anonymously. Plus many concurrent readers and writers on one
database."""

import threading
import unittest

from graphql_support import MUSIC_SQL, GraphQLTestCase
from harness import create_token, new_db, new_user, set_roles

CANNOT_READ = "Cannot read field"
READ_QUERY = "{ artists(limit: 1) { name } albums(limit: 1) { title } }"


class GraphQLAccessModes(GraphQLTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.owner, cls.owner_token = new_user(c)
        cls.viewer, cls.viewer_token = new_user(c)
        cls.editor, cls.editor_token = new_user(c)
        for name, roles in ((cls.viewer, ["Viewer"]), (cls.editor, ["Editor"])):
            r = set_roles(c, cls.owner_token, cls.owner, name, roles)
            assert r.status == 200, r.describe()
        cls.db = new_db(c, cls.owner_token, cls.owner, MUSIC_SQL)
        cls.tokens = {}
        for perm in ("read", "write", "writeonly", "insertonly"):
            r = create_token(c, cls.owner_token, cls.owner, [(cls.db, perm)])
            assert r.status == 201, r.describe()
            cls.tokens[perm] = r.body["body"]
        cls.client = c.with_token(cls.owner_token)

    def count(self, table="artists", where="1"):
        r = self.client.sql(self.db, f"SELECT count(*) AS n FROM {table} WHERE {where}")
        return self.assertSqlOk(r)["rows"][0]["n"]

    def mutation_fields(self, token):
        r = self.gql(self.db, "{ __schema { mutationType { fields { name } } } }", token=token)
        mt = self.assertGqlData(r)["__schema"]["mutationType"]
        return None if mt is None else [f["name"] for f in mt["fields"]]

    def assert_cannot_read(self, token, label):
        r = self.gql(self.db, READ_QUERY, token=token)
        errors = self.assertGqlErrors(r, CANNOT_READ, data=None, count=2, has_path=True,
                                      msg=label)
        self.assertEqual([e["path"] for e in errors], [["artists"], ["albums"]], r.describe())
        for e in errors:
            self.assertIn(CANNOT_READ, e["message"], r.describe())
        for query, field in (("{ __typename }", "__typename"),
                             ("{ __schema { queryType { name } } }", "__schema"),
                             ('{ __type(name: "artists_row") { name } }', "__type"),
                             ("{ artists_by_pk(id: 1) { name } }", "artists_by_pk"),
                             ("{ artists_aggregate { aggregate { count } } }",
                              "artists_aggregate")):
            with self.subTest(label, query=query):
                r = self.gql(self.db, query, token=token)
                self.assertGqlErrors(r, CANNOT_READ, data=None, path=[field], msg=label)

    def assert_read_only(self, token, label):
        self.assertIsNone(self.mutation_fields(token), f"{label}: no Mutation type (D9)")
        r = self.gql(self.db, READ_QUERY, token=token)
        self.assertGqlData(r, {"artists": [{"name": "AC/DC"}],
                               "albums": [{"title": "For Those About To Rock"}]}, label)
        before = self.count()
        r = self.gql(self.db, 'mutation { insert_artists(objects: [{name: "nope"}]) '
                              '{ affected_rows } }', token=token)
        self.assertGqlErrors(r, data=None, has_path=False, msg=label)
        r = self.gql(self.db, "mutation { delete_artists(where: {}) { affected_rows } }",
                     token=token)
        self.assertGqlErrors(r, data=None, has_path=False, msg=label)
        self.assertEqual(self.count(), before, f"{label} changed the database")

    # ---------------------------------------------------------------------------------------

    def test_read_token(self):
        self.assert_read_only(self.tokens["read"], "read token")

    def test_viewer_member(self):
        self.assert_read_only(self.viewer_token, "Viewer")

    def test_public_database_is_read_only_for_anyone(self):
        db = new_db(self.client, self.owner_token, self.owner,
                    "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi')")
        self.assertJsonError(self.gql(db, "{ notes { body } }", token=None), 404,
                             msg="private, anonymous")
        self.assertStatus(self.client.patch(f"/api/dbs/{db}", {"visibility": "public"}), 200)
        _, outsider = new_user(self.client)
        for label, token in (("anonymous", None), ("outsider", outsider)):
            with self.subTest(label):
                r = self.gql(db, "{ notes { body } __schema { mutationType { name } } }",
                             token=token)
                self.assertGqlData(r, {"notes": [{"body": "hi"}],
                                       "__schema": {"mutationType": None}})
                r = self.gql(db, 'mutation { insert_notes(objects: [{body: "x"}]) '
                                 '{ affected_rows } }', token=token)
                self.assertGqlErrors(r, data=None)

    def check_read_write(self, token, label, tag):
        fields = self.mutation_fields(token)
        self.assertIsNotNone(fields, f"{label}: a Mutation type")
        for prefix in ("insert_", "update_", "delete_"):
            for table in ("artists", "albums", "tracks"):
                self.assertIn(prefix + table, fields, label)
        self.assertIn("update_artists_by_pk", fields, label)
        self.assertIn("delete_artists_by_pk", fields, label)
        r = self.gql(self.db, 'mutation($n: String!) { insert_artists(objects: [{name: $n}]) '
                              '{ affected_rows returning { name born } } }', {"n": tag},
                     token=token)
        self.assertGqlData(r, {"insert_artists": {"affected_rows": 1,
                                                  "returning": [{"name": tag, "born": None}]}},
                           label)
        r = self.gql(self.db, 'mutation($n: String!) { update_artists(where: {name: {_eq: $n}}, '
                              '_set: {born: 2000}) { returning { born } } }', {"n": tag},
                     token=token)
        self.assertGqlData(r, {"update_artists": {"returning": [{"born": 2000}]}}, label)
        r = self.gql(self.db, 'query($n: String!) { artists(where: {name: {_eq: $n}}) { born } }',
                     {"n": tag}, token=token)
        self.assertGqlData(r, {"artists": [{"born": 2000}]}, label)
        r = self.gql(self.db, 'mutation($n: String!) { delete_artists(where: {name: {_eq: $n}}) '
                              '{ affected_rows } }', {"n": tag}, token=token)
        self.assertGqlData(r, {"delete_artists": {"affected_rows": 1}}, label)
        self.assertEqual(self.count(where=f"name = '{tag}'"), 0)

    def test_write_token(self):
        self.check_read_write(self.tokens["write"], "write token", "by write token")

    def test_editor_member(self):
        self.check_read_write(self.editor_token, "Editor", "by editor")

    def test_owner_session(self):
        self.check_read_write(self.owner_token, "owner", "by owner")

    def test_writeonly_token(self):
        token = self.tokens["writeonly"]
        self.assert_cannot_read(token, "writeonly")
        tag = "by writeonly"
        r = self.gql(self.db, 'mutation($n: String!) { insert_artists(objects: [{name: $n}]) '
                              '{ affected_rows } }', {"n": tag}, token=token)
        self.assertGqlData(r, {"insert_artists": {"affected_rows": 1}})
        r = self.gql(self.db, 'mutation($n: String!) { update_artists(where: {name: {_eq: $n}}, '
                              '_set: {born: 1999}) { affected_rows } }', {"n": tag}, token=token)
        self.assertGqlData(r, {"update_artists": {"affected_rows": 1}})
        self.assertEqual(self.count(where=f"name = '{tag}' AND born = 1999"), 1)
        r = self.gql(self.db, "mutation { update_artists_by_pk(id: 5, _set: {born: 1970}) "
                              "{ affected_rows } }", token=token)
        self.assertGqlData(r, {"update_artists_by_pk": {"affected_rows": 1}})
        # `returning` does not exist for a caller who may not read.
        for query in ('mutation { insert_artists(objects: [{name: "r"}]) { returning { id } } }',
                      'mutation { update_artists(where: {id: {_eq: 5}}, _set: {born: 1970}) '
                      '{ affected_rows returning { name } } }',
                      "mutation { delete_artists_by_pk(id: 999) { returning { name } } }"):
            with self.subTest(query):
                r = self.gql(self.db, query, token=token)
                self.assertGqlErrors(r, "returning", data=None, has_path=False)
        self.assertEqual(self.count(where="name = 'r'"), 0, "a refused mutation ran")
        # Filters may still reference columns (they select rows, they do not return them).
        r = self.gql(self.db, 'mutation($n: String!) { delete_artists(where: {name: {_eq: $n}}) '
                              '{ affected_rows } }', {"n": tag}, token=token)
        self.assertGqlData(r, {"delete_artists": {"affected_rows": 1}})
        self.assertEqual(self.count(where=f"name = '{tag}'"), 0)

    def test_insertonly_token(self):
        token = self.tokens["insertonly"]
        self.assert_cannot_read(token, "insertonly")
        tag = "by insertonly"
        r = self.gql(self.db, 'mutation($n: String!) { insert_artists(objects: [{name: $n}, '
                              '{name: $n}]) { affected_rows } }', {"n": tag}, token=token)
        self.assertGqlData(r, {"insert_artists": {"affected_rows": 2}})
        self.assertEqual(self.count(where=f"name = '{tag}'"), 2)
        for query, field in (
                ('mutation { update_artists(where: {id: {_eq: 1}}, _set: {born: 1}) '
                 '{ affected_rows } }', "update_artists"),
                ("mutation { delete_artists(where: {}) { affected_rows } }", "delete_artists"),
                ("mutation { update_artists_by_pk(id: 1, _set: {born: 1}) { affected_rows } }",
                 "update_artists_by_pk"),
                ("mutation { delete_artists_by_pk(id: 1) { affected_rows } }",
                 "delete_artists_by_pk"),
                ('mutation { insert_artists(objects: [{name: "r"}]) { returning { id } } }',
                 "returning")):
            with self.subTest(field):
                r = self.gql(self.db, query, token=token)
                self.assertGqlErrors(r, f'Cannot query field "{field}"', data=None,
                                     has_path=False)
        self.assertEqual(self.count(where="born = 1"), 0, "a refused mutation ran")
        self.assertEqual(self.count(where="name = 'r'"), 0, "a refused mutation ran")
        self.assertEqual(self.count(where="id = 1"), 1, "a refused mutation ran")
        self.client.sql(self.db, f"DELETE FROM artists WHERE name = '{tag}'")

    def test_insertonly_token_cannot_update_through_on_conflict(self):
        """An insert-only caller may add rows, never change existing ones: an upsert whose
        conflict would update a row must not update it (DO NOTHING is fine)."""
        token = self.tokens["insertonly"]
        self.assertSqlOk(self.client.sql(self.db, "INSERT INTO artists (id, name) "
                                                  "VALUES (900, 'original')"))
        try:
            r = self.gql(self.db, 'mutation { insert_artists(objects: [{id: 900, name: "hijack"}],'
                                  ' on_conflict: [{constraint: [id], update_columns: [name]}]) '
                                  '{ affected_rows } }', token=token)
            self.assertNo5xx(r)
            self.assertEqual(self.count(where="id = 900 AND name = 'original'"), 1,
                             "an insert-only token updated a row through on_conflict\n"
                             + r.describe())
            r = self.gql(self.db, 'mutation { insert_artists(objects: [{id: 900, name: "x"}], '
                                  'on_conflict: [{constraint: [id], update_columns: []}]) '
                                  '{ affected_rows } }', token=token)
            self.assertGqlData(r, {"insert_artists": {"affected_rows": 0}},
                               "DO NOTHING upsert (D6/D7)")
        finally:
            self.client.sql(self.db, "DELETE FROM artists WHERE id = 900")

    def test_tokens_limited_to_their_database(self):
        other = new_db(self.client, self.owner_token, self.owner, "CREATE TABLE t (x INTEGER)")
        for perm, token in self.tokens.items():
            with self.subTest(perm):
                self.assertJsonError(self.gql(other, "{ t { x } }", token=token), (403, 404),
                                     msg=f"{perm} token on another database")


class GraphQLConcurrency(GraphQLTestCase):
    THREADS = 8
    PER_THREAD = 50

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.client = cls.client.with_token(cls.token)

    def test_mixed_queries_and_inserts(self):
        db = new_db(self.client, self.token, self.user,
                    "CREATE TABLE events (id INTEGER PRIMARY KEY, worker INTEGER NOT NULL, "
                    "seq INTEGER NOT NULL, note TEXT, UNIQUE (worker, seq))")
        acknowledged = [0] * self.THREADS
        problems = []
        lock = threading.Lock()

        def problem(text):
            with lock:
                problems.append(text)

        def worker(w):
            seq = 0
            for i in range(self.PER_THREAD):
                kind = i % 4
                if kind == 0:
                    q, v = ("query($w: Int!) { events(where: {worker: {_eq: $w}}, "
                            "order_by: {seq: DESC}, limit: 3) { seq } "
                            "events_aggregate { aggregate { count } } }", {"w": w})
                elif kind == 1:
                    q, v = ("mutation($w: Int!, $s: Int!) { insert_events(objects: "
                            "[{worker: $w, seq: $s, note: \"one\"}]) { affected_rows } }",
                            {"w": w, "s": seq})
                    seq += 1
                elif kind == 2:
                    q, v = ("mutation($w: Int!, $s: Int!, $t: Int!) { insert_events(objects: "
                            "[{worker: $w, seq: $s}, {worker: $w, seq: $t}]) "
                            "{ affected_rows returning { seq } } }",
                            {"w": w, "s": seq, "t": seq + 1})
                    seq += 2
                else:
                    q, v = ("query($w: Int!) { events_by_pk(id: 1) { id } "
                            "mine: events(where: {worker: {_eq: $w}}) { seq } }", {"w": w})
                try:
                    r = self.gql(db, q, v, timeout=60)
                except Exception as e:  # noqa: BLE001 -- reported below
                    problem(f"worker {w} request {i}: {e!r}")
                    continue
                if r.status != 200 or not isinstance(r.body, dict) or "errors" in r.body \
                        or not isinstance(r.body.get("data"), dict):
                    problem(f"worker {w} request {i}:\n{r.describe()}")
                    continue
                data = r.body["data"]
                if kind in (1, 2):
                    rows = data["insert_events"]["affected_rows"]
                    acknowledged[w] += rows
                    if rows != kind:
                        problem(f"worker {w} request {i}: affected_rows {rows}\n{r.text}")
                elif kind == 3:
                    # Read-your-writes: everything this worker inserted so far is visible.
                    if len(data["mine"]) != acknowledged[w]:
                        problem(f"worker {w} request {i}: sees {len(data['mine'])} of its "
                                f"{acknowledged[w]} rows\n{r.text}")

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(self.THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        self.assertFalse(any(t.is_alive() for t in threads), "workers did not finish")
        self.assertEqual(problems, [], f"{len(problems)} problem(s); first:\n"
                         + (problems[0] if problems else ""))
        total = sum(acknowledged)
        per_thread = sum(i % 4 for i in range(self.PER_THREAD) if i % 4 in (1, 2))
        self.assertEqual(total, self.THREADS * per_thread, "every insert acknowledged")
        r = self.gql(db, "{ events_aggregate { aggregate { count } } }")
        self.assertGqlData(r, {"events_aggregate": {"aggregate": {"count": total}}})
        r = self.client.sql(db, "SELECT count(*) AS n, count(DISTINCT worker) AS w FROM events")
        self.assertEqual(self.assertSqlOk(r)["rows"], [{"n": total, "w": self.THREADS}])
        self.assertTrue(self.server.alive(), "the server died")


if __name__ == "__main__":
    unittest.main()
