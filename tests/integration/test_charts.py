"""Charts and dashboards through the real server: the documented shapes (POST answers the
chart with its ulid; PATCH and DELETE answer {}), validation against the database (unknown
table or column → 400), a dropped column leaving the chart marked broken (listing still 200,
its data 409), query-backed charts, chart data, dashboards forgetting deleted charts, and bad
bodies."""

from harness import ServerModuleTest, new_db, new_user


class ChartsTest(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.db = new_db(cls.client, cls.token, cls.user,
                        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, age INTEGER);"
                        "INSERT INTO users (name, age) VALUES ('Ann', 31), ('Bo', 27), ('Cy', NULL)")

    def c(self):
        return self.client.with_token(self.token)

    def test_documented_example_round_trip(self):
        body = {"chartType": "BarChart", "headers": [], "hideNullValues": False,
                "labelRotation": 30, "table": "users", "title": "Example Chart"}
        r = self.c().post(f"/api/dbs/{self.db}/charts", body)
        self.assertStatus(r, 201)
        chart = r.body
        self.assertRegex(chart["ulid"], r"^[0-9a-z]{26}$")
        for key, value in body.items():
            self.assertEqual(chart[key], value, key)
        self.assertEqual((chart["query"], chart["broken"], chart["brokenReason"]),
                         (None, False, None))
        listed = self.c().get(f"/api/dbs/{self.db}/charts")
        self.assertStatus(listed, 200)
        self.assertIn(chart, listed.body["charts"])
        # PATCH answers {} and keeps absent fields.
        r = self.c().patch(f"/api/dbs/{self.db}/charts/{chart['ulid']}",
                           {"title": "Ages", "headers": ["name", "age"], "hideNullValues": True})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {})
        data = self.c().get(f"/api/dbs/{self.db}/charts/{chart['ulid']}/data")
        self.assertStatus(data, 200)
        self.assertEqual(data.body, {"headers": ["name", "age"],
                                     "rows": [["Ann", 31], ["Bo", 27]], "truncated": False})
        # A chart read back may be sent back whole.
        whole = next(x for x in self.c().get(f"/api/dbs/{self.db}/charts").body["charts"]
                     if x["ulid"] == chart["ulid"])
        self.assertEqual(whole["title"], "Ages")
        self.assertStatus(self.c().patch(f"/api/dbs/{self.db}/charts/{chart['ulid']}", whole), 200)
        r = self.c().delete(f"/api/dbs/{self.db}/charts/{chart['ulid']}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {})
        self.assertJsonError(self.c().delete(f"/api/dbs/{self.db}/charts/{chart['ulid']}"), 404)

    def test_bad_charts_are_400_and_nothing_is_stored(self):
        before = self.c().get(f"/api/dbs/{self.db}/charts").body["charts"]
        for body, phrase in (
                ({"table": "nope"}, "no table or view"),
                ({"table": "users", "headers": ["colour"]}, "no column \"colour\""),
                ({"table": "users", "chartType": "Sankey"}, "chartType"),
                ({"table": "users", "labelRotation": 400}, "labelRotation"),
                ({"query": "DELETE FROM users", "headers": []}, "only reads"),
                ({"title": "no source"}, "either a table"),
                ({"table": "users", "unknown": 1}, "unknown chart field"),
                ({"table": ["users"]}, "table"),
                ("not an object", "object")):
            with self.subTest(body=body):
                self.assertJsonError(self.c().post(f"/api/dbs/{self.db}/charts", body), 400,
                                     message_contains=phrase)
        r = self.c().request("POST", f"/api/dbs/{self.db}/charts", raw_body="{not json",
                             headers={"Content-Type": "application/json"})
        self.assertJsonError(r, 400)
        self.assertEqual(self.c().get(f"/api/dbs/{self.db}/charts").body["charts"], before)
        count = self.c().sql(self.db, "SELECT count(*) AS n FROM users")
        self.assertEqual(self.assertSqlOk(count)["rows"], [{"n": 3}])

    def test_dropped_column_marks_the_chart_broken(self):
        db = new_db(self.client, self.token, self.user,
                    "CREATE TABLE t (label TEXT, v REAL); INSERT INTO t VALUES ('a', 1)")
        chart = self.c().post(f"/api/dbs/{db}/charts",
                              {"table": "t", "headers": ["label", "v"]}).body
        self.assertSqlOk(self.c().sql(db, "ALTER TABLE t DROP COLUMN v"))
        listed = self.c().get(f"/api/dbs/{db}/charts")
        self.assertStatus(listed, 200)
        got = listed.body["charts"][0]
        self.assertTrue(got["broken"])
        self.assertIn("\"v\"", got["brokenReason"])
        self.assertJsonError(self.c().get(f"/api/dbs/{db}/charts/{chart['ulid']}/data"), 409,
                             message_contains="broken")

    def test_query_chart(self):
        r = self.c().post(f"/api/dbs/{self.db}/charts", {
            "chartType": "PieChart", "title": "Adults",
            "query": "SELECT name, age FROM users WHERE age >= 30", "headers": ["name", "age"]})
        self.assertStatus(r, 201)
        data = self.c().get(f"/api/dbs/{self.db}/charts/{r.body['ulid']}/data")
        self.assertEqual(data.body["rows"], [["Ann", 31]])

    def test_dashboards(self):
        a = self.c().post(f"/api/dbs/{self.db}/charts", {"table": "users", "title": "A"}).body
        b = self.c().post(f"/api/dbs/{self.db}/charts", {"table": "users", "title": "B"}).body
        r = self.c().post(f"/api/dbs/{self.db}/dashboards",
                          {"charts": [b["ulid"], a["ulid"]], "title": "Example Dashboard"})
        self.assertStatus(r, 201)
        d = r.body
        self.assertEqual((d["charts"], d["title"]), ([b["ulid"], a["ulid"]], "Example Dashboard"))
        self.assertRegex(d["ulid"], r"^[0-9a-z]{26}$")
        self.assertIn(d, self.c().get(f"/api/dbs/{self.db}/dashboards").body["dashboards"])
        self.assertJsonError(self.c().post(f"/api/dbs/{self.db}/dashboards",
                                           {"charts": ["01nonexistent"], "title": "X"}), 400,
                             message_contains="no chart")
        r = self.c().patch(f"/api/dbs/{self.db}/dashboards/{d['ulid']}", {"title": "Renamed"})
        self.assertEqual((r.status, r.body), (200, {}))
        self.assertStatus(self.c().delete(f"/api/dbs/{self.db}/charts/{b['ulid']}"), 200)
        got = next(x for x in self.c().get(f"/api/dbs/{self.db}/dashboards").body["dashboards"]
                   if x["ulid"] == d["ulid"])
        self.assertEqual((got["title"], got["charts"]), ("Renamed", [a["ulid"]]))
        self.assertEqual(self.c().delete(f"/api/dbs/{self.db}/dashboards/{d['ulid']}").body, {})
        self.assertJsonError(self.c().patch(f"/api/dbs/{self.db}/dashboards/{d['ulid']}",
                                            {"title": "gone"}), 404)

    def test_charts_of_a_deleted_database_go_with_it(self):
        db = new_db(self.client, self.token, self.user, "CREATE TABLE t (x INTEGER)")
        self.assertStatus(self.c().post(f"/api/dbs/{db}/charts", {"table": "t"}), 201)
        self.assertStatus(self.c().delete(f"/api/dbs/{db}"), 200)
        self.assertJsonError(self.c().get(f"/api/dbs/{db}/charts"), 404)
