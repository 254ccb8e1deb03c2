"""The tables and columns API through the real server: every route, its JSON shapes (as in
Airsequel's reference), rebuilds that keep data, and bad input (404, 400, 409). Who may call
which route is in test_authorization.py."""

import unittest

from harness import ServerModuleTest, new_db, new_user

TABLE_KEYS = ["columns", "description", "maxCellLimitReached", "name", "numberOfRows",
              "rowidColumnName", "tableType"]
COLUMN_KEYS = ["gqlDataType", "inputElement", "isGenerated", "isNonNull", "isOmittable",
               "isPrimaryKey", "isUnique", "items", "name", "sqliteDataType", "validations"]


class TablesApi(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.c = cls.client.with_token(cls.token)

    def fresh_db(self, sql=None):
        return new_db(self.client, self.token, self.user, sql)

    def put(self, path, body=None, **kw):
        return self.c.request("PUT", path, body, **kw)

    def rows(self, db, query):
        return self.assertSqlOk(self.c.sql(db, query), query)["rows"]

    def table(self, db, name):
        return self.assertStatus(self.c.get(f"/api/dbs/{db}/tables/{name}"), 200).body

    def test_get_table_shape(self):
        db = self.fresh_db(
            "CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT_EMAIL NOT NULL UNIQUE, "
            "stars INT_STARS DEFAULT 3, status TEXT CHECK (status IN ('new', 'done')), "
            "color TEXT_COLOR, day TEXT_DATE, photo BLOB_IMAGE);"
            "INSERT INTO people (email) VALUES ('a@example.org');"
            "CREATE VIEW emails AS SELECT email FROM people")
        t = self.table(db, "people")
        self.assertEqual(sorted(t), TABLE_KEYS)
        self.assertEqual((t["name"], t["tableType"], t["numberOfRows"], t["rowidColumnName"],
                          t["description"], t["maxCellLimitReached"]),
                         ("people", "Table", 1, "rowid", None, False))
        cols = {c["name"]: c for c in t["columns"]}
        self.assertEqual([c["name"] for c in t["columns"]],
                         ["id", "email", "stars", "status", "color", "day", "photo"])
        for c in t["columns"]:
            self.assertEqual(sorted(c), COLUMN_KEYS, c)
        self.assertEqual(cols["id"]["gqlDataType"], "Int")
        self.assertTrue(cols["id"]["isPrimaryKey"] and cols["id"]["isOmittable"])
        self.assertTrue(cols["email"]["isUnique"] and cols["email"]["isNonNull"])
        self.assertEqual(cols["email"]["inputElement"], "InputEmail")
        self.assertEqual(cols["stars"]["inputElement"], "InputStars")
        self.assertEqual(cols["stars"]["validations"], {"min": 1, "max": 5})
        self.assertEqual(cols["status"]["items"], ["new", "done"])
        self.assertEqual(cols["status"]["inputElement"], "InputSelect")
        self.assertEqual(cols["color"]["inputElement"], "InputColor")
        self.assertEqual(cols["day"]["inputElement"], "InputDate")
        self.assertEqual(cols["photo"]["inputElement"], "InputFile")
        self.assertIsNone(cols["email"]["items"])
        v = self.table(db, "emails")
        self.assertEqual((v["tableType"], v["rowidColumnName"], v["numberOfRows"]),
                         ("View", None, 1))
        # Names with spaces and quotes travel percent-encoded in the path.
        self.assertStatus(self.put(f"/api/dbs/{db}/tables/my%20%22odd%22%20table", {}), 200)
        self.assertEqual(self.table(db, "my%20%22odd%22%20table")["name"], 'my "odd" table')

    def test_create_patch_delete_table(self):
        db = self.fresh_db()
        r = self.put(f"/api/dbs/{db}/tables/tasks", {
            "description": "Things to do",
            "columns": [
                {"name": "title", "sqliteDataType": "TEXT", "isNonNull": True, "isUnique": True},
                {"name": "state", "items": ["new", "done"], "default": "new"},
                {"name": "created", "defaultSql": "CURRENT_TIMESTAMP"},
                {"name": "n", "sqliteDataType": "INTEGER", "check": "n >= 0", "default": 0}]})
        t = self.assertStatus(r, 200).body
        self.assertEqual(sorted(t), TABLE_KEYS)
        self.assertEqual(t["description"], "Things to do")
        self.assertEqual([c["name"] for c in t["columns"]], ["title", "state", "created", "n"])
        self.rows(db, "INSERT INTO tasks (title) VALUES ('write tests')")
        self.assertEqual(self.rows(db, "SELECT state, n, created IS NOT NULL AS c FROM tasks"),
                         [{"state": "new", "n": 0, "c": 1}])
        # The empty body: one integer key.
        t = self.assertStatus(self.put(f"/api/dbs/{db}/tables/blank"), 200).body
        self.assertEqual([(c["name"], c["isPrimaryKey"]) for c in t["columns"]], [("id", True)])
        # Order, rename, description.
        self.assertStatus(self.c.patch(f"/api/dbs/{db}/tables/blank", {"after": ""}), 200)
        info = self.c.get(f"/api/dbs/{db}").body
        self.assertEqual([x["name"] for x in info["tables"]], ["blank", "tasks"])
        r = self.c.patch(f"/api/dbs/{db}/tables/tasks", {"name": "todo", "description": None,
                                                         "after": None})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {})
        self.assertIsNone(self.table(db, "todo")["description"])
        self.assertStatus(self.c.patch(f"/api/dbs/{db}/tables/todo", {
            "description": {"tag": "TextValue", "contents": "tagged"}}), 200)
        self.assertEqual(self.table(db, "todo")["description"], "tagged")
        self.assertStatus(self.c.patch(f"/api/dbs/{db}/tables/blank", {"after": "todo"}), 200)
        info = self.c.get(f"/api/dbs/{db}").body
        self.assertEqual([x["name"] for x in info["tables"]], ["todo", "blank"])
        # GraphQL follows the rename at once.
        r = self.c.post(f"/dbs/{db}/graphql", {"query": "{ todo { title state } }"})
        self.assertEqual(r.body, {"data": {"todo": [{"title": "write tests", "state": "new"}]}})
        # Drop.
        self.assertEqual(self.assertStatus(self.c.delete(f"/api/dbs/{db}/tables/blank"),
                                           200).body, {})
        self.assertJsonError(self.c.get(f"/api/dbs/{db}/tables/blank"), 404, "not_found")

    def test_columns_and_rebuilds(self):
        db = self.fresh_db(
            "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, pid INT REFERENCES parent(id));"
            "CREATE TABLE child (tid INT REFERENCES t(id));"
            "CREATE INDEX t_a ON t(a);"
            "CREATE VIEW tv AS SELECT a FROM t;"
            "CREATE TABLE log (m TEXT);"
            "CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN INSERT INTO log VALUES (new.a); END;"
            "INSERT INTO parent VALUES (1);"
            "INSERT INTO t (a, pid) VALUES ('x', 1), (NULL, 1), ('y', NULL);"
            "INSERT INTO child VALUES (1)")
        base = f"/api/dbs/{db}/tables/t/columns"
        # Add: plain, unique (rebuild), a conflict, and a NOT NULL that does not fit.
        col = self.assertStatus(self.put(f"{base}/stars", {"sqliteDataType": "INT_STARS",
                                                           "default": 3}), 200).body
        self.assertEqual(sorted(col), COLUMN_KEYS)
        self.assertEqual((col["name"], col["inputElement"], col["isOmittable"]),
                         ("stars", "InputStars", True))
        col = self.assertStatus(self.put(f"{base}/code", {"sqliteDataType": "INTEGER",
                                                          "isUnique": True}), 200).body
        self.assertTrue(col["isUnique"])
        self.assertJsonError(self.put(f"{base}/A", {}), 409, "already_exists")
        self.assertJsonError(self.put(f"{base}/must", {"isNonNull": True}), 409)
        # Change: NOT NULL over NULLs is refused whole, data untouched.
        before = self.rows(db, "SELECT rowid, * FROM t ORDER BY rowid")
        schema = self.rows(db, "SELECT name, sql FROM sqlite_master ORDER BY name")
        err = self.assertJsonError(self.c.patch(f"{base}/a", {"isNonNull": True}), 409,
                                   "failed_precondition")
        self.assertIn("NOT NULL", err["message"])
        self.assertEqual(self.rows(db, "SELECT rowid, * FROM t ORDER BY rowid"), before)
        self.assertEqual(self.rows(db, "SELECT name, sql FROM sqlite_master ORDER BY name"),
                         schema)
        # A rebuild that fits keeps rows, index, trigger, view and foreign keys both ways.
        self.rows(db, "UPDATE t SET a = 'z' WHERE a IS NULL")
        r = self.c.patch(f"{base}/a", {"isNonNull": True, "sqliteDataType": "TEXT_COLOR",
                                       "items": ["x", "y", "z", "w"], "description": "a color"})
        self.assertEqual(self.assertStatus(r, 200).body, {})
        col = {c["name"]: c for c in self.table(db, "t")["columns"]}["a"]
        self.assertEqual((col["isNonNull"], col["items"], col["sqliteDataType"]),
                         (True, ["x", "y", "z", "w"], "TEXT_COLOR"))
        self.assertEqual(self.rows(db, "SELECT id, a FROM t ORDER BY id"),
                         [{"id": 1, "a": "x"}, {"id": 2, "a": "z"}, {"id": 3, "a": "y"}])
        self.assertEqual([r["name"] for r in self.rows(
            db, "SELECT name FROM sqlite_master WHERE type != 'table' AND name NOT LIKE 'sqlite%' "
            "ORDER BY name")],
            ["t_a", "t_ins", "tv"])
        self.rows(db, "INSERT INTO t (a) VALUES ('w')")
        self.assertEqual(self.rows(db, "SELECT count(*) AS n FROM log"), [{"n": 4}])
        self.assertSqlError(self.c.sql(db, "INSERT INTO t (a) VALUES ('nope')"), "CHECK")
        self.assertSqlError(self.c.sql(db, "INSERT INTO t (a, pid) VALUES ('x', 99)"),
                            "FOREIGN KEY")
        self.assertSqlError(self.c.sql(db, "DELETE FROM t WHERE id = 1"), "FOREIGN KEY")
        # Rename and order.
        self.assertStatus(self.c.patch(f"{base}/a", {"name": "shade", "after": ""}), 200)
        names = [c["name"] for c in self.table(db, "t")["columns"]]
        self.assertEqual(names[0], "shade")
        self.assertEqual(self.rows(db, "SELECT * FROM tv WHERE shade = 'x'"), [{"shade": "x"}])
        # Drop: an indexed column takes its index along; a view's column is refused.
        r = self.c.delete(f"{base}/code")
        self.assertEqual(self.assertStatus(r, 200).body, {})
        self.assertJsonError(self.c.delete(f"{base}/shade"), 409, "failed_precondition",
                             message_contains="tv")
        self.assertStatus(self.c.delete(f"{base}/stars"), 200)
        self.assertEqual(sorted(c["name"] for c in self.table(db, "t")["columns"]),
                         ["id", "pid", "shade"])

    def test_bad_input(self):
        db = self.fresh_db("CREATE TABLE t (x TEXT); CREATE VIEW v AS SELECT x FROM t")
        t = f"/api/dbs/{db}/tables"
        # Unknown database, table, column: 404.
        self.assertJsonError(self.c.get("/api/dbs/nosuchdb/tables/t"), 404)
        self.assertJsonError(self.c.get(f"{t}/nope"), 404, "not_found")
        self.assertJsonError(self.c.patch(f"{t}/nope", {"description": "x"}), 404)
        self.assertJsonError(self.c.delete(f"{t}/nope"), 404)
        self.assertJsonError(self.put(f"{t}/nope/columns/y", {}), 404)
        self.assertJsonError(self.c.patch(f"{t}/t/columns/nope", {"isUnique": True}), 404)
        self.assertJsonError(self.c.delete(f"{t}/t/columns/nope"), 404)
        # Bad JSON and wrong types: 400.
        for method, path in (("PUT", f"{t}/new"), ("PATCH", f"{t}/t"),
                             ("PUT", f"{t}/t/columns/y"), ("PATCH", f"{t}/t/columns/x")):
            self.assertJsonError(self.c.request(method, path, raw_body="{not json"), 400,
                                 "invalid_argument", msg=f"{method} {path}")
            self.assertJsonError(self.c.request(method, path, raw_body="[1]"), 400,
                                 msg=f"{method} {path}")
        self.assertJsonError(self.put(f"{t}/new", {"columns": "x"}), 400)
        self.assertJsonError(self.put(f"{t}/new", {"columns": [{"sqliteDataType": "TEXT"}]}), 400)
        self.assertJsonError(self.put(f"{t}/new", {"columns": [{"name": "a", "isUnique": 1}]}),
                             400)
        self.assertJsonError(self.c.patch(f"{t}/t", {"name": None}), 400)
        self.assertJsonError(self.c.patch(f"{t}/t", {"after": 3}), 400)
        # Invalid types, expressions and names: 400.
        for body in ({"sqliteDataType": "TEXT PRIMARY KEY"}, {"sqliteDataType": "INT); DROP"},
                     {"check": "1) , evil TEXT, CHECK (1"}, {"check": "1; DROP TABLE t"},
                     {"defaultSql": "load_extension('x')"}, {"items": []},
                     {"default": "a", "defaultSql": "'b'"}, {"default": [1]}):
            self.assertJsonError(self.put(f"{t}/t/columns/y", body), 400, msg=str(body))
        self.assertJsonError(self.put(f"{t}/sqlite_x", {}), 400)
        self.assertJsonError(self.put(f"{t}/{'x' * 256}", {}), 400)
        self.assertJsonError(self.put(f"{t}/bad%01name", {}), 400)
        self.assertJsonError(self.c.patch(f"{t}/t", {"after": "t"}), 400)
        self.assertJsonError(self.c.patch(f"{t}/t", {"after": "missing"}), 400)
        self.assertJsonError(self.c.patch(f"{t}/t/columns/x", {"isPrimaryKey": True}), 400)
        self.assertJsonError(self.c.patch(f"{t}/v/columns/x", {"isUnique": True}), 400)
        # Name collisions: 409.
        self.assertJsonError(self.put(f"{t}/T", {}), 409, "already_exists")
        self.assertJsonError(self.put(f"{t}/v", {}), 409, "already_exists")
        self.assertStatus(self.put(f"{t}/u", {}), 200)
        self.assertJsonError(self.c.patch(f"{t}/u", {"name": "t"}), 409, "already_exists")
        self.assertJsonError(self.put(f"{t}/t/columns/X", {}), 409, "already_exists")
        # A table a view uses is not dropped; the only column is not dropped.
        self.assertJsonError(self.c.delete(f"{t}/t"), 409, "failed_precondition",
                             message_contains="v")
        self.assertJsonError(self.c.delete(f"{t}/t/columns/x"), 409)
        # Nothing of that changed the database.
        self.assertEqual([x["name"] for x in self.c.get(f"/api/dbs/{db}").body["tables"]],
                         ["t", "v", "u"])

    def test_limits(self):
        db = self.fresh_db("CREATE TABLE t (x)")
        t = f"/api/dbs/{db}/tables"
        cols = [{"name": f"c{i}"} for i in range(501)]
        self.assertJsonError(self.put(f"{t}/wide", {"columns": cols}), 400,
                             message_contains="500")
        self.assertStatus(self.put(f"{t}/wide", {"columns": cols[:500]}), 200)
        self.assertJsonError(self.put(f"{t}/wide/columns/one_more", {}), 400)
        self.assertJsonError(self.c.patch(f"{t}/t", {"description": "x" * 100_001}), 400)
        self.assertStatus(self.c.patch(f"{t}/t", {"description": "x" * 100_000}), 200)
        self.assertJsonError(self.put(f"{t}/t/columns/y", {"items": ["a"] * 1001}), 400)
        self.assertJsonError(self.put(f"{t}/t/columns/y", {"items": ["a" * 1001]}), 400)
        self.assertStatus(self.put(f"{t}/t/columns/y", {"items": ["a" * 1000] + ["b"] * 999}),
                          200)
        self.assertJsonError(self.put(f"{t}/t/columns/y", {"check": "1" * 10_001}), 400)


if __name__ == "__main__":
    unittest.main()
