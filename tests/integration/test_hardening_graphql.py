"""GraphQL attacks from issue 6 ("Security and resource hardening") against the real server:
fragments that double per level (exponential validation), too many fields or aliases, answers
of gigabytes, invalid UTF-8 in stored text, and tables named like generated fields. Each test
must end in a clear answer within seconds."""

import threading
import time
import unittest

from graphql_support import GraphQLTestCase
from harness import new_db, new_user

# 200 rows of about 70 bytes of JSON each.
SMALL_SQL = """
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200)
INSERT INTO t SELECT i, printf('%.50c', 'x') FROM n;
"""

# 10,000 rows of about 120 bytes of JSON each: one root field is about 1.2 MB.
BIG_SQL = """
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
INSERT INTO t SELECT i, printf('%.100c', 'x') FROM n;
"""

REQUEST_TIMEOUT = 15  # seconds; the old validator needed minutes for the fragment documents


def doubling_fragments(levels: int) -> str:
    """F0 spreads F1 twice, F1 spreads F2 twice, …: 2^levels fields after expansion."""
    parts = ["{ t { ...F0 } }"]
    for i in range(levels):
        parts.append(f"fragment F{i} on t_row {{ ...F{i + 1} ...F{i + 1} }}")
    parts.append(f"fragment F{levels} on t_row {{ name }}")
    return " ".join(parts)


def aliases(n: int, selection: str = "t { id name }") -> str:
    return "{ " + " ".join(f"a{i}: {selection}" for i in range(n)) + " }"


