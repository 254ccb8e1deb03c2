"""The Hasura forms a Hasura user writes without thinking, through the real server (additive to
AirGQL's schema; decisions in docs/decisions.md, GraphQL section): offset without limit on
nested lists and aggregates, _nlike/_nilike, _similar/_nsimilar."""

from graphql_support import AIRGQL, MUSIC_SQL, GraphQLTestCase
from harness import new_db, new_user


class GraphQLHasura(GraphQLTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.client = cls.client.with_token(cls.token)
        cls.db = new_db(cls.client, cls.token, cls.user, MUSIC_SQL)

    def names(self, query, field="artists", key="name"):
        data = self.assertGqlData(self.gql(self.db, query))
        return [row[key] for row in data[field]]

    def test_offset_without_limit(self):
        r = self.gql(self.db, "{ artists(where: {id: {_lte: 2}}) { name albums(offset: 1) { id } } }")
        self.assertGqlData(r, {"artists": [{"name": "AC/DC", "albums": [{"id": 2}]},
                                           {"name": "Accept", "albums": [{"id": 4}]}]})
        r = self.gql(self.db, "{ artists_aggregate(offset: 3) { aggregate { count } nodes { name } } }")
        self.assertGqlData(r, {"artists_aggregate": {"aggregate": {"count": 2},
                                                     "nodes": [{"name": "Black Sabbath"}, {"name": "Queen"}]}})
        # Root lists keep AirGQL's rule.
        self.assertGqlErrors(self.gql(self.db, "{ artists(offset: 1) { name } }"), "limit",
                             data=None, path=["artists"])

    def test_nlike_nilike(self):
        self.assertEqual(self.names('{ artists(where: {name: {_nlike: "A%"}}) { name } }'),
                         ["Black Sabbath", "Queen"])
        self.assertEqual(self.names('{ artists(where: {name: {_nilike: "%a%"}}) { name } }'),
                         ["Queen"])
        self.assertEqual(self.names('{ albums(where: {title: {_nilike: "%rock%"}}) { id } }',
                                    "albums", "id"), [3, 4, 5, 6])

    def test_similar(self):
        q = '{ artists(where: {name: {_similar: "A(C|c)%"}}) { name } }'
        self.assertEqual(self.names(q), ["AC/DC", "Accept"])
        q = '{ artists(where: {name: {_similar: "[A-B]%(th|DC)"}}) { name } }'
        self.assertEqual(self.names(q), ["AC/DC", "Aerosmith", "Black Sabbath"])
        q = '{ artists(where: {name: {_nsimilar: "A%"}}) { name } }'
        self.assertEqual(self.names(q), ["Black Sabbath", "Queen"])
        q = "query($p: String) { artists(where: {name: {_similar: $p}}) { id } }"
        data = self.assertGqlData(self.gql(self.db, q, {"p": "Q_{3}n"}))
        self.assertEqual(data, {"artists": [{"id": 5}]})
        # A bad pattern is a field error at the list, not a crash.
        r = self.gql(self.db, '{ artists(where: {name: {_similar: "a{2,1}"}}) { name } }')
        self.assertGqlErrors(r, "m <= n", data=None, path=["artists"])
        # Past the repetition limit.
        r = self.gql(self.db, '{ artists(where: {name: {_similar: "a{1001}"}}) { name } }')
        self.assertGqlErrors(r, "may not exceed 1000", data=None)

    def test_distinct_on(self):
        # The longest track of each album, per artist.
        q = """{ artists(where: {id: {_lte: 2}}) { name tracks: albums { title
                   tracks_aggregate(distinct_on: [album_id], order_by: [{album_id: ASC}, {ms: DESC}]) {
                     nodes { name ms } } } } }"""
        data = self.assertGqlData(self.gql(self.db, q))
        self.assertEqual(data["artists"][0]["tracks"][0]["tracks_aggregate"]["nodes"],
                         [{"name": "For Those About To Rock", "ms": 343719}])
        q = """{ albums_aggregate(distinct_on: artist_id, order_by: [{artist_id: ASC}, {year: ASC}],
                   where: {artist_id: {_is_null: false}}) { aggregate { count } nodes { title } } }"""
        self.assertGqlData(self.gql(self.db, q), {"albums_aggregate": {
            "aggregate": {"count": 3},
            "nodes": [{"title": "Let There Be Rock"}, {"title": "Restless and Wild"}, {"title": "Big Ones"}]}})
        # Nested list, by an object relationship after the distinct column.
        q = """{ artists_by_pk(id: 1) { albums(distinct_on: [artist_id],
                   order_by: [{artist_id: ASC}, {artist: {name: ASC}}, {id: DESC}]) { id } } }"""
        self.assertGqlData(self.gql(self.db, q), {"artists_by_pk": {"albums": [{"id": 2}]}})
        r = self.gql(self.db, "{ albums_aggregate(distinct_on: [year], order_by: {id: ASC}) { nodes { id } } }")
        self.assertGqlErrors(r, "distinct_on", data=None, path=["albums_aggregate"])
        # Not an argument of AirGQL's root lists.
        r = self.gql(self.db, "{ albums(distinct_on: [year]) { id } }")
        self.assertGqlErrors(r, 'Unknown argument "distinct_on"', data=None)

    def test_statistics(self):
        q = """{ tracks_aggregate(where: {album_id: {_lte: 2}}) { aggregate {
                   stddev { ms } stddev_pop { ms } variance { ms } var_pop { ms } var_samp { ms } } } }"""
        agg = self.assertGqlData(self.gql(self.db, q))["tracks_aggregate"]["aggregate"]
        values = [343719, 205662, 331180]
        mean = sum(values) / 3
        spread = sum((v - mean) ** 2 for v in values)
        self.assertAlmostEqual(agg["var_pop"]["ms"], spread / 3, delta=1e-3)
        self.assertAlmostEqual(agg["var_samp"]["ms"], spread / 2, delta=1e-3)
        self.assertAlmostEqual(agg["variance"]["ms"], spread / 2, delta=1e-3)
        self.assertAlmostEqual(agg["stddev"]["ms"], (spread / 2) ** 0.5, delta=1e-6)
        self.assertAlmostEqual(agg["stddev_pop"]["ms"], (spread / 3) ** 0.5, delta=1e-6)
        # Per artist, nested; one album: no sample statistic.
        q = "{ artists_by_pk(id: 3) { albums_aggregate { aggregate { stddev { year } var_pop { year } } } } }"
        self.assertGqlData(self.gql(self.db, q), {"artists_by_pk": {"albums_aggregate": {"aggregate": {
            "stddev": {"year": None}, "var_pop": {"year": 0.0}}}}})
        r = self.gql(self.db, "{ tracks_aggregate { aggregate { stddev { name } } } }")
        self.assertGqlErrors(r, 'Cannot query field "name" on type "tracks_stddev_fields"', data=None)

    def test_on_conflict_constraint_names(self):
        db = new_db(self.client, self.token, self.user,
                    "CREATE TABLE tags (id INTEGER PRIMARY KEY, slug TEXT UNIQUE, label TEXT);"
                    "INSERT INTO tags VALUES (1, 'rock', 'Rock');")
        q = """mutation { insert_tags(objects: [{slug: "rock", label: "Hard Rock"}, {slug: "pop", label: "Pop"}],
                   on_conflict: {constraint: tags_slug_key, update_columns: [label]}) {
                   affected_rows returning { id slug label } } }"""
        self.assertGqlData(self.gql(db, q), {"insert_tags": {"affected_rows": 2, "returning": [
            {"id": 1, "slug": "rock", "label": "Hard Rock"}, {"id": 2, "slug": "pop", "label": "Pop"}]}})
        q = """mutation { insert_tags(objects: {id: 2, slug: "pop"},
                   on_conflict: {constraint: tags_pkey, update_columns: []}) { affected_rows } }"""
        self.assertGqlData(self.gql(db, q), {"insert_tags": {"affected_rows": 0}})
        r = self.gql(db, "{ tags_aggregate { aggregate { count(columns: tags_pkey) } } }")
        self.assertGqlErrors(r, "is a constraint, not a column", data=None)
        q = '{ __type(name: "tags_column") { enumValues { name } } }'
        names = [v["name"] for v in self.assertGqlData(self.gql(db, q))["__type"]["enumValues"]]
        self.assertEqual(names, ["rowid", "id", "slug", "label", "tags_pkey", "tags_slug_key"])
        names = [v["name"] for v in self.assertGqlData(self.gql(db, q, headers=AIRGQL))["__type"]["enumValues"]]
        self.assertEqual(names, ["rowid", "id", "slug", "label"])

    def test_regex(self):
        self.assertEqual(self.names('{ artists(where: {name: {_regex: "^A[a-z]+$"}}) { name } }'),
                         ["Accept", "Aerosmith"])
        self.assertEqual(self.names('{ artists(where: {name: {_iregex: "^a[c-e]"}}) { name } }'),
                         ["AC/DC", "Accept", "Aerosmith"])
        self.assertEqual(self.names('{ artists(where: {name: {_nregex: "[a-z]"}}) { name } }'), ["AC/DC"])
        self.assertEqual(self.names('{ artists(where: {name: {_niregex: "a"}}) { name } }'), ["Queen"])
        r = self.gql(self.db, '{ artists(where: {name: {_regex: "[z-a]"}}) { name } }')
        self.assertGqlErrors(r, "invalid regular expression", data=None, path=["artists"])
        # Backtracking stops at PCRE2's match limit: an error, not a stuck worker.
        long = "a" * 30 + "!"
        r = self.client.post(f"/dbs/{self.db}/sql", {"query": f"SELECT '{long}' REGEXP '^(a+)+$' AS m"})
        self.assertStatus(r, 200)
        self.assertIn("too much work", r.body["errors"][0]["message"])
        r = self.client.post(f"/dbs/{self.db}/sql",
                             {"query": "SELECT count(*) AS n FROM albums WHERE title REGEXP 'Rock$'"})
        self.assertEqual(r.body["rows"], [{"n": 2}])

    def test_order_by_aggregate(self):
        q = "{ artists(order_by: [{albums_aggregate: {count: desc}}, {id: asc}], limit: 3) { name } }"
        self.assertEqual(self.names(q), ["AC/DC", "Accept", "Aerosmith"])
        # Albums by their total track length, longest first.
        q = "{ albums(order_by: {tracks_aggregate: {sum: {ms: DESC}}}, limit: 2) { id } }"
        # album 1: 549,381 ms over two tracks; album 3: 342,562; album 2: 331,180.
        self.assertEqual(self.names(q, "albums", "id"), [1, 3])
        r = self.gql(self.db, '{ __type(name: "artists_order_by") { inputFields { name } } }', headers=AIRGQL)
        names = [f["name"] for f in self.assertGqlData(r)["__type"]["inputFields"]]
        self.assertNotIn("albums_aggregate", names)

    def test_sql_endpoint_similar_to(self):
        r = self.client.post(f"/dbs/{self.db}/sql",
                             {"query": "SELECT similar_to('%Rock', title) AS m FROM albums ORDER BY id"})
        self.assertStatus(r, 200)
        self.assertEqual([row["m"] for row in r.body["rows"]], [1, 1, 0, 0, 0, 0])
        # 100,000 characters against the pattern backtracking matchers take exponential time on.
        r = self.client.post(f"/dbs/{self.db}/sql", {"query": "SELECT similar_to('(a*)*b', "
                             "replace(hex(zeroblob(50000)), '0', 'a')) AS m"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["rows"], [{"m": 0}])

    def test_airgql_view_hides_the_operators(self):
        q = '{ __type(name: "StringComparison") { inputFields { name } } }'
        full = self.assertGqlData(self.gql(self.db, q))
        names = [f["name"] for f in full["__type"]["inputFields"]]
        for op in ("_nlike", "_nilike", "_similar", "_nsimilar"):
            self.assertIn(op, names)
        airgql = self.assertGqlData(self.gql(self.db, q, headers=AIRGQL))
        names = [f["name"] for f in airgql["__type"]["inputFields"]]
        self.assertNotIn("_similar", names)
