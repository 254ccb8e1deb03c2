"""Functions through the real server and the real Deno (tools/deno, from npm): every function
route with its JSON shape, who may manage, read and call them (Admin, Editor, Viewer, API
tokens, anonymous, strangers), versions and republish, deno check diagnostics with line and
column (a module that does not parse is stored but not activated), calls with the context and
the sql/graphql helpers running with the caller's rights (a read token's function cannot
write), returned Response objects, logs in invocation records, isolation between calls, and
each sandbox wall (file, env, subprocess, FFI, loopback and private network, endless loop,
2 GiB, heap exhaustion, uncaught exceptions): refused or killed, recorded, server healthy.
"""

import os
import time

from harness import ServerModuleTest, create_token, new_db, new_user, set_roles, unique

HELLO = """export default async function (context) {
  console.log("hello", context.method)
  console.error("to stderr")
  return {data: "hi", method: context.method, query: context.query, body: context.data,
          functionId: context.functionId, databaseId: context.databaseId, env: context.env,
          contentType: context.headers["content-type"] ?? null,
          auth: context.headers["authorization"] ?? null}
}
"""

SQL_FN = """export default async function (context) {
  const out = {}
  try { out.read = (await context.sql("SELECT name FROM items ORDER BY id")).rows }
  catch (e) { out.readError = String(e.message) }
  try { out.write = (await context.sql("INSERT INTO items (name) VALUES ('from fn')")).numChanges }
  catch (e) { out.writeError = String(e.message) }
  try { out.graphql = await context.graphql("query Q($n: Int) { items(limit: $n) { name } }", {n: 1}) }
  catch (e) { out.graphqlError = String(e.message) }
  return out
}
"""

WALLS = {
    "file": 'Deno.readTextFileSync("/etc/passwd")',
    "env": 'Deno.env.get("HOME")',
    "spawn": 'new Deno.Command("/bin/sh", {args: ["-c", "id"]}).outputSync()',
    "ffi": 'Deno.dlopen("libc.so.6", {getpid: {parameters: [], result: "i32"}})',
    "loopback": 'await fetch("http://127.0.0.1:PORT/api/status")',
    "private": 'await fetch("http://10.1.2.3/")',
    "localhost": 'await fetch("http://localhost:PORT/api/status")',
    "write": 'Deno.writeTextFileSync("/tmp/airsql-fn-wall", "x")',
    "buffer_2gib": 'new Uint8Array(2 * 1024 * 1024 * 1024).fill(1)',
}


def wall_module(expr: str) -> str:
    return f"""export default async function (context) {{
  try {{
    const value = {expr}
    return {{allowed: true, value: String(value).slice(0, 100)}}
  }} catch (e) {{
    return {{allowed: false, name: e?.name ?? String(e), message: String(e?.message ?? e).slice(0, 300)}}
  }}
}}
"""


