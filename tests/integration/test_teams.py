"""Teams: create (`POST /api/teams`), rename and billing fields (`PATCH /api/teams/:teamName`),
delete (`DELETE /api/teams/:teamName`, `?deleteDatabases=true`), personal-team rules, plan
limits, and moving a database to another team (`PATCH /api/dbs/:dbId` with `team`)."""

import os
from urllib.parse import quote

from harness import (ServerModuleTest, create_db, create_token, new_db, new_user, set_roles,
                     unique)


class Teams(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.sadmin_name, cls.sadmin = new_user(c, unique("sad"))
        cls.ann_name, cls.ann = new_user(c, unique("ann"))
        cls.bob_name, cls.bob = new_user(c, unique("bob"))

    def new_team(self, token=None, name=None):
        name = name or unique("team")
        r = self.client.post("/api/teams", {"name": name}, token=token or self.ann)
        self.assertStatus(r, 201)
        return name

    def db_dirs(self):
        return set(os.listdir(os.path.join(self.server.data_dir, "databases")))

    def test_create(self):
        name = unique("Good Corp")
        r = self.client.post("/api/teams", {"name": name}, token=self.ann)
        self.assertStatus(r, 201)
        self.assertEqual(r.body["name"], name)
        self.assertEqual(r.body["databases"], [])
        self.assertIsNone(r.body["billing"])
        self.assertRegex(r.body["created_utc"], r"^\d{4}-\d\d-\d\dT")
        # A name with spaces is percent-encoded in paths.
        members = self.client.get(f"/api/teams/{quote(name)}/members",
                                  token=self.ann).body["members"]
        self.assertEqual([(m["username"], m["roles"]) for m in members],
                         [(self.ann_name, ["Admin"])])
        self.assertIn(name, [t["name"] for t in
                             self.client.get(f"/api/users/{self.ann_name}",
                                             token=self.ann).body["teams"]])
        # Names are unique case-insensitively, also against usernames (personal teams).
        self.assertJsonError(self.client.post("/api/teams", {"name": name.upper()},
                                              token=self.bob), 409)
        self.assertJsonError(self.client.post("/api/teams", {"name": self.bob_name},
                                              token=self.ann), 409)
        for bad in ("x", " lead", "trail ", "a/b", "a" * 65, "two  spaces", "ünï"):
            with self.subTest(bad=bad):
                self.assertJsonError(self.client.post("/api/teams", {"name": bad},
                                                      token=self.ann), 400)
        self.assertJsonError(self.client.post("/api/teams", {"name": 5}, token=self.ann), 400)
        self.assertJsonError(self.client.post("/api/teams", {"name": "anon team"}, token=None),
                             401)

    def test_rename_keeps_databases_members_tokens(self):
        team = self.new_team()
        self.assertStatus(set_roles(self.client, self.ann, team, self.bob_name, ["Editor"]), 200)
        db = new_db(self.client, self.ann, team, "CREATE TABLE t (x INTEGER); "
                                                 "INSERT INTO t VALUES (1)")
        tok = create_token(self.client, self.ann, team, [(db, "read")]).body["body"]
        renamed = unique("renamed")
        r = self.client.patch(f"/api/teams/{team}", {"name": renamed}, token=self.ann)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["name"], renamed)
        self.assertEqual([d["id"] for d in r.body["databases"]], [db])
        self.assertJsonError(self.client.get(f"/api/teams/{team}", token=self.ann), 404)
        members = {m["username"]: m["roles"] for m in
                   self.client.get(f"/api/teams/{renamed}/members", token=self.ann)
                   .body["members"]}
        self.assertEqual(members, {self.ann_name: ["Admin"], self.bob_name: ["Editor"]})
        self.assertEqual(self.client.get(f"/api/dbs/{db}", token=self.bob).body["owner"], renamed)
        body = self.assertSqlOk(self.client.sql(db, "SELECT x FROM t", token=tok))
        self.assertEqual(body["rows"], [{"x": 1}])
        tokens = self.client.get(f"/api/teams/{renamed}/tokens", token=self.ann).body["tokens"]
        self.assertEqual(len(tokens), 1)
        # New databases go to the new name.
        create_db(self.client, self.bob, renamed)

    def test_rename_rules(self):
        team = self.new_team()
        other = self.new_team()
        self.assertJsonError(self.client.patch(f"/api/teams/{team}", {"name": other},
                                               token=self.ann), 409)
        self.assertJsonError(self.client.patch(f"/api/teams/{team}", {"name": self.bob_name},
                                               token=self.ann), 409)
        self.assertJsonError(self.client.patch(f"/api/teams/{team}", {"name": "x"},
                                               token=self.ann), 400)
        self.assertJsonError(self.client.patch(f"/api/teams/{team}", {"name": None},
                                               token=self.ann), 400)
        self.assertJsonError(self.client.patch(f"/api/teams/{team}", {"colour": "red"},
                                               token=self.ann), 400)
        # A personal team keeps its user's name.
        self.assertJsonError(self.client.patch(f"/api/teams/{self.ann_name}",
                                               {"name": unique("nope")}, token=self.ann), 409)
        # Same name (also in another case) is not a rename of a personal team.
        self.assertStatus(self.client.patch(f"/api/teams/{self.ann_name}",
                                            {"name": self.ann_name}, token=self.ann), 200)
        # Members who are not Admins, and outsiders.
        self.assertStatus(set_roles(self.client, self.ann, team, self.bob_name, ["Editor"]), 200)
        self.assertJsonError(self.client.patch(f"/api/teams/{team}", {"name": unique("e")},
                                               token=self.bob), 403)
        _, carl = new_user(self.client, unique("carl"))
        self.assertJsonError(self.client.patch(f"/api/teams/{team}", {"name": unique("o")},
                                               token=carl), 404)
        # Server admins may rename any team.
        new_name = unique("byadmin")
        self.assertStatus(self.client.patch(f"/api/teams/{team}", {"name": new_name},
                                            token=self.sadmin), 200)

    def test_billing_fields_and_plan_limits(self):
        team = self.new_team()
        r = self.client.patch(f"/api/teams/{team}", {"billing_email_address": "pay@ex.org"},
                              token=self.ann)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["billing"], {"email_address": "pay@ex.org", "plan": None,
                                             "subscription_id": None})
        self.assertJsonError(self.client.patch(f"/api/teams/{team}",
                                               {"billing_email_address": "nope"},
                                               token=self.ann), 400)
        # The plan decides limits: team admins may not choose it.
        self.assertJsonError(self.client.patch(f"/api/teams/{team}", {"billing_plan": "pro"},
                                               token=self.ann), 403)
        self.assertJsonError(self.client.patch(f"/api/teams/{team}",
                                               {"billing_subscription_id": 5}, token=self.ann),
                             403)
        try:
            self.assertStatus(self.client.patch("/api/settings", {
                "limits": {"maxDatabasesPerTeam": 1},
                "plans": {"pro": {"maxDatabasesPerTeam": 3}}}, token=self.sadmin), 200)
            new_db(self.client, self.ann, team)
            self.assertJsonError(create_db(self.client, self.ann, team, expect=None), 409)
            r = self.client.patch(f"/api/teams/{team}", {
                "billing_plan": "pro", "billing_subscription_id": 1234567890}, token=self.sadmin)
            self.assertStatus(r, 200)
            self.assertEqual(r.body["billing"]["plan"], "pro")
            self.assertEqual(r.body["billing"]["subscription_id"], 1234567890)
            new_db(self.client, self.ann, team)
            new_db(self.client, self.ann, team)
            self.assertJsonError(create_db(self.client, self.ann, team, expect=None), 409)
            # Clearing every billing field gives billing null again.
            r = self.client.patch(f"/api/teams/{team}", {
                "billing_plan": None, "billing_subscription_id": None,
                "billing_email_address": None}, token=self.sadmin)
            self.assertIsNone(r.body["billing"])
        finally:
            self.client.patch("/api/settings", {"limits": {"maxDatabasesPerTeam": None},
                                                "plans": {}}, token=self.sadmin)

    def test_plan_size_cap_reaches_open_databases(self):
        team = self.new_team()
        db = new_db(self.client, self.ann, team, "CREATE TABLE t (v BLOB)")
        self.assertSqlOk(self.client.sql(db, "INSERT INTO t VALUES (randomblob(30000))",
                                         token=self.ann))
        try:
            self.assertStatus(self.client.patch("/api/settings", {
                "plans": {"tiny": {"maxDatabaseBytes": 65536}}}, token=self.sadmin), 200)
            self.assertSqlOk(self.client.sql(db, "INSERT INTO t VALUES (randomblob(100000))",
                                             token=self.ann))
            self.assertStatus(self.client.patch(f"/api/teams/{team}", {"billing_plan": "tiny"},
                                                token=self.sadmin), 200)
            self.assertSqlError(self.client.sql(db, "INSERT INTO t VALUES (randomblob(100000))",
                                                token=self.ann), ("full", "limit"))
        finally:
            self.client.patch("/api/settings", {"plans": {}}, token=self.sadmin)

    def test_delete(self):
        team = self.new_team()
        self.assertStatus(set_roles(self.client, self.ann, team, self.bob_name, ["Editor"]), 200)
        db = new_db(self.client, self.ann, team, "CREATE TABLE t (x INTEGER)")
        tok = create_token(self.client, self.ann, team, [(db, "read")]).body["body"]
        self.assertIn(db, self.db_dirs())
        # Refused: not an Admin, not a member, anonymous, databases left, bad flag.
        self.assertJsonError(self.client.delete(f"/api/teams/{team}", token=self.bob), 403)
        _, carl = new_user(self.client, unique("carl"))
        self.assertJsonError(self.client.delete(f"/api/teams/{team}", token=carl), 404)
        self.assertJsonError(self.client.delete(f"/api/teams/{team}", token=None), 401)
        r = self.client.delete(f"/api/teams/{team}", token=self.ann)
        self.assertJsonError(r, 409)
        self.assertIn("deleteDatabases", r.body["errors"][0]["message"])
        self.assertJsonError(self.client.delete(f"/api/teams/{team}?deleteDatabases=yes",
                                                token=self.ann), 400)
        self.assertSqlOk(self.client.sql(db, "SELECT 1", token=tok), "refusals kept everything")
        self.assertStatus(self.client.delete(f"/api/teams/{team}?deleteDatabases=true",
                                             token=self.ann), 200)
        self.assertJsonError(self.client.get(f"/api/teams/{team}", token=self.ann), 404)
        self.assertJsonError(self.client.get(f"/api/dbs/{db}", token=self.ann), 404)
        self.assertNotIn(db, self.db_dirs(), "the database's files are gone")
        self.assertJsonError(self.client.sql(db, "SELECT 1", token=tok), 401)
        self.assertNotIn(team, [t["name"] for t in self.client.get(
            f"/api/users/{self.bob_name}", token=self.bob).body["teams"]])
        # An empty team needs no flag; the name is free again.
        empty = self.new_team()
        self.assertStatus(self.client.delete(f"/api/teams/{empty}", token=self.ann), 200)
        self.new_team(name=empty)

    def test_personal_team_cannot_be_deleted(self):
        for token in (self.ann, self.sadmin):
            r = self.client.delete(f"/api/teams/{self.ann_name}?deleteDatabases=true",
                                   token=token)
            self.assertJsonError(r, 409)
        self.assertStatus(self.client.get(f"/api/teams/{self.ann_name}", token=self.ann), 200)

    def test_transfer_database_with_team(self):
        src = self.new_team()
        dst = self.new_team()
        db = new_db(self.client, self.ann, src, "CREATE TABLE t (x INTEGER)")
        info = self.client.get(f"/api/dbs/{db}", token=self.ann).body
        tok = create_token(self.client, self.ann, src, [(db, "read")]).body["body"]
        self.assertSqlOk(self.client.sql(db, "SELECT 1", token=tok))
        # The caller must be Admin of both teams.
        self.assertStatus(set_roles(self.client, self.ann, dst, self.bob_name, ["Admin"]), 200)
        self.assertJsonError(self.client.patch(f"/api/dbs/{db}", {"team": dst}, token=self.bob),
                             404)
        self.assertJsonError(self.client.patch(f"/api/dbs/{db}", {"team": dst, "owner": src},
                                               token=self.ann), 400)
        r = self.client.patch(f"/api/dbs/{db}", {"team": dst}, token=self.ann)
        self.assertStatus(r, 200)
        moved = self.client.get(f"/api/dbs/{db}", token=self.ann).body
        self.assertEqual(moved["owner"], dst)
        self.assertEqual(moved["readonlyId"], info["readonlyId"], "the read-only id stays")
        self.assertEqual(self.client.get(f"/readonly/{info['readonlyId']}/graphql").status, 200)
        # The old team's token lost its permission on the database; the new team sees it.
        self.assertJsonError(self.client.sql(db, "SELECT 1", token=tok), 404)
        self.assertEqual([d["id"] for d in self.client.get(
            f"/api/teams/{dst}", token=self.bob).body["databases"]], [db])
        self.assertEqual(self.client.get(f"/api/teams/{src}", token=self.ann).body["databases"],
                         [])
