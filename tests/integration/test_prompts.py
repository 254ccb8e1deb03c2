"""The AI prompt routes through the real server against a local stand-in for an
OpenAI-compatible chat-completions server (the one outside service the standards allow to be
replaced): SQL suggestions (never run), descriptions stored on request, a database created
from a prompt, what is sent (the schema, rows only when asked, the API key), streamed and
non-streamed answers, and each failure of the model server (timeout, 429, errors, answers that
are not chat completions, oversized answers) as a clear JSON error, plus the unconfigured 503.
"""

import os

from fake_llm import FakeLLM
from harness import ServerModuleTest, new_db, new_user

API_KEY = "sk-test-" + "k" * 20
SCHEMA_SQL = ("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT);"
              "INSERT INTO users (name, email) VALUES ('Secret Sam', 'sam@private.example')")


class PromptsTest(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        cls.fake = FakeLLM()
        cls.server_args = ("--llm-base-url", cls.fake.url + "/v1/", "--llm-timeout-ms", "1500",
                           "--llm-model", "fake-model")
        os.environ["AIRSQL_LLM_API_KEY"] = API_KEY
        try:
            super().setUpClass()
        finally:
            del os.environ["AIRSQL_LLM_API_KEY"]
        cls.user, cls.token = new_user(cls.client)
        cls.db = new_db(cls.client, cls.token, cls.user, SCHEMA_SQL)

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.fake.close()

    def setUp(self):
        self.fake.mode = "json"
        self.fake.answer = "```sql\nSELECT name FROM users\n```"
        self.fake.requests.clear()

    def c(self):
        return self.client.with_token(self.token)

    def prompt(self, route, body, db=None):
        return self.c().post(f"/api/dbs/{db or self.db}/prompt{route}", body)

    def sent_text(self):
        self.assertEqual(len(self.fake.requests), 1)
        req = self.fake.requests[0]
        self.assertEqual(req["authorization"], f"Bearer {API_KEY}")
        self.assertEqual(req["body"]["model"], "fake-model")
        return "\n".join(m["content"] for m in req["body"]["messages"])

    def test_sql_suggestion_is_returned_not_run(self):
        self.fake.answer = "Here you go:\n```sql\nDELETE FROM users\n```\nDone."
        r = self.prompt("", {"funcId": None, "prompt": "Remove every user", "tableName": None})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"sql": "DELETE FROM users", "model": "fake-model-1"})
        sent = self.sent_text()
        self.assertIn("CREATE TABLE users", sent)
        self.assertIn("Remove every user", sent)
        # Rows are not sent unless asked, and the suggested DELETE did not run.
        self.assertNotIn("Secret Sam", sent)
        rows = self.assertSqlOk(self.c().sql(self.db, "SELECT count(*) AS n FROM users"))["rows"]
        self.assertEqual(rows, [{"n": 1}])

    def test_sample_rows_only_when_asked(self):
        r = self.prompt("", {"prompt": "names", "includeSampleRows": True})
        self.assertStatus(r, 200)
        self.assertIn("Secret Sam", self.sent_text())

    def test_streamed_answer(self):
        self.fake.mode = "stream"
        self.fake.answer = "```sql\nSELECT email FROM users WHERE name = 'Ann'\n```"
        r = self.prompt("", {"prompt": "Ann's email"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["sql"], "SELECT email FROM users WHERE name = 'Ann'")
        self.assertTrue(self.fake.requests[0]["body"]["stream"])

    def test_descriptions_are_saved_on_request(self):
        self.fake.answer = "People who use the app."
        r = self.prompt("/describe-table", {"funcId": None, "prompt": "", "tableName": "users"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["description"], "People who use the app.")
        self.assertFalse(r.body["saved"])
        self.assertIsNone(self.c().get(f"/api/dbs/{self.db}/tables/users").body["description"])
        r = self.prompt("/describe-table", {"tableName": "users", "save": True})
        self.assertTrue(r.body["saved"])
        self.assertEqual(self.c().get(f"/api/dbs/{self.db}/tables/users").body["description"],
                         "People who use the app.")
        self.fake.answer = "  A small **user** directory.\n"
        r = self.prompt("/describe-database", {"prompt": "short", "save": True})
        self.assertStatus(r, 200)
        self.assertEqual(self.c().get(f"/api/dbs/{self.db}").body["description"],
                         "A small **user** directory.")
        self.assertJsonError(self.prompt("/describe-table", {"tableName": "nope"}), 404)
        self.assertJsonError(self.prompt("/describe-table", {"prompt": "x"}), 400,
                             message_contains="tableName")
        self.assertJsonError(self.prompt("/describe-function", {"funcId": "01nofunction"}), 404)

    def test_describe_function_sends_its_code_and_saves_on_request(self):
        code = ("export default async function (context) {\n"
                "  // marks a user as greeted\n"
                "  return {greeted: context.data?.name ?? null}\n}\n")
        r = self.c().post(f"/api/dbs/{self.db}/functions",
                          {"name": "greeter", "runtime": "deno", "content": code})
        self.assertStatus(r, 200)
        fid = r.body["id"]
        self.fake.answer = "Greets a **user** by name."
        r = self.prompt("/describe-function", {"funcId": fid, "prompt": "one line"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"description": "Greets a **user** by name.", "saved": False,
                                  "model": "fake-model-1"})
        sent = self.sent_text()
        self.assertIn("marks a user as greeted", sent)  # the code
        self.assertIn("CREATE TABLE users", sent)  # the schema
        self.assertIn("greeter", sent)
        self.assertIn("one line", sent)
        self.assertNotIn("Secret Sam", sent)
        fn = f"/api/dbs/{self.db}/functions/{fid}"
        self.assertIsNone(self.c().get(fn).body["description"])
        r = self.prompt("/describe-function", {"funcId": fid, "save": True})
        self.assertStatus(r, 200)
        self.assertTrue(r.body["saved"])
        self.assertEqual(self.c().get(fn).body["description"], "Greets a **user** by name.")
        self.assertEqual(len(self.c().get(fn).body["versions"]), 1)  # no new version
        # A function of another database is not found through this one.
        other = new_db(self.client, self.token, self.user, "CREATE TABLE t (x)")
        self.assertJsonError(self.prompt("/describe-function", {"funcId": fid}, db=other), 404)
        self.assertJsonError(self.prompt("/describe-function", {}), 400,
                             message_contains="funcId")
        self.assertJsonError(self.prompt("/describe-function", {"funcId": fid,
                                                                "prompt": "x" * 5000}), 400)
        # Viewers may ask but not save; strangers do not see it; no model call is spent.
        viewer, vtoken = new_user(self.client)
        r = self.c().patch(f"/api/teams/{self.user}/members/{viewer}", {"roles": ["Viewer"]})
        self.assertStatus(r, 200)
        as_viewer = self.client.with_token(vtoken)
        route = f"/api/dbs/{self.db}/prompt/describe-function"
        self.assertStatus(as_viewer.post(route, {"funcId": fid}), 200)
        self.fake.requests.clear()
        self.assertJsonError(as_viewer.post(route, {"funcId": fid, "save": True}), 403)
        _, stoken = new_user(self.client)
        self.assertJsonError(self.client.with_token(stoken).post(route, {"funcId": fid}), 404)
        self.assertEqual(self.fake.requests, [])
        self.assertEqual(self.c().get(fn).body["description"], "Greets a **user** by name.")

    def test_viewers_may_ask_but_not_save(self):
        viewer, vtoken = new_user(self.client)
        r = self.c().patch(f"/api/teams/{self.user}/members/{viewer}", {"roles": ["Viewer"]})
        self.assertStatus(r, 200)
        as_viewer = self.client.with_token(vtoken)
        self.assertStatus(as_viewer.post(f"/api/dbs/{self.db}/prompt/describe-database", {}), 200)
        r = as_viewer.post(f"/api/dbs/{self.db}/prompt/describe-database", {"save": True})
        self.assertJsonError(r, 403)
        stranger, stoken = new_user(self.client)
        r = self.client.with_token(stoken).post(f"/api/dbs/{self.db}/prompt", {"prompt": "x"})
        self.assertJsonError(r, 404)
        self.assertJsonError(self.client.post(f"/api/dbs/{self.db}/prompt", {"prompt": "x"}))

    def test_create_database_from_prompt(self):
        script = ("CREATE TABLE books (id INTEGER PRIMARY KEY, title TEXT NOT NULL);\n"
                  "INSERT INTO books (title) VALUES ('Dune'), ('Emma');")
        self.fake.answer = f"```sql\n{script}\n```"
        r = self.c().post("/api/prompt/create-database",
                          {"prompt": "A library of books", "dryRun": True})
        self.assertStatus(r, 200)
        self.assertEqual((r.body["sql"], r.body["id"]), (script, None))
        r = self.c().post("/api/prompt/create-database",
                          {"prompt": "A library of books", "name": "Library"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["name"], "Library")
        rows = self.assertSqlOk(self.c().sql(r.body["id"], "SELECT title FROM books ORDER BY id"))
        self.assertEqual(rows["rows"], [{"title": "Dune"}, {"title": "Emma"}])
        # A script that fails creates nothing and says why.
        before = len(self.c().get("/api/dbs").body)
        self.fake.answer = "```sql\nCREATE TABLE t (x INTEGER);\nINSERT INTO nowhere VALUES (1);\n```"
        r = self.c().post("/api/prompt/create-database", {"prompt": "broken"})
        self.assertJsonError(r, 400, message_contains="did not run")
        self.assertEqual(len(self.c().get("/api/dbs").body), before)
        self.assertJsonError(self.client.post("/api/prompt/create-database", {"prompt": "x"}), 401)

    def test_model_server_failures_are_clear_errors(self):
        for mode, status, phrase in (("slow", 504, "did not answer"),
                                     ("429", 503, "429"),
                                     ("error", 503, "model overloaded"),
                                     ("not-completion", 503, "not a chat completion"),
                                     ("garbage", 503, "not JSON"),
                                     ("huge", 503, "larger than")):
            with self.subTest(mode=mode):
                self.fake.mode = mode
                r = self.prompt("", {"prompt": "anything"})
                self.assertEqual(r.status, status, r.describe())  # assertStatus refuses 5xx
                self.assertIn(phrase, r.body["errors"][0]["message"])
        self.fake.mode = "json"
        self.assertStatus(self.prompt("", {"prompt": "healthy again"}), 200)

    def test_bad_requests(self):
        self.assertJsonError(self.prompt("", {"prompt": ""}), 400, message_contains="empty")
        self.assertJsonError(self.prompt("", {"prompt": "x" * 5000}), 400,
                             message_contains="at most")
        self.assertJsonError(self.prompt("", {"prompt": "x", "temperature": 2}), 400,
                             message_contains="unknown prompt field")
        self.assertJsonError(self.prompt("", {"prompt": 3}), 400)
        self.assertEqual(self.fake.requests, [])


class UnconfiguredPromptsTest(ServerModuleTest):

    def test_503_with_a_clear_message(self):
        user, token = new_user(self.client)
        db = new_db(self.client, token, user, SCHEMA_SQL)
        r = self.client.with_token(token).post(f"/api/dbs/{db}/prompt", {"prompt": "names"})
        self.assertEqual(r.status, 503, r.describe())  # assertStatus refuses 5xx
        self.assertIn("no language model is configured", r.body["errors"][0]["message"])
