"""airsql's GraphQL extensions and decisions with real data (artists → albums → tracks, linked by
foreign keys): `_and`/`_or`/`_not`, `_is_null`, relationship fields and filters, ordering by a
referenced row, aggregates, 64-bit integers (D2), the type mapping and lossless conversion
(D1) and file columns."""

import json
import unittest

from graphql_support import FULL, MUSIC_SQL, GraphQLTestCase
from harness import new_db, new_user

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1


class GraphQLFeatures(GraphQLTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.client = cls.client.with_token(cls.token)
        cls.db = new_db(cls.client, cls.token, cls.user, MUSIC_SQL)
        cls.readonly_id = cls.client.get(f"/api/dbs/{cls.db}").body["readonlyId"]

    def names(self, query, variables=None, field="artists", key="name", db=None):
        data = self.assertGqlData(self.gql(db or self.db, query, variables))
        return [row[key] for row in data[field]]

    # ---------------------------------------------------------------------------------------
    # Boolean operators and _is_null

    def test_boolean_operators_nest(self):
        q = """{ artists(where: {_or: [
                   {born: {_is_null: true}},
                   {_and: [{born: {_gte: 1970}}, {_not: {name: {_like: "A%"}}}]}]}) { name } }"""
        self.assertEqual(self.names(q), ["Accept", "Queen"])
        q = '{ artists(where: {_not: {_or: [{id: {_eq: 1}}, {id: {_eq: 2}}]}}) { name } }'
        self.assertEqual(self.names(q), ["Aerosmith", "Black Sabbath", "Queen"])
        q = """{ artists(where: {_and: [
                   {_or: [{name: {_like: "%e%"}}, {name: {_eq: "AC/DC"}}]},
                   {_not: {_and: [{born: {_is_null: false}}, {born: {_lt: 1971}}]}}]}) { name } }"""
        self.assertEqual(self.names(q), ["AC/DC", "Accept"], "NULL inside _not must not drop rows")
        # Columns and operators next to _or are ANDed (D5).
        q = '{ artists(where: {born: {_gt: 1968, _lt: 1973}, _or: [{id: {_eq: 3}}, {id: {_eq: 5}}, ' \
            '{id: {_eq: 1}}]}) { name } }'
        self.assertEqual(self.names(q), ["Aerosmith", "Queen"])
        # Through a variable of the filter type.
        q = "query($w: artists_filter!) { artists(where: $w) { name } }"
        w = {"_or": [{"id": {"_eq": 4}}, {"_not": {"id": {"_lt": 5}}}]}
        self.assertEqual(self.names(q, {"w": w}), ["Black Sabbath", "Queen"])
        # _and: [] holds for every row.
        self.assertEqual(len(self.names("{ artists(where: {_and: []}) { name } }")), 5)

    def test_is_null(self):
        self.assertEqual(self.names("{ artists(where: {born: {_is_null: true}}) { name } }"),
                         ["Accept"])
        self.assertEqual(self.names("{ artists(where: {born: {_is_null: false}}) { id } }",
                                    key="id"), [1, 3, 4, 5])
        self.assertEqual(self.names("{ albums(where: {artist_id: {_is_null: true}}) { title } }",
                                    field="albums", key="title"), ["Unknown Artist Album"])
        q = "query($n: Boolean) { albums(where: {year: {_is_null: $n}}) { id } }"
        self.assertEqual(self.names(q, {"n": False}, field="albums", key="id"), [1, 2, 3, 4, 5])
        # _eq: null keeps meaning IS NULL (AirGQL).
        self.assertEqual(self.names("{ artists(where: {born: {_eq: null}}) { name } }"),
                         ["Accept"])

    # ---------------------------------------------------------------------------------------
    # Relationships

    def test_object_relationship(self):
        r = self.gql(self.db, "{ albums { id artist { name born } } }")
        self.assertGqlData(r, {"albums": [
            {"id": 1, "artist": {"name": "AC/DC", "born": 1973}},
            {"id": 2, "artist": {"name": "AC/DC", "born": 1973}},
            {"id": 3, "artist": {"name": "Accept", "born": None}},
            {"id": 4, "artist": {"name": "Accept", "born": None}},
            {"id": 5, "artist": {"name": "Aerosmith", "born": 1970}},
            {"id": 6, "artist": None}]})
        r = self.gql(self.db, "{ tracks_by_pk(id: 6) { name album { title artist { name } } } }")
        self.assertGqlData(r, {"tracks_by_pk": {"name": "Walk On Water", "album": {
            "title": "Big Ones", "artist": {"name": "Aerosmith"}}}})

    def test_array_relationship_with_arguments(self):
        r = self.gql(self.db, """{ artists {
            name
            albums(where: {year: {_gte: 1980}}, order_by: [{year: DESC}], limit: 1) { title year }
            albums_aggregate { aggregate { count } } } }""")
        self.assertGqlData(r, {"artists": [
            {"name": "AC/DC", "albums": [{"title": "For Those About To Rock", "year": 1981}],
             "albums_aggregate": {"aggregate": {"count": 2}}},
            {"name": "Accept", "albums": [{"title": "Balls to the Wall", "year": 1983}],
             "albums_aggregate": {"aggregate": {"count": 2}}},
            {"name": "Aerosmith", "albums": [{"title": "Big Ones", "year": 1994}],
             "albums_aggregate": {"aggregate": {"count": 1}}},
            {"name": "Black Sabbath", "albums": [], "albums_aggregate": {"aggregate": {"count": 0}}},
            {"name": "Queen", "albums": [], "albums_aggregate": {"aggregate": {"count": 0}}}]})
        r = self.gql(self.db, """{ artists_by_pk(id: 1) {
            second: albums(order_by: {year: ASC}, limit: 1, offset: 1) { title }
            all: albums { title tracks(order_by: {ms: DESC}) { name } } } }""")
        self.assertGqlData(r, {"artists_by_pk": {
            "second": [{"title": "For Those About To Rock"}],
            "all": [{"title": "For Those About To Rock",
                     "tracks": [{"name": "For Those About To Rock"},
                                {"name": "Put The Finger On You"}]},
                    {"title": "Let There Be Rock", "tracks": [{"name": "Go Down"}]}]}})
        r = self.gql(self.db, """{ artists_by_pk(id: 2) {
            albums_aggregate(where: {year: {_gt: 1982}}) {
              aggregate { count max { year } min { title } } nodes { title } } } }""")
        self.assertGqlData(r, {"artists_by_pk": {"albums_aggregate": {
            "aggregate": {"count": 1, "max": {"year": 1983}, "min": {"title": "Balls to the Wall"}},
            "nodes": [{"title": "Balls to the Wall"}]}}})

    def test_field_errors_inside_relationships(self):
        db = new_db(self.client, self.token, self.user,
                    "CREATE TABLE a (id INTEGER PRIMARY KEY, name TEXT); "
                    "CREATE TABLE b (id INTEGER PRIMARY KEY, n INTEGER, a_id INTEGER "
                    "REFERENCES a(id)); "
                    "INSERT INTO a VALUES (1, 'one'), (2, 'two'); "
                    "INSERT INTO b VALUES (1, 2.5, 1), (2, 3, 1)")
        # A value error deep in a relationship: the full path, siblings intact.
        r = self.gql(db, "{ a_by_pk(id: 1) { name b { id n } } }")
        self.assertGqlErrors(r, "n", count=1, path=["a_by_pk", "b", 0, "n"], data={
            "a_by_pk": {"name": "one", "b": [{"id": 1, "n": None}, {"id": 2, "n": 3}]}})
        r = self.gql(db, "{ a_by_pk(id: 1) { b_aggregate { nodes { n } } } }")
        self.assertGqlErrors(r, "n", path=["a_by_pk", "b_aggregate", "nodes", 0, "n"])
        # An argument error in a relationship field: `b` is non-null, so the nullable `x`
        # becomes null -- the key stays in `data` and the other root field is kept.
        r = self.gql(db, "{ ok: a_by_pk(id: 2) { name } x: a_by_pk(id: 1) { name "
                         "b(limit: -1) { id } } }")
        self.assertGqlErrors(r, "limit", count=1,
                             data={"ok": {"name": "two"}, "x": None})
        r = self.gql(db, "{ a_by_pk(id: 1) { b(limit: -1) { id } } }")
        self.assertGqlErrors(r, "limit", count=1, data={"a_by_pk": None})
        self.assertGqlErrors(r, "limit", path=["a_by_pk", "b"],
                             locations=[{"line": 1, "column": 20}])

    def test_filter_by_relationship(self):
        q = '{ albums(where: {artist: {name: {_eq: "Accept"}}}) { title } }'
        self.assertEqual(self.names(q, field="albums", key="title"),
                         ["Balls to the Wall", "Restless and Wild"])
        # An array relationship matches when any referencing row does, without duplicates.
        q = '{ artists(where: {albums: {title: {_like: "%Rock%"}}}) { name } }'
        self.assertEqual(self.names(q), ["AC/DC"])
        q = '{ artists(where: {albums: {title: {_like: "%rock%"}}}) { name } }'
        self.assertEqual(self.names(q), [], "_like is case-sensitive (D4)")
        q = '{ artists(where: {albums: {title: {_ilike: "%rock%"}}}) { name } }'
        self.assertEqual(self.names(q), ["AC/DC"], "_ilike is case-insensitive (D4)")
        q = '{ artists(where: {_not: {albums: {year: {_lt: 2000}}}}) { name } }'
        self.assertEqual(self.names(q), ["Black Sabbath", "Queen"])
        q = '{ tracks(where: {album: {artist: {name: {_eq: "AC/DC"}}}}) { id } }'
        self.assertEqual(self.names(q, field="tracks", key="id"), [1, 2, 3])
        q = '{ artists(where: {albums: {tracks: {ms: {_gt: 340000}}}}) { name } }'
        self.assertEqual(self.names(q), ["AC/DC", "Accept"])
        q = ('{ artists(where: {_or: [{albums: {year: {_gt: 1990}}}, '
             '{albums: {title: {_eq: "Let There Be Rock"}}}]}) { name } }')
        self.assertEqual(self.names(q), ["AC/DC", "Aerosmith"])

    def test_order_by_object_relationship(self):
        q = ('{ albums(where: {artist_id: {_is_null: false}}, '
             'order_by: [{artist: {name: DESC}}, {year: ASC}]) { title } }')
        self.assertEqual(self.names(q, field="albums", key="title"),
                         ["Big Ones", "Restless and Wild", "Balls to the Wall",
                          "Let There Be Rock", "For Those About To Rock"])
        q = "{ albums(order_by: [{artist: {born: DESC}}, {id: ASC}]) { id } }"
        self.assertEqual(self.names(q, field="albums", key="id"), [1, 2, 5, 3, 4, 6])
        q = "{ tracks(order_by: {album: {year: DESC}}) { id } }"
        self.assertEqual(self.names(q, field="tracks", key="id"), [6, 4, 5, 1, 2, 3])

    def test_order_by_two_relationship_hops(self):
        """`tracks_order_by.album` is `albums_order_by`, which has `artist`: the schema admits
        ordering tracks by their album's artist, so it must be applied, not dropped."""
        q = "{ tracks(order_by: [{album: {artist: {name: ASC}}}, {id: DESC}]) { id } }"
        self.assertEqual(self.names(q, field="tracks", key="id"), [3, 2, 1, 5, 4, 6])
        q = "{ tracks(order_by: {album: {artist: {name: DESC}}}) { id } }"
        ids = self.names(q, field="tracks", key="id")
        self.assertEqual(ids[0], 6, "Aerosmith's track first")
        self.assertEqual(sorted(ids[1:3]), [4, 5], "then Accept's")

    # ---------------------------------------------------------------------------------------
    # Aggregates

    def test_table_aggregate(self):
        r = self.gql(self.db, """{ artists_aggregate {
            aggregate { count sum { id } avg { id } max { name } min { id } }
            nodes { name } } }""")
        self.assertGqlData(r, {"artists_aggregate": {
            "aggregate": {"count": 5, "sum": {"id": 15}, "avg": {"id": 3.0},
                          "max": {"name": "Queen"}, "min": {"id": 1}},
            "nodes": [{"name": n} for n in ("AC/DC", "Accept", "Aerosmith", "Black Sabbath",
                                            "Queen")]}})
        r = self.gql(self.db, """{ artists_aggregate { aggregate {
            with_born: count(columns: [born]) distinct_born: count(columns: [born], distinct: true)
            sum { born } avg { born } } } }""")
        self.assertGqlData(r, {"artists_aggregate": {"aggregate": {
            "with_born": 4, "distinct_born": 3, "sum": {"born": 7881}, "avg": {"born": 1970.25}}}})
        r = self.gql(self.db, "{ artists_aggregate(where: {born: {_gte: 1970}}, order_by: "
                              "{id: DESC}, limit: 2) { aggregate { count } nodes { id } } }")
        self.assertGqlData(r, {"artists_aggregate": {"aggregate": {"count": 2},
                                                     "nodes": [{"id": 5}, {"id": 3}]}})
        r = self.gql(self.db, "{ artists_aggregate(where: {id: {_gt: 100}}) { aggregate { count "
                              "sum { id } avg { id } max { name } min { id } } nodes { id } } }")
        self.assertGqlData(r, {"artists_aggregate": {
            "aggregate": {"count": 0, "sum": {"id": None}, "avg": {"id": None},
                          "max": {"name": None}, "min": {"id": None}}, "nodes": []}})
        r = self.gql(self.db, '{ albums_aggregate(where: {artist: {name: {_eq: "AC/DC"}}}) '
                              '{ aggregate { count min { year } max { year } } } }')
        self.assertGqlData(r, {"albums_aggregate": {"aggregate": {
            "count": 2, "min": {"year": 1977}, "max": {"year": 1981}}}})
        # Full view: the same.
        r = self.gql(self.db, "{ artists_aggregate { aggregate { count } } }", headers=FULL)
        self.assertGqlData(r, {"artists_aggregate": {"aggregate": {"count": 5}}})

    # ---------------------------------------------------------------------------------------
    # D2: 64-bit integers

    def test_64_bit_integers_in_results(self):
        db = new_db(self.client, self.token, self.user,
                    "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER NOT NULL); "
                    f"INSERT INTO big VALUES (1, 9007199254740993), (2, {INT64_MIN}), "
                    f"(3, {INT64_MAX}), (4, 2147483648), (8000000000, -2147483649)")
        r = self.gql(db, "{ big { id v } }")
        data = self.assertGqlData(r, {"big": [
            {"id": 1, "v": 9007199254740993}, {"id": 2, "v": INT64_MIN},
            {"id": 3, "v": INT64_MAX}, {"id": 4, "v": 2147483648},
            {"id": 8000000000, "v": -2147483649}]})
        for row in data["big"]:
            self.assertIsInstance(row["v"], int, f"{row} must be a JSON integer\n{r.text}")
        for text in ("9007199254740993", str(INT64_MIN), str(INT64_MAX)):
            self.assertIn(text, r.text, "64-bit values must be written exactly")
        r = self.gql(db, "{ big_by_pk(id: 8000000000) { v } "
                         "f: big(where: {v: {_gt: 9007199254740992}}) { id } "
                         "agg: big_aggregate(where: {id: {_lt: 3}}) { aggregate { min { v } "
                         "max { v } } } }")
        self.assertGqlData(r, {"big_by_pk": {"v": -2147483649}, "f": [{"id": 1}, {"id": 3}],
                               "agg": {"aggregate": {"min": {"v": INT64_MIN},
                                                     "max": {"v": 9007199254740993}}}})

    def test_64_bit_integers_in_variables(self):
        db = new_db(self.client, self.token, self.user,
                    "CREATE TABLE big (id INTEGER PRIMARY KEY, v INTEGER)")
        big = 2 ** 62 + 3
        r = self.gql(db, "mutation($id: Int!, $v: Int!) { insert_big(objects: [{id: $id, v: $v}])"
                         " { affected_rows returning { id v } } }", {"id": 8000000001, "v": big})
        self.assertGqlData(r, {"insert_big": {"affected_rows": 1,
                                              "returning": [{"id": 8000000001, "v": big}]}})
        r = self.gql(db, "mutation($v: Int!) { insert_big(objects: [{id: 2, v: $v}]) "
                         "{ affected_rows } }", {"v": INT64_MIN})
        self.assertGqlData(r, {"insert_big": {"affected_rows": 1}})
        r = self.gql(db, "query($v: Int!, $vs: [Int]) { eq: big(where: {v: {_eq: $v}}) { id } "
                         "inn: big(where: {v: {_in: $vs}}) { id } one: big_by_pk(id: 8000000001) "
                         "{ v } }", {"v": big, "vs": [INT64_MIN, big]})
        self.assertGqlData(r, {"eq": [{"id": 8000000001}],
                               "inn": [{"id": 2}, {"id": 8000000001}], "one": {"v": big}})
        r = self.gql(db, "mutation($v: Int!) { update_big_by_pk(id: 2, _set: {v: $v}) "
                         "{ returning { v } } }", {"v": INT64_MAX})
        self.assertGqlData(r, {"update_big_by_pk": {"returning": {"v": INT64_MAX}}})
        r = self.client.sql(db, "SELECT v FROM big WHERE id = 2")
        self.assertEqual(self.assertSqlOk(r)["rows"], [{"v": INT64_MAX}], "stored exactly")
        # Beyond 64 bits: refused, never wrapped or rounded.
        for value in (2 ** 63, INT64_MIN - 1, 2 ** 64):
            with self.subTest(value=value):
                r = self.gql(db, "query($v: Int!) { big(where: {v: {_eq: $v}}) { id } }",
                             {"v": value})
                self.assertGqlErrors(r, "$v", data=None, has_path=False)
        r = self.gql(db, "{ big(where: {v: {_eq: 9223372036854775808}}) { id } }")
        self.assertGqlErrors(r, data=None, has_path=False)
        # A float is not an Int.
        r = self.gql(db, "query($v: Int!) { big(where: {v: {_eq: $v}}) { id } }", {"v": 1.5})
        self.assertGqlErrors(r, "$v", data=None, has_path=False)

    # ---------------------------------------------------------------------------------------
    # D1: type mapping and mismatched storage classes

    def test_type_mapping_and_mismatched_values(self):
        db = new_db(self.client, self.token, self.user,
                    "CREATE TABLE mixed (id INTEGER PRIMARY KEY, n INTEGER, d DATETIME, "
                    "price NUMERIC, flag BOOLEAN, j JSON, t TEXT); "
                    "INSERT INTO mixed VALUES "
                    "(1, 2.5, '2024-01-01', 3.25, 1, '{\"a\":1}', 'x'), "
                    "(2, 7, 1700000000, 4, 0, NULL, 12), "
                    "(3, 9.0, 2.5, NULL, NULL, NULL, NULL), "
                    "(4, 'abc', NULL, NULL, NULL, NULL, NULL), "
                    "(5, 1e20, NULL, NULL, NULL, NULL, NULL)")
        r = self.gql(db, '{ __type(name: "mixed_row") { fields { name type { name } } } }')
        types = {f["name"]: f["type"]["name"]
                 for f in self.assertGqlData(r)["__type"]["fields"]}
        self.assertEqual(types, {"rowid": None, "id": None, "n": "Int", "d": "String",
                                 "price": "Float", "flag": "Boolean", "j": "String",
                                 "t": "String"}, "D1 type mapping")

        r = self.gql(db, "{ mixed { id n d price flag j t } }")
        errors = self.assertGqlErrors(r, "n", count=3, has_path=True)
        self.assertEqual(sorted(e["path"] for e in errors),
                         [["mixed", 0, "n"], ["mixed", 3, "n"], ["mixed", 4, "n"]], r.describe())
        rows = r.body["data"]["mixed"]
        self.assertEqual(rows, [
            {"id": 1, "n": None, "d": "2024-01-01", "price": 3.25, "flag": True,
             "j": '{"a":1}', "t": "x"},
            {"id": 2, "n": 7, "d": "1700000000", "price": 4.0, "flag": False, "j": None,
             "t": "12"},
            {"id": 3, "n": 9, "d": "2.5", "price": None, "flag": None, "j": None, "t": None},
            {"id": 4, "n": None, "d": None, "price": None, "flag": None, "j": None, "t": None},
            {"id": 5, "n": None, "d": None, "price": None, "flag": None, "j": None, "t": None},
        ], r.describe())
        # `n` is nullable: the cell is null, its siblings stay.
        r = self.gql(db, "{ mixed_by_pk(id: 1) { id n } }")
        self.assertGqlErrors(r, "n", data={"mixed_by_pk": {"id": 1, "n": None}},
                             path=["mixed_by_pk", "n"])
        # In a NOT NULL column the null bubbles up to the nearest nullable parent.
        self.assertSqlOk(self.client.sql(db, "CREATE TABLE strict_n (id INTEGER PRIMARY KEY, "
                                             "n INTEGER NOT NULL); INSERT INTO strict_n "
                                             "VALUES (1, 2.5), (2, 3)"))
        r = self.gql(db, "{ strict_n_by_pk(id: 1) { id n } other: strict_n_by_pk(id: 2) { n } }")
        self.assertGqlErrors(r, "n", count=1, path=["strict_n_by_pk", "n"],
                             data={"strict_n_by_pk": None, "other": {"n": 3}})
        r = self.gql(db, "{ strict_n { id n } }")
        self.assertGqlErrors(r, "n", count=1, path=["strict_n", 0, "n"], data=None)
        # Writing a REAL through GraphQL into the Float-typed NUMERIC column works.
        r = self.gql(db, "mutation { insert_mixed(objects: [{id: 6, price: 1.5, d: \"2025-02-03\","
                         " flag: true}]) { returning { price d flag } } }")
        self.assertGqlData(r, {"insert_mixed": {"returning": [
            {"price": 1.5, "d": "2025-02-03", "flag": True}]}})

    # ---------------------------------------------------------------------------------------
    # File columns

    def test_file_columns(self):
        r = self.gql(self.db, "{ albums(order_by: {id: ASC}, limit: 2) { id cover } }")
        data = self.assertGqlData(r)
        cover = data["albums"][0]["cover"]
        self.assertIsInstance(cover, str, f"a file cell is a string holding JSON\n{r.text}")
        self.assertEqual(json.loads(cover), {
            "url": f"/readonly/{self.readonly_id}/tables/albums/columns/cover/files/rowid/1"},
            r.text)
        self.assertNotIn(self.db, r.text, "file URLs must not reveal the database id")
        self.assertIsNone(data["albums"][1]["cover"], r.text)
        r = self.gql(self.db, '{ __type(name: "albums_row") { fields { name type { name } } } }')
        types = {f["name"]: f["type"]["name"] for f in self.assertGqlData(r)["__type"]["fields"]}
        self.assertEqual(types["cover"], "String", r.text)

        db = new_db(self.client, self.token, self.user,
                    'CREATE TABLE "my files" (id INTEGER PRIMARY KEY, "the file" blob, '
                    'doc Blob NOT NULL); '
                    "INSERT INTO \"my files\" VALUES (1, x'', x'00'), (2, NULL, x'01')")
        ro = self.client.get(f"/api/dbs/{db}").body["readonlyId"]
        base = f"/readonly/{ro}/tables/my%20files/columns"
        expected = {"myXX0files": [
            {"id": 1, "theXX0file": json.dumps({"url": f"{base}/the%20file/files/rowid/1"}),
             "doc": json.dumps({"url": f"{base}/doc/files/rowid/1"})},
            {"id": 2, "theXX0file": None,
             "doc": json.dumps({"url": f"{base}/doc/files/rowid/2"})}]}
        for label, kw in (("owner", {}), ("read-only endpoint",
                                          {"path": f"/readonly/{ro}/graphql", "token": None})):
            with self.subTest(label):
                r = self.gql(db, "{ myXX0files { id theXX0file doc } }", **kw)
                got = self.assertGqlData(r)["myXX0files"]
                decoded = [{k: json.loads(v) if isinstance(v, str) else v for k, v in row.items()}
                           for row in got]
                want = [{k: json.loads(v) if isinstance(v, str) else v for k, v in row.items()}
                        for row in expected["myXX0files"]]
                self.assertEqual(decoded, want, r.describe())


if __name__ == "__main__":
    unittest.main()
