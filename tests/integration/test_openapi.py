"""GET /api/openapi.json: an OpenAPI 3.1 document generated from the router's table, valid for
@apidevtools/swagger-parser, with one operation per route /api/docs lists, and true to the
live server: every operation is called with its documented example (path parameters filled
from fresh fixtures), must answer 2xx with the documented media type, and JSON answers must
match the schema inferred from the documented response example. The few operations whose
example cannot be sent as is (uploads, apps' bundles) get an equivalent body (`upload`)."""

import json
import os
import re
import subprocess
import uuid

from fake_llm import FakeLLM
from harness import ServerModuleTest, create_token, new_db, new_user, set_roles

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(HERE, "..", "..", "tools", "node", "node_modules")

FIXTURE_SQL = ("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT, email TEXT, "
               "status TEXT NOT NULL DEFAULT 'new', doc BLOB);"
               "CREATE TABLE existing_table (x INTEGER);"
               "INSERT INTO users (name, email) VALUES ('John', 'john@example.com')")

# Path parameters of operations whose example body needs another object than the default
# ("users", column "name"): a table or column the example creates, or one its change fits.
# Operations whose documented example cannot succeed yet, with the reason.
NOT_YET: dict = {}

# Operations whose path or body needs a secret only a person receives (a mailed key, the
# billing provider's key): their own modules follow the real flow (test_mail, test_billing).
SECRET_NEEDED = {
    ("GET", "/password-reset/{passwordResetKey}"), ("POST", "/password-reset/{passwordResetKey}"),
    ("GET", "/verify-email/{emailVerificationKey}"), ("GET", "/invitation/{invitationKey}"),
    ("POST", "/invitation/{invitationKey}"), ("POST", "/api/users/reset-password/submit"),
    ("POST", "/api/events/paddle"),
}

PATH_OVERRIDES = {
    ("PUT", "/api/dbs/{dbId}/tables/{id}"): {"id": "people"},
    ("PUT", "/api/dbs/{dbId}/tables/{id}/columns/{columnId}"): {"columnId": "rating"},
    ("PATCH", "/api/dbs/{dbId}/tables/{id}/columns/{columnId}"): {"columnId": "status"},
    ("GET", "/console/{file}"): {"file": "console.js"},
}