class WithSmallDatabase(GraphQLTestCase):
    """A signed-in user and a database of 200 small rows (`cls.small`)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.client = cls.client.with_token(cls.token)
        cls.small = new_db(cls.client, cls.token, cls.user, SMALL_SQL)


class GraphQLHardeningDefaults(WithSmallDatabase):
    """The default limits: 10,000 fields, 200 aliases, 64 MiB of response."""

    def test_fragments_doubling_27_levels_are_refused_before_execution(self):
        query = doubling_fragments(27)
        self.assertLess(len(query), 1600)
        r = self.gql(self.small, query, timeout=REQUEST_TIMEOUT)
        self.assertGqlErrors(
            r, "The document has 134217729 fields after fragment expansion; the limit is 10000.",
            data=None, count=1, locations=False)

    def test_fragments_doubling_40_levels_are_refused_before_execution(self):
        r = self.gql(self.small, doubling_fragments(40), timeout=REQUEST_TIMEOUT)
        self.assertGqlErrors(r, "1099511627777 fields after fragment expansion", data=None,
                             count=1, locations=False)

    def test_fields_after_expansion_past_the_node_limit_are_refused(self):
        # 2^14 + 1 = 16385 fields; 2^13 + 1 = 8193 are fine.
        r = self.gql(self.small, doubling_fragments(14), timeout=REQUEST_TIMEOUT)
        self.assertGqlErrors(
            r, "The document has 16385 fields after fragment expansion; the limit is 10000.",
            data=None, count=1, locations=False)
        data = self.assertGqlData(self.gql(self.small, doubling_fragments(13).replace(
            "{ t {", "{ t(limit: 2) {", 1), timeout=REQUEST_TIMEOUT))
        self.assertEqual(len(data["t"]), 2)

    def test_a_huge_in_list_in_variables_is_refused_before_preparing(self):
        # 249,000 values took 99 s of CPU to prepare (quadratic in SQLite, not interruptible).
        query = "query($w: t_filter) { t(where: $w) { id } }"
        r = self.gql(self.small, query, {"w": {"id": {"_in": list(range(20_000))}}},
                     timeout=REQUEST_TIMEOUT)
        self.assertIn("more than 10000 values", r.text, r.describe())
        self.assertFalse((r.body or {}).get("data"), r.describe())
        data = self.assertGqlData(self.gql(self.small, query,
                                           {"w": {"id": {"_in": list(range(1, 5001))}}}))
        self.assertEqual(len(data["t"]), 200)

    def test_more_than_200_aliases_are_refused(self):
        r = self.gql(self.small, aliases(201, "t(limit: 1) { id }"))
        self.assertGqlErrors(r, "The document has 201 aliased fields; the limit is 200.",
                             data=None, count=1, locations=False)
        data = self.assertGqlData(self.gql(self.small, aliases(200, "t(limit: 1) { id }")))
        self.assertEqual(len(data), 200)

    def test_10000_rows_times_300_aliases_are_refused(self):
        db = new_db(self.client, self.token, self.user, BIG_SQL)
        # 300 aliases: over the alias limit, refused before anything runs.
        r = self.gql(db, aliases(300), timeout=REQUEST_TIMEOUT)
        self.assertGqlErrors(r, "300 aliased fields", data=None, count=1, locations=False)
        # 150 aliases (allowed) of 1.2 MB each would be 180 MB: stopped at 64 MiB.
        r = self.gql(db, aliases(150), timeout=REQUEST_TIMEOUT)
        self.assertGqlErrors(
            r, "the response is larger than 67108864 bytes; select fewer rows or fields",
            data=None, count=1)
        self.assertLess(len(r.raw), 10_000)

    def test_invalid_utf8_in_stored_text_becomes_the_replacement_character(self):
        db = new_db(self.client, self.token, self.user, """
            CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);
            INSERT INTO t VALUES (1, CAST(x'ff41' AS TEXT)), (2, CAST(x'41c3' AS TEXT)),
                                 (3, 'caf' || char(233));
        """)
        r = self.gql(db, "{ t { id name } t_by_pk(id: 1) { name } }")
        r.raw.decode("utf-8")  # strict: raises on invalid UTF-8
        self.assertGqlData(r, {"t": [{"id": 1, "name": "\ufffdA"}, {"id": 2, "name": "A\ufffd"},
                                     {"id": 3, "name": "caf\u00e9"}],
                               "t_by_pk": {"name": "\ufffdA"}})

    def test_a_table_named_t_aggregate_keeps_its_name(self):
        db = new_db(self.client, self.token, self.user, """
            CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);
            CREATE TABLE t_aggregate (id INTEGER PRIMARY KEY, w TEXT);
            INSERT INTO t VALUES (1, 10), (2, 20);
            INSERT INTO t_aggregate VALUES (7, 'w');
        """)
        data = self.assertGqlData(self.gql(
            db, "{ t_aggregate { id w } t_aggregate_ { aggregate { count } } }"))
        self.assertEqual(data, {"t_aggregate": [{"id": 7, "w": "w"}],
                                "t_aggregate_": {"aggregate": {"count": 2}}})

    def test_a_child_table_named_like_a_relationship_aggregate_keeps_its_name(self):
        db = new_db(self.client, self.token, self.user, """
            CREATE TABLE p (id INTEGER PRIMARY KEY);
            CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));
            CREATE TABLE c_aggregate (id INTEGER PRIMARY KEY, p_id INTEGER REFERENCES p(id));
            INSERT INTO p VALUES (1);
            INSERT INTO c VALUES (1, 1), (2, 1);
            INSERT INTO c_aggregate VALUES (5, 1);
        """)
        data = self.assertGqlData(self.gql(
            db, "{ p { c_aggregate { id } c_aggregate_ { aggregate { count } } } }"))
        self.assertEqual(data, {"p": [{"c_aggregate": [{"id": 5}],
                                       "c_aggregate_": {"aggregate": {"count": 2}}}]})


class GraphQLHardeningLoweredLimits(WithSmallDatabase):
    """The 2,000-alias attack on a small table with a lowered response cap."""

    server_args = ("--graphql-max-response-bytes", "100000", "--graphql-max-aliases", "5000",
                   "--graphql-max-nodes", "50000")

    def test_2000_aliases_stop_at_the_response_cap(self):
        r = self.gql(self.small, aliases(2000), timeout=REQUEST_TIMEOUT)
        self.assertGqlErrors(
            r, "the response is larger than 100000 bytes; select fewer rows or fields",
            data=None, count=1)

    def test_answers_under_the_cap_are_whole(self):
        data = self.assertGqlData(self.gql(self.small, aliases(5)))
        self.assertEqual([len(v) for v in data.values()], [200] * 5)

    def test_a_mutation_answer_over_the_cap_is_refused_and_rolled_back(self):
        db = new_db(self.client, self.token, self.user, SMALL_SQL)
        long_name = "y" * 300
        r = self.gql(db, f'mutation {{ update_t(where: {{id: {{_gt: 0}}}}, '
                         f'_set: {{name: "{long_name}"}}) {{ a: returning {{ id name }} '
                         f'b: returning {{ id name }} }} }}')  # 2 x 200 x 320 bytes
        self.assertGqlErrors(r, "the response is larger than 100000 bytes", data=None, count=1)
        data = self.assertGqlData(self.gql(db, "{ t(limit: 1) { name } }"))
        self.assertEqual(data["t"][0]["name"], "x" * 50)


# A tree of 30,000 nodes, ten children each, its parent key unindexed.
TREE_SQL = """
CREATE TABLE node (id INTEGER PRIMARY KEY, up INTEGER REFERENCES node(id), v TEXT NOT NULL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
INSERT INTO node SELECT i, IIF(i = 1, NULL, (i + 8) / 10), printf('%.60c', 'n') FROM n;
"""


def nested(levels: int, fields: str = "id") -> str:
    inner = fields
    for _ in range(levels):
        inner = f"{fields} node_by_up {{ {inner} }}"
    return "{ node(where: {id: {_eq: 1}}) { " + inner + " } }"


class GraphQLHardeningNestedStatements(WithSmallDatabase):
    """Lists nested four deep run as statements of their own, once per parent row: a query
    that makes them scan 33 million rows stops at the time limit (it starts on an I/O thread,
    goes to the workers past the inline budget), and another tenant's reads are answered
    meanwhile."""

    server_args = ("--graphql-timeout-ms", "300")

    def test_deep_nested_lists_stop_at_the_time_limit(self):
        tree = new_db(self.client, self.token, self.user, TREE_SQL)
        other_user, other_token = new_user(self.client)
        other_db = new_db(self.client, other_token, other_user, SMALL_SQL)
        answers = []

        def attack():
            started = time.monotonic()
            r = self.gql(tree, nested(4), timeout=REQUEST_TIMEOUT)
            answers.append((r, time.monotonic() - started))

        attackers = [threading.Thread(target=attack) for _ in range(4)]
        for t in attackers:
            t.start()
        time.sleep(0.1)
        started = time.monotonic()
        self.assertGqlData(self.gql(other_db, "{ t(limit: 5) { id } }", token=other_token))
        other_took = time.monotonic() - started
        for t in attackers:
            t.join()
        for r, took in answers:
            self.assertGqlErrors(r, "time limit", data=None, count=1)
            self.assertLess(took, 3)
        self.assertLess(other_took, 0.3)
        # Indexed, the whole tree is answered.
        self.assertSqlOk(self.client.sql(tree, "CREATE INDEX node_up ON node(up)"))
        data = self.assertGqlData(self.gql(tree, nested(4), timeout=REQUEST_TIMEOUT))
        leaf = data["node"][0]
        for _ in range(4):
            leaf = leaf["node_by_up"][9]
        self.assertEqual(leaf["id"], 11111)


if __name__ == "__main__":
    unittest.main()
