"""Table export, table search, the schema as SQL text and the Azimutt schema, through the real
server: every route, content types, Content-Disposition, bad input and who may do what."""

import csv
import io
import json
import pathlib
import sqlite3
import subprocess
import tempfile
import unittest
import urllib.parse

from harness import ServerModuleTest, create_token, new_db, new_user, unique

SCHEMA = (
    "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT, city TEXT, score REAL, pic BLOB);"
    "INSERT INTO people (name, city, score, pic) VALUES "
    "('Ada Lovelace', 'London', 0.1, X'89504E47'),"
    "('with, \"comma\"', 'Paris', 1.0, NULL),"
    "('two' || char(10) || 'lines', NULL, NULL, NULL),"
    "('ünïcödé', 'Zürich', -2.5, NULL),"
    "('100% sure_thing', 'Oslo', 3.0, NULL);"
    "CREATE VIEW londoners AS SELECT name FROM people WHERE city = 'London';"
    "CREATE TABLE \"Ünïcode tåble\" (x);"
    "INSERT INTO \"Ünïcode tåble\" VALUES (1);"
    "CREATE INDEX people_city ON people (city)")


def q(name: str) -> str:
    return urllib.parse.quote(name, safe="")


class ExportRoutes(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.user, cls.token = new_user(c, unique("exp"))
        cls.db = new_db(c, cls.token, cls.user, SCHEMA)
        cls.readonly_id = c.get(f"/api/dbs/{cls.db}", token=cls.token).body["readonlyId"]
        cls.tokens = {}
        for perm in ("read", "write", "writeonly", "insertonly"):
            r = create_token(c, cls.token, cls.user, [(cls.db, perm)])
            assert r.status == 201, r.describe()
            cls.tokens[perm] = r.body["body"]
        cls.other_user, cls.other_token = new_user(c, unique("oth"))

    def export(self, table="people", fmt=None, token=..., base=None):
        path = f"{base or '/api/dbs/' + self.db}/tables/{q(table)}/export"
        if fmt is not None:
            path += f"?format={fmt}"
        return self.client.get(path, token=self.token if token is ... else token)

    # ---- export

    def test_csv_export(self):
        r = self.export()
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.header("Content-Type"), "text/csv; charset=utf-8")
        self.assertEqual(r.header("Content-Disposition"), 'attachment; filename="people.csv"')
        text = r.raw.decode("utf-8")
        self.assertTrue(text.startswith("id,name,city,score,pic\r\n"), text)
        self.assertIn('2,"with, ""comma""",Paris,1.0,\r\n', text)
        rows = list(csv.reader(io.StringIO(text, newline="")))
        self.assertEqual(len(rows), 6)
        self.assertEqual(rows[1], ["1", "Ada Lovelace", "London", "0.1", "iVBORw=="])
        self.assertEqual(rows[3][1], "two\nlines")
        self.assertEqual(rows[4][1:3], ["ünïcödé", "Zürich"])

    def test_json_ndjson_and_sql_exports(self):
        r = self.export(fmt="json")
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.header("Content-Type"), "application/json")
        self.assertEqual(r.header("Content-Disposition"), 'attachment; filename="people.json"')
        rows = json.loads(r.text)
        self.assertEqual([row["id"] for row in rows], [1, 2, 3, 4, 5])
        self.assertEqual(rows[0]["score"], 0.1)
        self.assertEqual(rows[2]["city"], None)

        r = self.export(fmt="ndjson")
        self.assertEqual(r.header("Content-Type"), "application/x-ndjson")
        lines = r.text.splitlines()
        self.assertEqual([json.loads(line)["name"] for line in lines][:2],
                         ["Ada Lovelace", 'with, "comma"'])

        r = self.export(fmt="sql")
        self.assertEqual(r.header("Content-Type"), "application/sql")
        self.assertEqual(r.header("Content-Disposition"), 'attachment; filename="people.sql"')
        fresh = sqlite3.connect(":memory:")
        fresh.executescript(r.text)
        got = fresh.execute("SELECT * FROM people ORDER BY id").fetchall()
        self.assertEqual(len(got), 5)
        self.assertEqual(got[0], (1, "Ada Lovelace", "London", 0.1, b"\x89PNG"))
        self.assertEqual(fresh.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'index'").fetchall(), [("people_city",)])

    def test_view_and_unicode_names(self):
        r = self.export("londoners")
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.text, "name\r\nAda Lovelace\r\n")
        r = self.export("Ünïcode tåble")
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.header("Content-Disposition"),
                         "attachment; filename=\"__n__code t__ble.csv\"; "
                         "filename*=UTF-8''%C3%9Cn%C3%AFcode%20t%C3%A5ble.csv")
        self.assertEqual(r.text, "x\r\n1\r\n")

    def test_export_errors(self):
        self.assertJsonError(self.export(fmt="xml"), 400, "invalid_argument", "format")
        self.assertJsonError(self.export("nope"), 404, "not_found")
        self.assertJsonError(self.client.get("/api/dbs/nope/tables/people/export",
                                             token=self.token), 404)

    def test_export_access(self):
        for perm in ("read", "write"):
            r = self.export(token=self.tokens[perm])
            self.assertEqual(r.status, 200, f"{perm}: {r.describe()}")
            self.assertIn("Ada Lovelace", r.text)
        for perm in ("writeonly", "insertonly"):
            self.assertJsonError(self.export(token=self.tokens[perm]), 403, "permission_denied")
        # The read-only id reads the database (as GraphQL and downloads do), so it may export.
        r = self.client.get(f"/readonly/{self.readonly_id}/tables/people/export?format=ndjson",
                            token=None)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(len(r.text.splitlines()), 5)
        self.assertJsonError(self.client.get("/readonly/wrong/tables/people/export", token=None),
                             404)
        # Anonymous callers and strangers cannot tell that a private database exists.
        self.assertJsonError(self.export(token=None), 404)
        self.assertJsonError(self.export(token=self.other_token), 404)
        self.assertJsonError(self.export(token="not-a-token"), 401, "unauthenticated")

    # ---- search

    def search(self, term, query="", token=..., table="people"):
        return self.client.get(f"/api/dbs/{self.db}/tables/{q(table)}/search/{q(term)}{query}",
                               token=self.token if token is ... else token)

    def test_search(self):
        r = self.assertStatus(self.search("london"), 200)
        body = r.body
        for key in ("columns", "description", "maxCellLimitReached", "name", "numberOfRows",
                    "rowidColumnName", "tableType", "rows", "numberOfMatches"):
            self.assertIn(key, body)
        self.assertEqual(body["name"], "people")
        self.assertEqual(body["tableType"], "Table")
        self.assertEqual(body["rowidColumnName"], "id")
        self.assertEqual(body["numberOfRows"], 5)
        self.assertEqual(body["numberOfMatches"], 1)
        self.assertEqual(body["rows"][0]["name"], "Ada Lovelace")
        self.assertEqual(body["rows"][0]["rowid"], 1)
        self.assertEqual(body["rows"][0]["pic"], {"type": "blob"})
        # Case-insensitive, typo-tolerant, ranked; % and _ are plain characters.
        self.assertEqual([row["id"] for row in self.search("ZÜRICH").body["rows"]], [4])
        self.assertEqual([row["id"] for row in self.search("lovelase").body["rows"]], [1])
        self.assertEqual([row["id"] for row in self.search("100%").body["rows"]], [5])
        self.assertEqual(self.search("%").body["numberOfMatches"], 1)
        self.assertEqual(self.search("_").body["numberOfMatches"], 1)
        # Paging.
        both = self.search("o").body
        self.assertGreaterEqual(both["numberOfMatches"], 3)
        page = self.search("o", "?limit=1&offset=1").body
        self.assertEqual(len(page["rows"]), 1)
        self.assertEqual(page["rows"][0], both["rows"][1])
        # A view.
        v = self.assertStatus(self.search("ada", table="londoners"), 200).body
        self.assertEqual(v["tableType"], "View")
        self.assertIsNone(v["rowidColumnName"])
        self.assertEqual(v["rows"], [{"name": "Ada Lovelace", "rowid": None}])

    def test_search_errors_and_access(self):
        self.assertJsonError(self.search("x", "?limit=0"), 400)
        self.assertJsonError(self.search("x", "?limit=1001"), 400)
        self.assertJsonError(self.search("x", "?limit=abc"), 400)
        self.assertJsonError(self.search("x", "?offset=-1"), 400)
        self.assertJsonError(self.search("x", "?offset=100001"), 400)
        self.assertJsonError(self.client.get(f"/api/dbs/{self.db}/tables/people/search/%20",
                                             token=self.token), 400)
        self.assertJsonError(self.search("x" * 1001), 400)
        self.assertJsonError(self.search("x", table="nope"), 404)
        self.assertStatus(self.search("ada", token=self.tokens["read"]), 200)
        self.assertJsonError(self.search("ada", token=self.tokens["writeonly"]), 403)
        self.assertJsonError(self.search("ada", token=self.tokens["insertonly"]), 403)
        self.assertJsonError(self.search("ada", token=None), 404)

    # ---- schema

    def test_schema_text(self):
        r = self.client.get(f"/api/dbs/{self.db}/schema", token=self.token)
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.header("Content-Type"), "text/plain; charset=utf-8")
        self.assertTrue(r.text.startswith("CREATE TABLE people (id INTEGER PRIMARY KEY"), r.text)
        self.assertIn("CREATE VIEW londoners AS SELECT name FROM people WHERE city = 'London'\n"
                      "/* londoners(name) */;\n", r.text)
        self.assertIn('CREATE TABLE IF NOT EXISTS "Ünïcode tåble" (x);\n', r.text)
        # The same text as the real sqlite3 CLI on an identical file.
        with tempfile.TemporaryDirectory() as tmp:
            path = f"{tmp}/copy.sqlite"
            copy = sqlite3.connect(path)
            copy.executescript(SCHEMA)
            copy.close()
            try:
                cli = subprocess.run(["sqlite3", path, ".schema"], capture_output=True,
                                     text=True, check=True).stdout
            except FileNotFoundError:
                self.skipTest("sqlite3 CLI not installed")
        self.assertEqual(r.text, cli)
        self.assertJsonError(self.client.get(f"/api/dbs/{self.db}/schema",
                                             token=self.tokens["insertonly"]), 403)
        self.assertJsonError(self.client.get(f"/api/dbs/{self.db}/schema", token=None), 404)
        self.assertEqual(self.client.get(f"/api/dbs/{self.db}/schema",
                                         token=self.tokens["read"]).status, 200)

    def test_azimutt_schema(self):
        r = self.assertStatus(self.client.get(f"/api/dbs/{self.db}/azimutt-schema",
                                              token=self.token), 200)
        body = r.body
        self.assertEqual(set(body), {"relations", "tables"})
        people = body["tables"][0]
        self.assertEqual(people["table"], "people")
        self.assertEqual(people["schema"], "public")
        self.assertFalse(people["view"])
        self.assertEqual(people["primaryKey"], {"columns": ["id"], "name": "id"})
        self.assertEqual(people["columns"][1], {"columns": [], "comment": None, "default": None,
                                                "name": "name", "nullable": True, "type": "TEXT"})
        self.assertEqual(people["indexes"][0]["name"], "people_city")
        view = [t for t in body["tables"] if t["table"] == "londoners"][0]
        self.assertTrue(view["view"])
        self.assertJsonError(self.client.get(f"/api/dbs/{self.db}/azimutt-schema",
                                             token=self.tokens["writeonly"]), 403)
        self.assertJsonError(self.client.get(f"/api/dbs/{self.db}/azimutt-schema", token=None),
                             404)


class ExportTimeLimit(ServerModuleTest):
    """A tiny export time limit, crossed by a table big enough to take longer."""

    server_args = ("--export-timeout-ms", "1")

    def test_export_past_its_time_limit(self):
        c = self.client
        user, token = new_user(c, unique("slow"))
        db = new_db(c, token, user,
                    "CREATE TABLE big (n INTEGER, s TEXT);"
                    "WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c "
                    "WHERE n < 300000) INSERT INTO big SELECT n, printf('row %d', n) FROM c")
        r = c.get(f"/api/dbs/{db}/tables/big/export", token=token)
        # 504 (deadline_exceeded) is a 5xx, so assertJsonError's 4xx rule does not apply.
        self.assertEqual(r.status, 504, r.describe())
        self.assertEqual(r.body["errors"][0]["code"], "deadline_exceeded")
        self.assertIn("time limit", r.body["errors"][0]["message"])
        # No temporary file is left behind.
        self.assertEqual(list((pathlib.Path(self.server.data_dir) / "tmp").glob("*")),
                         [])


if __name__ == "__main__":
    unittest.main()
