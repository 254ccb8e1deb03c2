"""CSV import through the real server: POST /api/dbs/:dbId/tables/:table/import with the file
as the request body. Success (rows visible through the SQL endpoint), malformed files and
failing rows (400 naming the line, nothing imported), unknown columns (400 listing them), who
may import (403/404 as in test_authorization.py), and the size cap (413).
"""

import unittest

from harness import ServerModuleTest, create_token, new_db, new_user, set_roles, unique

MAX_IMPORT_BYTES = 2 * 1024 * 1024


def csv_headers(content_type="text/csv"):
    return {"Content-Type": content_type}


class CsvImport(ServerModuleTest):
    # A small import cap, so a file over it stays under every HTTP body limit: the 413 is the
    # library's, however the session stores the body.
    server_args = ("--max-import-bytes", str(MAX_IMPORT_BYTES))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.owner_name, cls.owner = new_user(c, unique("csvown"))
        cls.db = new_db(c, cls.owner, cls.owner_name,
                        "CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                        "age INTEGER, email TEXT UNIQUE)")

    def post_csv(self, body, table="people", db=None, token=..., content_type="text/csv"):
        if isinstance(body, str):
            body = body.encode()
        return self.client.request("POST", f"/api/dbs/{db or self.db}/tables/{table}/import",
                                   raw_body=body, headers=csv_headers(content_type),
                                   token=self.owner if token is ... else token)

    def rows(self, sql, db=None):
        r = self.client.sql(db or self.db, sql, token=self.owner)
        return self.assertSqlOk(r)["rows"]

    def fresh_db(self):
        return new_db(self.client, self.owner, self.owner_name,
                      "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                      "age INTEGER, email TEXT UNIQUE)")

    def test_import_rows_visible_through_sql(self):
        db = self.fresh_db()
        r = self.post_csv("Name,age,EMAIL\r\nAnn,42,ann@x\r\n\"Smith, Bob\",007,\r\n"
                          "\"multi\nline\",,c@x\r\n", table="T", db=db)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["numberOfRows"], 3)
        self.assertEqual(r.body["columns"], ["name", "age", "email"])
        self.assertEqual(r.body["encoding"], "UTF-8")
        self.assertEqual(self.rows("SELECT name, age, typeof(age) AS t, email FROM t ORDER BY id",
                                   db),
                         [{"name": "Ann", "age": 42, "t": "integer", "email": "ann@x"},
                          {"name": "Smith, Bob", "age": 7, "t": "integer", "email": None},
                          {"name": "multi\nline", "age": None, "t": "null", "email": "c@x"}])

    def test_utf16_and_bom(self):
        db = self.fresh_db()
        r = self.post_csv("\ufeffname,age\r\nZoë,30\r\n".encode("utf-16-le"), table="t", db=db)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["encoding"], "UTF-16 LE")
        r = self.post_csv("\ufeffname\nJosé\n".encode("utf-8"), table="t", db=db)
        self.assertStatus(r, 200)
        self.assertEqual(self.rows("SELECT name FROM t ORDER BY id", db),
                         [{"name": "Zoë"}, {"name": "José"}])

    def test_ragged_row_is_400_with_the_line(self):
        db = self.fresh_db()
        r = self.post_csv("name,age\nAnn,1\nBob,2\nCy\n", table="t", db=db)
        err = self.assertJsonError(r, 400, "invalid_argument")
        self.assertEqual(err["message"], "line 4 has 1 field, the header has 2")
        self.assertEqual(self.rows("SELECT count(*) AS n FROM t", db), [{"n": 0}])

    def test_invalid_utf8_is_400_with_the_line(self):
        r = self.post_csv(b"name\nAnn\nB\xffb\n")
        err = self.assertJsonError(r, 400, "invalid_argument")
        self.assertIn("line 3", err["message"])
        self.assertIn("UTF-8", err["message"])

    def test_unknown_columns_are_400_listing_them(self):
        r = self.post_csv("name,shoe_size,colour\nAnn,38,red\n")
        err = self.assertJsonError(r, 400, "invalid_argument")
        self.assertIn('"shoe_size", "colour"', err["message"])
        self.assertIn("its columns: id, name, age, email", err["message"])

    def test_constraint_failure_rolls_back_and_names_the_line(self):
        db = self.fresh_db()
        r = self.post_csv("name,email\nA,a@x\nB,b@x\nC,a@x\n", table="t", db=db)
        err = self.assertJsonError(r, 400, "invalid_argument")
        self.assertEqual(err["message"], "line 4: UNIQUE constraint failed: t.email")
        r = self.post_csv("name,email\nA,a@x\n,b@x\n", table="t", db=db)
        err = self.assertJsonError(r, 400, "invalid_argument")
        self.assertEqual(err["message"], "line 3: NOT NULL constraint failed: t.name")
        self.assertEqual(self.rows("SELECT count(*) AS n FROM t", db), [{"n": 0}])

    def test_missing_table_and_empty_file(self):
        self.assertJsonError(self.post_csv("name\nx\n", table="nope"), 404, "not_found")
        err = self.assertJsonError(self.post_csv(""), 400, "invalid_argument")
        self.assertIn("empty", err["message"])

    def test_multipart_form_upload(self):
        db = self.fresh_db()
        body = ("--b0undary\r\n"
                'Content-Disposition: form-data; name="file"; filename="people.csv"\r\n'
                "Content-Type: text/csv\r\n\r\n"
                "name,age\r\nAnn,1\r\nBob,2\r\n"
                "\r\n--b0undary--\r\n")
        r = self.post_csv(body, table="t", db=db,
                          content_type="multipart/form-data; boundary=b0undary")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["numberOfRows"], 2)
        self.assertEqual(self.rows("SELECT name, age FROM t ORDER BY id", db),
                         [{"name": "Ann", "age": 1}, {"name": "Bob", "age": 2}])
        r = self.post_csv("--b0undary\r\nno end", table="t", db=db,
                          content_type="multipart/form-data; boundary=b0undary")
        self.assertJsonError(r, 400, "invalid_argument")

    def test_tab_separated(self):
        db = self.fresh_db()
        r = self.post_csv("name\tage\nAnn, Jr\t3\n", table="t", db=db,
                          content_type="text/tab-separated-values")
        self.assertStatus(r, 200)
        r = self.client.request("POST", f"/api/dbs/{db}/tables/t/import?filename=x.tsv",
                                raw_body=b"name\tage\nBo\t4\n", headers=csv_headers(),
                                token=self.owner)
        self.assertStatus(r, 200)
        self.assertEqual(self.rows("SELECT name, age FROM t ORDER BY id", db),
                         [{"name": "Ann, Jr", "age": 3}, {"name": "Bo", "age": 4}])

    def test_large_file_imports_and_too_large_is_413(self):
        db = self.fresh_db()
        line = "Someone with a fairly long name,{},{}@example.com\n"
        body = "name,age,email\n" + "".join(line.format(i % 100, i) for i in range(30_000))
        self.assertLess(len(body), MAX_IMPORT_BYTES)
        self.assertGreater(len(body), MAX_IMPORT_BYTES // 2)
        r = self.post_csv(body, table="t", db=db)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["numberOfRows"], 30_000)
        self.assertEqual(self.rows("SELECT count(*) AS n, max(age) AS a FROM t", db),
                         [{"n": 30_000, "a": 99}])
        # Over the cap: 413, and nothing of it imported. (Larger than the JSON body limit
        # too: the route streams its body to a file, so the cap that answers is the import's.)
        too_big = "name\n" + "x" * (5 * 1024 * 1024) + "\n"
        r = self.post_csv(too_big, table="t", db=db)
        self.assertJsonError(r, 413, "payload_too_large")
        r = self.post_csv("name\n" + "y\n" * (MAX_IMPORT_BYTES // 2 + 1), table="t", db=db)
        self.assertJsonError(r, 413, "payload_too_large")
        self.assertEqual(self.rows("SELECT count(*) AS n FROM t", db), [{"n": 30_000}])

    def test_route_is_documented(self):
        r = self.client.get("/api/docs")
        self.assertStatus(r, 200)
        self.assertIn("/api/dbs/:dbId/tables/:table/import", r.text)


class CsvImportAuthorization(ServerModuleTest):
    """Insert access imports; read-only principals get 403, strangers 404 (decisions.md)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        names, cls.sessions = {}, {}
        # The first user of a fresh instance is the server admin.
        for role in ("sadmin", "owner", "other", "viewer", "editor"):
            names[role], cls.sessions[role] = new_user(c, unique(role[:5]))
        owner, team = cls.sessions["owner"], names["owner"]
        for member, roles in (("viewer", ["Viewer"]), ("editor", ["Editor"])):
            r = set_roles(c, owner, team, names[member], roles)
            assert r.status == 200, r.describe()
        cls.db = new_db(c, owner, team, "CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT)")
        cls.readonly_id = c.get(f"/api/dbs/{cls.db}", token=owner).body["readonlyId"]
        cls.tokens = {}
        for perm in ("read", "write", "writeonly", "insertonly"):
            r = create_token(c, owner, team, [(cls.db, perm)])
            assert r.status == 201, r.describe()
            cls.tokens["tok_" + perm] = r.body["body"]

    def test_who_may_import(self):
        expected = {"owner": 200, "sadmin": 200, "editor": 200, "tok_write": 200,
                    "tok_writeonly": 200, "tok_insertonly": 200, "viewer": 403, "tok_read": 403,
                    "other": 404, "anon": 401, "readonly": 401}
        credentials = {**self.sessions, **self.tokens, "anon": None, "readonly": None}
        imported = 0
        for who, status in expected.items():
            with self.subTest(principal=who):
                db = self.readonly_id if who == "readonly" else self.db
                r = self.client.request("POST", f"/api/dbs/{db}/tables/items/import",
                                        raw_body=f"v\nrow by {who}\n",
                                        headers=csv_headers(), token=credentials[who])
                self.assertStatus(r, status)
                if status == 200:
                    imported += 1
                    self.assertEqual(r.body["numberOfRows"], 1)
                else:
                    self.assertJsonError(r, status)
        r = self.client.sql(self.db, "SELECT count(*) AS n FROM items",
                            token=self.sessions["owner"])
        self.assertEqual(self.assertSqlOk(r)["rows"], [{"n": imported}])


if __name__ == "__main__":
    unittest.main()