def localize(value, team, db):
    """The example with its team names and database ids replaced by the fixture's."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k in ("team", "team_name") and isinstance(v, str):
                out[k] = team
            elif k == "db_id" and isinstance(v, str):
                out[k] = db
            elif k == "owner" and isinstance(v, dict) and "contents" in v:
                out[k] = {**v, "contents": team}
            else:
                out[k] = localize(v, team, db)
        return out
    if isinstance(value, list):
        return [localize(v, team, db) for v in value]
    return value
SQLITE_MAGIC = b"SQLite format 3\x00"
# An app: one HTML file (the apps' upload routes take a zip or an HTML file, not JSON).
APP_PAGE = "<!doctype html><html><head><title>app</title></head><body>app</body></html>"


def multipart(filename, data, content_type):
    boundary = "airsql" + uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()
    body += data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


class OpenApiTest(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        # The AI prompt routes ask a local stand-in for a language model server; its answer
        # serves as SQL for every prompt route (create-database runs it).
        cls.fake = FakeLLM()
        cls.fake.answer = "```sql\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n```"
        cls.server_args = ("--llm-base-url", cls.fake.url + "/v1")
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)  # the first user: server admin

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.fake.close()

    def c(self):
        return self.client.with_token(self.token)

    def document(self):
        r = self.client.get("/api/openapi.json")
        self.assertStatus(r, 200)
        return r.body

    def test_one_operation_per_documented_route(self):
        doc = self.document()
        self.assertEqual(doc["openapi"], "3.1.0")
        operations = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
        html = self.client.get("/api/docs").text
        documented = re.findall(r'<span class="m">([A-Z]+)</span><code>([^<]+)</code>', html)
        self.assertEqual(len(operations), len(documented))
        for method, pattern in documented:
            path = re.sub(r"[:*]([A-Za-z]+)", "{}", pattern)
            shapes = {(m, re.sub(r"\{[^}]+\}", "{}", p)) for m, p in operations}
            self.assertIn((method, path), shapes)

    # -- fixtures for path parameters

    def fresh_db(self):
        db = new_db(self.client, self.token, self.user, FIXTURE_SQL)
        ro = self.c().get(f"/api/dbs/{db}").body["readonlyId"]
        return db, ro

    def param_values(self, method, path, db, ro):
        values = {"dbId": db, "readonlyId": ro, "teamName": self.user, "username": self.user,
                  "id": "users", "tableId": "users", "table": "users", "columnId": "name",
                  "columnName": "doc", "primaryKey": "rowid", "equalsValue": "1",
                  "searchTerm": "John", "file": "graphiql.min.js"}
        values["caller"] = self.token
        if path == "/api/teams/{teamName}" and method in ("PATCH", "DELETE"):
            team = "t" + uuid.uuid4().hex[:10]
            self.assertStatus(self.c().post("/api/teams", {"name": team}), 201)
            values["teamName"] = team
        if path == "/api/users/{username}" and method in ("PATCH", "DELETE"):
            values["username"], values["caller"] = new_user(self.client,
                                                            password="a long passphrase")
        if "/members/" in path:
            member, _ = new_user(self.client)
            r = set_roles(self.client, self.token, self.user, member, ["Viewer"])
            self.assertStatus(r, 200)
            values["username"] = member
        if "{tokenId}" in path:
            r = create_token(self.client, self.token, self.user, [(db, "read")])
            self.assertStatus(r, 201)
            values["tokenId"] = str(r.body["id"]) if "id" in r.body else r.body["ulid"]
        if "{chartId}" in path:
            values["chartId"] = self.c().post(f"/api/dbs/{db}/charts",
                                              {"table": "users"}).body["ulid"]
        if "{dashboardId}" in path:
            values["dashboardId"] = self.c().post(f"/api/dbs/{db}/dashboards",
                                                  {"title": "d"}).body["ulid"]
        if "{varName}" in path:
            prefix = "/api/settings" if path.startswith("/api/settings") else f"/api/dbs/{db}"
            self.c().post(f"{prefix}/env", {"name": "ENVIRONMENT", "value": "x"})
            values["varName"] = "ENVIRONMENT"
        if "{funcId}" in path:
            r = self.c().post(f"/api/dbs/{db}/functions", {
                "name": "f", "runtime": "deno",
                "content": "export default async function (context) { return {data: 1} }"})
            self.assertStatus(r, 200)
            values["funcId"] = r.body["id"]
            values["versionId"] = r.body["versions"][0]
        if "{appId}" in path:
            r = self.c().request("POST", f"/api/dbs/{db}/apps?name=fixture", raw_body=APP_PAGE,
                                 headers={"Content-Type": "text/html"})
            self.assertStatus(r, 201)
            values["appId"] = r.body["id"]
            values["path"] = "index.html"
        if "/files/" in path and method == "GET":
            self.c().request("PUT", f"/api/dbs/{db}/tables/users/columns/doc/files/rowid/1",
                             raw_body=b"hello", headers={"Content-Type": "text/plain"})
        return values

    def upload(self, method, path, url, db):
        """The documented operations that take a file instead of a JSON body."""
        if path == "/dbs" or (path == "/dbs/{dbId}" and method == "PUT"):
            data = self.c().get(f"/dbs/{db}/download").raw
            self.assertTrue(data.startswith(SQLITE_MAGIC))
            body, ctype = multipart("copy.sqlite", data, "application/vnd.sqlite3")
            return self.c().request(method, url, raw_body=body, headers={"Content-Type": ctype})
        if path.endswith("/import"):
            return self.c().request(method, url, raw_body="name,email\nAda,ada@example.com\n",
                                    headers={"Content-Type": "text/csv"})
        if path.startswith("/api/dbs/{dbId}/apps") and method in ("POST", "PUT"):
            return self.c().request(method, url, raw_body=APP_PAGE,
                                    headers={"Content-Type": "text/html"})
        if "/files/" in path and method == "PUT":
            body, ctype = multipart("hello.txt", b"hello, file\n", "text/plain")
            return self.c().request(method, url, raw_body=body, headers={"Content-Type": ctype})
        return None

    def test_every_documented_example_works_on_the_live_server(self):
        doc = self.document()
        samples = []
        skipped = 0
        # The settings example shows billing plans configured (their names are map keys a
        # schema inferred from an example requires): configure the same ones.
        shown = doc["paths"]["/api/settings"]["get"]["responses"]["2XX"]["content"][
            "application/json"]["example"]
        r = self.c().patch("/api/settings", {"plans": shown["plans"]})
        self.assertStatus(r, 200)
        for path, item in doc["paths"].items():
            for method, op in item.items():
                method = method.upper()
                if path in ("/api/users", "/api/login", "/api/logout") and method == "POST":
                    continue  # sign-up, log-in and log-out: below, with their own examples
                if (method, path) in NOT_YET or (method, path) in SECRET_NEEDED:
                    skipped += 1
                    continue
                db, ro = self.fresh_db()
                values = self.param_values(method, path, db, ro)
                values.update(PATH_OVERRIDES.get((method, path), {}))
                url = re.sub(r"\{([^}]+)\}", lambda m: values[m.group(1)], path)
                res = self.upload(method, path, url, db)
                if res is None:
                    body = None
                    content = op.get("requestBody", {}).get("content", {})
                    if "application/json" in content:
                        body = localize(content["application/json"]["example"], self.user, db)
                        if path.endswith("/republish"):
                            body["version"] = values["versionId"]  # the fixture's version
                        if path.endswith("/describe-function"):
                            body["funcId"] = self.c().post(f"/api/dbs/{db}/functions", {
                                "name": "f", "runtime": "deno",
                                "content": "export default () => ({data: 1})"}).body["id"]
                    res = self.client.with_token(values["caller"]).request(method, url, body)
                    if (method, path) == ("PATCH", "/api/settings"):
                        # The example closes sign-up to invitations: open it again.
                        r = self.c().patch("/api/settings", {"signUp": "open"})
                        self.assertStatus(r, 200)
                samples.append({"method": method, "path": path, "status": res.status,
                                "contentType": res.header("Content-Type"),
                                "body": res.body if "json" in (res.header("Content-Type") or "")
                                else None})
        # Sign-up, log-in and log-out with the documented examples, in that order.
        for path in ("/api/users", "/api/login", "/api/logout"):
            example = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"][
                "example"]
            token = self.token if path == "/api/logout" else None
            if path == "/api/logout":
                r = self.client.post("/api/login", example_login)
                self.assertStatus(r, 200, "log-in with the sign-up example's user")
                token = r.body["sessionToken"]
            res = self.client.request("POST", path, example, token=token)
            if path == "/api/users":
                example_login = {"username": example["username"], "password": example["password"]}
            samples.append({"method": "POST", "path": path, "status": res.status,
                            "contentType": res.header("Content-Type"), "body": res.body})
        run = subprocess.run(["node", os.path.join(HERE, "openapi_check.mjs"),
                              f"{self.server.url}/api/openapi.json", NODE_MODULES],
                             input=json.dumps(samples), capture_output=True, text=True,
                             timeout=120)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        result = json.loads(run.stdout)
        self.assertEqual(result["operations"], len(samples) + skipped)
        self.assertEqual(result["failures"], [], "\n".join(result["failures"]))