class FunctionsTest(ServerModuleTest):
    # A small heap cap: exhausting it is quick even on a loaded machine.
    server_args = ("--function-timeout-ms", "3000", "--function-heap-mib", "64", "--function-env", "SERVER_WIDE=from server",
                   "--function-env", "SHARED=server")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        # The server admin: not one of the roles under test.
        _, cls.admin = new_user(c, unique("sadm"))
        cls.names, cls.sessions = {}, {}
        for role in ("owner", "editor", "viewer", "other"):
            cls.names[role], cls.sessions[role] = new_user(c, unique(role[:5]))
        cls.team = cls.names["owner"]
        owner = cls.sessions["owner"]
        for member, roles in (("editor", ["Editor"]), ("viewer", ["Viewer"])):
            r = set_roles(c, owner, cls.team, cls.names[member], roles)
            assert r.status == 200, r.describe()
        cls.db = new_db(c, owner, cls.team,
                        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); "
                        "INSERT INTO items (name) VALUES ('first'), ('second')")
        cls.tokens = {}
        for perm in ("read", "write", "writeonly"):
            r = create_token(c, owner, cls.team, [(cls.db, perm)], name=f"robot-{perm}")
            assert r.status == 201, r.describe()
            cls.tokens[f"tok_{perm}"] = r.body["body"]
        cls.credential = {"anon": None, **cls.sessions, **cls.tokens}
        r = c.post(f"/api/dbs/{cls.db}/env", {"name": "SHARED", "value": "database"}, token=owner)
        assert r.status == 201, r.describe()
        r = c.post(f"/api/dbs/{cls.db}/env", {"name": "API_KEY", "value": "s3cret"}, token=owner)
        assert r.status == 201, r.describe()

    def as_(self, who):
        return self.client.with_token(self.credential[who])

    def base(self):
        return f"/api/dbs/{self.db}/functions"

    def create(self, content, name=None, who="owner", **extra):
        r = self.as_(who).post(self.base(), {"name": name or unique("fn"), "content": content,
                                             "runtime": "deno", **extra})
        self.assertStatus(r, 200)
        return r.body

    def invocations(self, fid):
        r = self.as_("owner").get(f"{self.base()}/{fid}/invocations")
        self.assertStatus(r, 200)
        return r.body["invocations"]

    def assertHealthy(self):
        self.assertTrue(self.server.alive(), self.server.stderr_tail())
        r = self.client.get("/api/status")
        self.assertEqual(r.status, 200, r.describe())

    # -- managing

    def test_create_get_list_patch_versions_republish_delete(self):
        body = self.create(HELLO, name="Hello", description="says hi")
        for key in ("id", "name", "description", "runtime", "content", "diagnostics", "versions",
                    "activeVersion", "public", "createdUtc", "updatedUtc"):
            self.assertIn(key, body)
        self.assertEqual(body["name"], "Hello")
        self.assertEqual(body["description"], "says hi")
        self.assertEqual(body["runtime"], "deno")
        self.assertEqual(body["content"], HELLO)
        self.assertEqual(body["diagnostics"], [])
        self.assertEqual(len(body["versions"]), 1)
        self.assertEqual(body["activeVersion"], body["versions"][0])
        fid, v1 = body["id"], body["versions"][0]

        r = self.as_("owner").get(self.base())
        self.assertStatus(r, 200)
        self.assertIn(fid, [f["id"] for f in r.body["functions"]])
        r = self.as_("owner").get(f"{self.base()}/{fid}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["content"], HELLO)

        # A new version: PATCH answers its id and diagnostics; it becomes active.
        v2_content = "export default async function () { return {version: 2} }\n"
        r = self.as_("editor").patch(f"{self.base()}/{fid}", {"content": v2_content})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["diagnostics"], [])
        self.assertTrue(r.body["active"])
        v2 = r.body["id"]
        self.assertNotEqual(v1, v2)
        r = self.as_("owner").post(f"/fns/{fid}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {"version": 2})

        # Each version keeps its content.
        r = self.as_("owner").get(f"{self.base()}/{fid}/versions/{v1}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["content"], HELLO)
        self.assertEqual(r.body["versionId"], v1)
        self.assertEqual(r.body["versions"], [v1, v2])
        r = self.as_("owner").get(f"{self.base()}/{fid}/versions/01aaaaaaaaaaaaaaaaaaaaaaaa")
        self.assertJsonError(r, 404)

        # Republish the first: calls run it again.
        r = self.as_("owner").post(f"{self.base()}/{fid}/republish",
                                   {"runtime": "deno", "version": v1})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["id"], v1)
        r = self.as_("owner").post(f"/fns/{fid}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["data"], "hi")
        self.assertEqual(self.as_("owner").get(f"{self.base()}/{fid}").body["activeVersion"], v1)

        # Metadata only: no new version.
        r = self.as_("owner").patch(f"{self.base()}/{fid}", {"name": "Renamed"})
        self.assertStatus(r, 200)
        got = self.as_("owner").get(f"{self.base()}/{fid}").body
        self.assertEqual(got["name"], "Renamed")
        self.assertEqual(len(got["versions"]), 2)

        r = self.as_("owner").delete(f"{self.base()}/{fid}")
        self.assertStatus(r, 200)
        self.assertJsonError(self.as_("owner").get(f"{self.base()}/{fid}"), 404)
        self.assertJsonError(self.as_("owner").post(f"/fns/{fid}"), 404)
        self.assertJsonError(self.as_("owner").delete(f"{self.base()}/{fid}"), 404)

    def test_diagnostics_type_error_is_active_syntax_error_is_not(self):
        typed = 'const n: number = "text";\nexport default async function () { return {n} }\n'
        body = self.create(typed)
        self.assertEqual(len(body["diagnostics"]), 1, body)
        d = body["diagnostics"][0]
        self.assertEqual(d["code"], "TS2322")
        self.assertEqual((d["line"], d["column"]), (1, 7))
        self.assertFalse(d["syntax"])
        self.assertIsNotNone(body["activeVersion"])  # a type error does not stop it
        self.assertStatus(self.as_("owner").post(f"/fns/{body['id']}"), 200)

        broken = "export default async function () {\n  return 1 +;\n}\n"
        body = self.create(broken)
        self.assertIsNone(body["activeVersion"])
        self.assertEqual(len(body["versions"]), 1)
        d = body["diagnostics"][0]
        self.assertTrue(d["syntax"])
        self.assertEqual((d["line"], d["column"]), (2, 13))
        self.assertNotIn("/", d["message"].replace("mod.ts", ""), "no server paths in messages")
        self.assertJsonError(self.as_("owner").post(f"/fns/{body['id']}"), 409)
        # Stored: readable, and cannot be republished.
        fid, vid = body["id"], body["versions"][0]
        r = self.as_("owner").get(f"{self.base()}/{fid}/versions/{vid}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["content"], broken)
        r = self.as_("owner").post(f"{self.base()}/{fid}/republish", {"version": vid})
        self.assertJsonError(r, 409)
        # A broken save of a working function keeps the working version active.
        ok = self.create("export default async function () { return 1 }\n")
        r = self.as_("owner").patch(f"{self.base()}/{ok['id']}", {"content": broken})
        self.assertStatus(r, 200)
        self.assertFalse(r.body["active"])
        self.assertEqual(self.as_("owner").get(f"{self.base()}/{ok['id']}").body["activeVersion"],
                         ok["activeVersion"])
        self.assertEqual(self.as_("owner").post(f"/fns/{ok['id']}").body, 1)

    def test_local_file_imports_are_refused_on_save(self):
        for content in ('import x from "/etc/passwd"\nexport default () => x\n',
                        "import * as m from 'file:///etc/hostname'\nexport default () => m\n",
                        'export { a } from "../../catalog.sqlite"\nexport default () => 1\n',
                        '/// <reference path="/etc/passwd" />\nexport default () => 1\n',
                        'export default async () => (await import("./x.ts")).default\n'):
            body = self.create(content)
            self.assertIsNone(body["activeVersion"], content)
            self.assertTrue(body["diagnostics"][0]["syntax"])
            self.assertNotIn("root:", str(body["diagnostics"]))
            self.assertEqual(body["diagnostics"][0]["line"], 1)

    def test_bad_input(self):
        owner = self.as_("owner")
        cases = [
            ({"content": HELLO}, 400),                                   # no name
            ({"name": "x"}, 400),                                        # no content
            ({"name": "", "content": HELLO}, 400),
            ({"name": "x" * 201, "content": HELLO}, 400),
            ({"name": "x", "content": HELLO, "runtime": "cobol"}, 400),
            ({"name": "x", "content": ""}, 400),
            ({"name": 5, "content": HELLO}, 400),
            ({"name": "x", "content": "a" * (1024 * 1024 + 1)}, 413),   # over max_function_bytes
        ]
        for body, status in cases:
            r = owner.post(self.base(), body)
            self.assertJsonError(r, status, msg=str(body)[:80])
        self.assertJsonError(owner.request("POST", self.base(), raw_body="{not json"), 400)
        fn = self.create(HELLO)
        r = owner.post(f"{self.base()}/{fn['id']}/republish", {"version": 7})
        self.assertJsonError(r, 400)
        r = owner.patch(f"{self.base()}/{fn['id']}", {"runtime": "perl"})
        self.assertJsonError(r, 400)

    def test_who_may_manage_read_and_list(self):
        fn = self.create(HELLO)
        fid = fn["id"]
        # Editors manage; Viewers read; tokens, strangers and anonymous callers do not.
        self.create(HELLO, who="editor")
        for who, status in (("viewer", 403), ("tok_write", 403), ("other", 404), ("anon", 404)):
            r = self.as_(who).post(self.base(), {"name": "n", "content": HELLO})
            self.assertJsonError(r, status, msg=who)
            r = self.as_(who).patch(f"{self.base()}/{fid}", {"content": HELLO})
            self.assertJsonError(r, status, msg=who)
            r = self.as_(who).delete(f"{self.base()}/{fid}")
            self.assertJsonError(r, status, msg=who)
            r = self.as_(who).get(f"{self.base()}/{fid}/invocations")
            self.assertJsonError(r, status, msg=who)
        self.assertStatus(self.as_("viewer").get(self.base()), 200)
        self.assertStatus(self.as_("viewer").get(f"{self.base()}/{fid}"), 200)
        for who, status in (("tok_read", 403), ("other", 404), ("anon", 404)):
            self.assertJsonError(self.as_(who).get(self.base()), status, msg=who)
            self.assertJsonError(self.as_(who).get(f"{self.base()}/{fid}"), status, msg=who)
        # Another database's function is not found through this one.
        other_db = new_db(self.client, self.sessions["owner"], self.team, "CREATE TABLE t (x)")
        r = self.as_("owner").get(f"/api/dbs/{other_db}/functions/{fid}")
        self.assertJsonError(r, 404)

    def test_server_env_routes_for_server_admins(self):
        admin = self.client.with_token(self.admin)
        name = unique("SRV").upper()
        r = admin.post("/api/settings/env", {"name": name, "value": "one"})
        self.assertStatus(r, 201)
        self.assertEqual((r.body["name"], r.body["value"]), (name, "one"))
        self.assertIn("created_utc", r.body)
        self.assertJsonError(admin.post("/api/settings/env", {"name": name, "value": "x"}), 409)
        for bad in ({"name": "1BAD", "value": "x"}, {"name": "A-B", "value": "x"},
                    {"name": "A" * 129, "value": "x"}, {"name": "OK", "value": "x" * 40000},
                    {"name": "OK"}):
            self.assertJsonError(admin.post("/api/settings/env", bad), 400, msg=str(bad)[:40])
        r = admin.get("/api/settings/env")
        self.assertStatus(r, 200)
        self.assertIn({"name": name, "value": "one"},
                      [{"name": v["name"], "value": v["value"]} for v in r.body["envVars"]])
        # Every function sees it, under the database's own variables.
        fn = self.create("export default async (c) => c.env\n")
        self.assertEqual(self.as_("owner").post(f"/fns/{fn['id']}").body[name], "one")
        self.assertStatus(admin.patch(f"/api/settings/env/{name}", {"value": "two"}), 200)
        self.assertEqual(self.as_("owner").post(f"/fns/{fn['id']}").body[name], "two")
        r = admin.post("/api/settings/env", {"name": "SHARED", "value": "server setting"})
        self.assertStatus(r, 201)
        self.assertEqual(self.as_("owner").post(f"/fns/{fn['id']}").body["SHARED"], "database")
        self.assertStatus(admin.delete("/api/settings/env/SHARED"), 200)
        self.assertJsonError(admin.patch("/api/settings/env/NOPE", {"value": "x"}), 404)
        # Only server admins.
        for who, status in (("owner", 403), ("tok_write", 403), ("anon", 401)):
            c = self.as_(who)
            self.assertJsonError(c.get("/api/settings/env"), status, msg=who)
            self.assertJsonError(c.post("/api/settings/env", {"name": "X", "value": "y"}), status)
            self.assertJsonError(c.patch(f"/api/settings/env/{name}", {"value": "y"}), status)
            self.assertJsonError(c.delete(f"/api/settings/env/{name}"), status)
        self.assertStatus(admin.delete(f"/api/settings/env/{name}"), 200)
        self.assertJsonError(admin.delete(f"/api/settings/env/{name}"), 404)
        # Values never reach the server's log.
        self.assertNotIn("two", "\n".join(self.server.stdout_lines + self.server.stderr_lines))

    # -- calling

    def test_context_env_and_logs(self):
        fn = self.create(HELLO)
        r = self.as_("owner").request("PUT", f"/fns/{fn['id']}?a=1&b=two", {"x": [1, 2]})
        self.assertStatus(r, 200)
        b = r.body
        self.assertEqual(b["method"], "PUT")
        self.assertEqual(b["query"], {"a": "1", "b": "two"})
        self.assertEqual(b["body"], {"x": [1, 2]})
        self.assertEqual(b["functionId"], fn["id"])
        self.assertEqual(b["databaseId"], self.db)
        self.assertEqual(b["contentType"], "application/json")
        self.assertIsNone(b["auth"], "credentials are not passed to functions")
        # The database's variables over the server's.
        self.assertEqual(b["env"], {"SERVER_WIDE": "from server", "SHARED": "database",
                                    "API_KEY": "s3cret"})
        r = self.as_("owner").request("POST", f"/fns/{fn['id']}", raw_body="plain text",
                                      headers={"Content-Type": "text/plain"})
        self.assertEqual(r.body["body"], "plain text")
        for method in ("GET", "PATCH", "DELETE"):
            r = self.as_("owner").request(method, f"/fns/{fn['id']}")
            self.assertStatus(r, 200)
            self.assertEqual(r.body["method"], method)

        inv = self.invocations(fn["id"])
        self.assertEqual(len(inv), 5)
        last = inv[0]
        for key in ("createdUtc", "data", "logs", "runtimeMs", "status", "request", "versionId"):
            self.assertIn(key, last)
        self.assertEqual(last["status"], 200)
        self.assertEqual(last["request"]["method"], "DELETE")
        self.assertGreater(last["runtimeMs"], 0)
        self.assertEqual([(l["stream"], l["message"]) for l in last["logs"]],
                         [("stdout", "hello DELETE"), ("stderr", "to stderr")])
        self.assertIsInstance(last["data"], str)
        first = inv[-1]
        self.assertEqual(first["request"]["query"], {"a": "1", "b": "two"})
        self.assertNotIn("authorization", first["request"]["headers"])
        self.assertEqual(first["request"]["caller"]["kind"], "user")

    def test_helpers_run_with_the_callers_rights(self):
        fn = self.create(SQL_FN)
        fid = fn["id"]
        r = self.as_("tok_read").post(f"/fns/{fid}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["read"][0], {"name": "first"})
        self.assertIn("writeError", r.body, "a read token's function cannot write")
        self.assertNotIn("write", r.body)
        self.assertEqual(r.body["graphql"]["data"]["items"], [{"name": "first"}])

        r = self.as_("tok_write").post(f"/fns/{fid}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["write"], 1)

        r = self.as_("tok_writeonly").post(f"/fns/{fid}")
        self.assertStatus(r, 200)
        self.assertIn("readError", r.body)
        self.assertNotIn("read", r.body)

        r = self.as_("viewer").post(f"/fns/{fid}")
        self.assertStatus(r, 200)
        self.assertIn("writeError", r.body)
        count = self.client.sql(self.db, "SELECT count(*) AS n FROM items WHERE name = 'from fn'",
                                token=self.sessions["owner"])
        self.assertEqual(count.body["rows"], [{"n": 1}])

        # Not public: strangers and anonymous callers may not call.
        self.assertJsonError(self.as_("anon").post(f"/fns/{fid}"), 401)
        self.assertJsonError(self.as_("other").post(f"/fns/{fid}"), 404)
        self.assertJsonError(self.as_("owner").post("/fns/01aaaaaaaaaaaaaaaaaaaaaaaa"), 404)

    def test_public_function_anonymous_caller_has_anonymous_rights(self):
        fn = self.create(SQL_FN, public=True)
        self.assertTrue(fn["public"])
        r = self.as_("anon").post(f"/fns/{fn['id']}")
        self.assertStatus(r, 200)
        self.assertIn("readError", r.body)   # a private database: anonymous rights
        self.assertIn("writeError", r.body)
        self.assertEqual(self.invocations(fn["id"])[0]["request"]["caller"], {"kind": "anonymous"})

    def test_returned_response_keeps_status_headers_and_body(self):
        fn = self.create("""export default async function () {
  return new Response("created!", {status: 201, headers: {"content-type": "text/plain",
    "x-custom": "yes", "set-cookie": "airsql_session=evil"}})
}
""")
        r = self.as_("owner").post(f"/fns/{fn['id']}")
        self.assertEqual(r.status, 201, r.describe())
        self.assertEqual(r.raw, b"created!")
        self.assertEqual(r.header("x-custom"), "yes")
        self.assertTrue(r.header("content-type").startswith("text/plain"))
        self.assertIsNone(r.header("set-cookie"), "functions cannot set airsql's cookies")

    def test_a_forged_response_cannot_set_cookies_or_smuggle_header_fields(self):
        # Hostile code can hand back an object that only claims to be a Response, with header
        # pairs no Headers object would hold. The server checks them itself.
        forged = """export default async function () {{
  return Object.create(Response.prototype, {{
    status: {{value: 200}},
    headers: {{value: {pairs}}},
    arrayBuffer: {{value: async () => new TextEncoder().encode("forged").buffer}},
  }})
}}
"""
        fn = self.create(forged.format(pairs='[["Set-Cookie", "airsql_session=evil"], '
                                             '["X-Kept", "yes"], ["CONNECTION", "close"]]'))
        r = self.as_("owner").post(f"/fns/{fn['id']}")
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.raw, b"forged")
        self.assertEqual(r.header("x-kept"), "yes")
        self.assertIsNone(r.header("set-cookie"), "a capitalised Set-Cookie is still airsql's")
        self.assertLessEqual(len(r.header_all("connection")), 1, "CONNECTION is the server's")

        for pairs, what in (('[["x-split", "a\\r\\nSet-Cookie: airsql_session=evil"]]', "CR LF in a value"),
                            ('[["x-nul", "a\\u0000b"]]', "NUL in a value"),
                            ('[["x bad", "v"]]', "a space in a name"),
                            ('[["x-a\\r\\nSet-Cookie", "evil"]]', "CR LF in a name"),
                            ('[["", "v"]]', "an empty name")):
            with self.subTest(what):
                fn = self.create(forged.format(pairs=pairs))
                r = self.as_("owner").post(f"/fns/{fn['id']}")
                self.assertEqual(r.status, 500, r.describe())   # like a function that threw
                self.assertIn("application/json", r.header("content-type"))
                self.assertIn("header field", r.body["errors"][0]["message"])
                self.assertIsNone(r.header("set-cookie"))
                self.assertIsNone(r.header("x-split"))
                self.assertIsNone(r.header("x-nul"))
                record = self.invocations(fn["id"])[0]
                self.assertEqual(record["status"], 500)
                self.assertIn("header", record["error"])

        # More header fields than any real answer needs.
        fn = self.create(forged.format(pairs='Array.from({length: 65}, (_, i) => ["x-h" + i, "v"])'))
        self.assertJsonError(self.as_("owner").post(f"/fns/{fn['id']}"), 413)
        fn = self.create(forged.format(pairs='[["x-big", "v".repeat(20000)]]'))
        self.assertJsonError(self.as_("owner").post(f"/fns/{fn['id']}"), 413)
        # 64 fields are fine.
        fn = self.create(forged.format(pairs='Array.from({length: 64}, (_, i) => ["x-h" + i, "v"])'))
        r = self.as_("owner").post(f"/fns/{fn['id']}")
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.header("x-h63"), "v")

    def test_calls_are_isolated(self):
        fn = self.create("""globalThis.count = (globalThis.count ?? 0) + 1
let calls = 0
export default async function () {
  calls++
  globalThis.leak ??= []
  globalThis.leak.push(1)
  return {count: globalThis.count, calls, leak: globalThis.leak.length}
}
""")
        for _ in range(4):
            r = self.as_("owner").post(f"/fns/{fn['id']}")
            self.assertStatus(r, 200)
            self.assertEqual(r.body, {"count": 1, "calls": 1, "leak": 1})

    # -- sandbox walls

    def test_sandbox_walls_refuse(self):
        port = str(self.server.port)
        for wall, expr in WALLS.items():
            with self.subTest(wall=wall):
                fn = self.create(wall_module(expr.replace("PORT", port)))
                r = self.as_("owner").post(f"/fns/{fn['id']}")
                self.assertStatus(r, 200)
                self.assertFalse(r.body["allowed"], f"{wall}: {r.body}")
                if wall not in ("buffer_2gib", "ffi"):
                    self.assertEqual(r.body["name"], "NotCapable", f"{wall}: {r.body}")
                self.assertEqual(len(self.invocations(fn["id"])), 1)
        self.assertFalse(os.path.exists("/tmp/airsql-fn-wall"))
        self.assertHealthy()

    def test_endless_loop_is_stopped_and_recorded(self):
        fn = self.create("export default async function () { for (;;) {} }\n")
        started = time.monotonic()
        r = self.as_("owner").post(f"/fns/{fn['id']}")
        self.assertEqual(r.status, 504, r.describe())
        self.assertEqual(r.body["errors"][0]["code"], "deadline_exceeded")
        self.assertLess(time.monotonic() - started, 10)
        inv = self.invocations(fn["id"])
        self.assertEqual(inv[0]["status"], 504)
        self.assertIn("3000 ms", inv[0]["error"])
        self.assertHealthy()
        # The runtime serves the next call.
        r = self.as_("owner").patch(f"{self.base()}/{fn['id']}",
                                    {"content": "export default async function () { return 'ok' }"})
        self.assertEqual(self.as_("owner").post(f"/fns/{fn['id']}").body, "ok")

    def test_heap_exhaustion_kills_the_runtime_and_is_recorded(self):
        fn = self.create("""export default async function () {
  const keep = []
  for (;;) keep.push(new Array(2e6).fill(Math.random()))
}
""")
        r = self.as_("owner").post(f"/fns/{fn['id']}", timeout=60)
        self.assertEqual(r.status, 507, r.describe())
        self.assertEqual(r.body["errors"][0]["code"], "resource_exhausted")
        self.assertEqual(self.invocations(fn["id"])[0]["status"], 507)
        self.assertHealthy()
        # A runtime is started again for the next call.
        r = self.as_("owner").patch(f"{self.base()}/{fn['id']}",
                                    {"content": "export default async function () { return 'ok' }"})
        self.assertEqual(self.as_("owner").post(f"/fns/{fn['id']}").body, "ok")

    def test_uncaught_exception_is_a_clear_error(self):
        fn = self.create("""export default async function () {
  console.log("before")
  throw new Error("boom")
}
""")
        r = self.as_("owner").post(f"/fns/{fn['id']}")
        self.assertEqual(r.status, 500, r.describe())
        self.assertIn("Error: boom", r.body["errors"][0]["message"])
        inv = self.invocations(fn["id"])[0]
        self.assertEqual(inv["status"], 500)
        self.assertIn("boom", inv["error"])
        self.assertEqual([l["message"] for l in inv["logs"]], ["before"])
        # Top-level throw, no default export, unserialisable value.
        for content, text in (("throw new Error('at load')\nexport default () => 1", "at load"),
                              ("export const x = 1\n", "default export"),
                              ("export default async () => ({n: 10n})", "BigInt")):
            fn = self.create(content)
            r = self.as_("owner").post(f"/fns/{fn['id']}")
            self.assertEqual(r.status, 500, r.describe())
            self.assertIn(text, r.body["errors"][0]["message"])
        self.assertHealthy()

    def test_log_entries_are_capped(self):
        fn = self.create("""export default async function () {
  for (let i = 0; i < 500; i++) console.log("line " + i + " " + "x".repeat(10000))
  return "done"
}
""")
        r = self.as_("owner").post(f"/fns/{fn['id']}")
        self.assertStatus(r, 200)
        logs = self.invocations(fn["id"])[0]["logs"]
        self.assertLessEqual(len(logs), 100)
        self.assertTrue(logs[0]["message"].startswith("line 0 "))
        self.assertLess(len(logs[0]["message"]), 5000)


if __name__ == "__main__":
    import unittest
    unittest.main()
