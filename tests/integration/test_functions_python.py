"""Python functions through the real server, Debian's python3 and bubblewrap: every function
route with runtime "python", diagnostics with line and column (a module that does not parse is
stored but not activated), the context and the sql/graphql helpers with the caller's rights (a
read token's function cannot write), Response, print and logging captured as logs, and each
sandbox wall (/etc/passwd, the data folder, env, loopback and public network, /bin/sh, an
endless loop, 2 GiB, a fork bomb): refused or killed, recorded, server healthy. A second server
whose bwrap cannot create namespaces answers 503.
"""

import os
import shutil
import stat
import tempfile
import time

from harness import (Server, ServerModuleTest, ServerTestCase, create_token, new_db, new_user,
                     set_roles, unique)

HELLO = """import logging

async def main(context):
    print("hello", context.method)
    logging.warning("careful %s", 1)
    logging.getLogger("mine").info("info line")
    return {"data": "hi", "method": context.method, "query": context.query,
            "body": context.data, "functionId": context.functionId,
            "databaseId": context["databaseId"], "env": context.env,
            "contentType": context.headers.get("content-type"),
            "auth": context.headers.get("authorization")}
"""

SQL_FN = """async def main(context):
    out = {}
    try:
        out["read"] = (await context.sql("SELECT name FROM items ORDER BY id"))["rows"]
    except Exception as e:
        out["readError"] = str(e)
    try:
        out["write"] = (await context.sql("INSERT INTO items (name) VALUES ('from py')"))["numChanges"]
    except Exception as e:
        out["writeError"] = str(e)
    try:
        out["graphql"] = await context.graphql("query Q($n: Int) { items(limit: $n) { name } }", {"n": 1})
    except Exception as e:
        out["graphqlError"] = str(e)
    return out
"""

# Each wall: an expression whose value (or exception) the function reports.
WALLS = {
    "passwd": 'open("/etc/passwd").read()',
    "etc": 'os.listdir("/etc")',
    "home": 'os.listdir("/home")',
    "datadir": 'os.listdir(DATA_DIR)',
    "loopback": 'socket.create_connection(("127.0.0.1", PORT), timeout=2)',
    "public": 'socket.create_connection(("1.1.1.1", 80), timeout=2)',
    "dns": 'socket.getaddrinfo("example.com", 80)',
    "shell": 'subprocess.run(["/bin/sh", "-c", "id"], capture_output=True).stdout',
    "usr_bin_sh": 'subprocess.run(["/usr/bin/sh", "-c", "id"], capture_output=True).stdout',
    "setuid_root": 'os.setuid(0)',
    "write_usr": 'open("/usr/lib/airsql-wall", "w").write("x")',
    "buffer_2gib": 'len(bytearray(2 * 1024 * 1024 * 1024))',
}


def wall_module(expr: str) -> str:
    return f"""import os, socket, subprocess

async def main(context):
    try:
        value = {expr}
        return {{"allowed": True, "value": repr(value)[:200]}}
    except BaseException as e:
        return {{"allowed": False, "name": type(e).__name__, "message": str(e)[:300]}}
"""


def sandbox_processes(uid_base=2_147_000_000, slots=4):
    """(pid, uid) of the processes running as one of the sandboxes' uids."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("Uid:"):
                        if uid_base <= int(line.split()[1]) < uid_base + slots:
                            found.append((int(pid), int(line.split()[1])))
                        break
        except OSError:
            pass
    return found


class PythonFunctionsTest(ServerModuleTest):
    server_args = ("--function-timeout-ms", "3000", "--function-env", "SERVER_WIDE=from server",
                   "--function-env", "SHARED=server")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
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

    def as_(self, who):
        return self.client.with_token(self.credential[who])

    def base(self):
        return f"/api/dbs/{self.db}/functions"

    def create(self, content, name=None, who="owner", **extra):
        r = self.as_(who).post(self.base(), {"name": name or unique("py"), "content": content,
                                             "runtime": "python", **extra})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["runtime"], "python")
        return r.body

    def call(self, fid, method="POST", who="owner", **kw):
        return self.as_(who).request(method, f"/fns/{fid}", **kw)

    def invocations(self, fid):
        r = self.as_("owner").get(f"{self.base()}/{fid}/invocations")
        self.assertStatus(r, 200)
        return r.body["invocations"]

    def assertHealthy(self):
        self.assertTrue(self.server.alive(), self.server.stderr_tail())
        r = self.client.get("/api/status")
        self.assertEqual(r.status, 200, r.describe())

    # -- managing

    def test_every_route_with_runtime_python(self):
        body = self.create(HELLO, name="PyHello", description="says hi")
        self.assertEqual(body["diagnostics"], [])
        self.assertEqual(body["content"], HELLO)
        fid, v1 = body["id"], body["activeVersion"]
        self.assertEqual(body["versions"], [v1])

        r = self.as_("viewer").get(self.base())
        self.assertStatus(r, 200)
        self.assertIn(("PyHello", "python"),
                      [(f["name"], f["runtime"]) for f in r.body["functions"]])
        r = self.as_("viewer").get(f"{self.base()}/{fid}")
        self.assertStatus(r, 200)
        self.assertEqual((r.body["runtime"], r.body["content"]), ("python", HELLO))

        # A content-only PATCH keeps the runtime python.
        r = self.as_("editor").patch(f"{self.base()}/{fid}",
                                     {"content": "async def main(context):\n    return {'v': 2}\n"})
        self.assertStatus(r, 200)
        self.assertTrue(r.body["active"])
        v2 = r.body["id"]
        r = self.as_("owner").get(f"{self.base()}/{fid}/versions/{v2}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["runtime"], "python")
        self.assertEqual(self.call(fid).body, {"v": 2})

        r = self.as_("owner").post(f"{self.base()}/{fid}/republish", {"version": v1})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["id"], v1)
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            r = self.call(fid, method)
            self.assertStatus(r, 200)
            self.assertEqual(r.body["method"], method)
        self.assertEqual(len(self.invocations(fid)), 6)

        # A Deno version and back: the runtime is per version.
        r = self.as_("owner").patch(f"{self.base()}/{fid}", {
            "runtime": "deno", "content": "export default async () => ({deno: true})\n"})
        self.assertStatus(r, 200)
        self.assertEqual(self.call(fid).body, {"deno": True})
        r = self.as_("owner").post(f"{self.base()}/{fid}/republish", {"version": v2})
        self.assertEqual(self.call(fid).body, {"v": 2})

        r = self.as_("owner").delete(f"{self.base()}/{fid}")
        self.assertStatus(r, 200)
        self.assertJsonError(self.call(fid), 404)

    def test_diagnostics_syntax_error_is_stored_not_active(self):
        broken = "async def main(context):\n    return 1 +\n"
        body = self.create(broken)
        self.assertIsNone(body["activeVersion"])
        self.assertEqual(len(body["versions"]), 1)
        self.assertEqual(len(body["diagnostics"]), 1, body)
        d = body["diagnostics"][0]
        self.assertTrue(d["syntax"])
        self.assertEqual(d["code"], "SyntaxError")
        self.assertEqual((d["line"], d["column"]), (2, 15))
        self.assertJsonError(self.call(body["id"]), 409)
        r = self.as_("owner").post(f"{self.base()}/{body['id']}/republish",
                                   {"version": body["versions"][0]})
        self.assertJsonError(r, 409)

        bad_indent = "async def main(context):\n  x = 1\n    return x\n"
        d = self.create(bad_indent)["diagnostics"][0]
        self.assertEqual((d["code"], d["line"], d["syntax"]), ("IndentationError", 3, True))
        # compile() errors that ast.parse alone misses.
        d = self.create("return 5\n")["diagnostics"][0]
        self.assertEqual((d["line"], d["syntax"]), (1, True))
        self.assertIn("outside function", d["message"])

        # No main: a note, still active (the call fails clearly).
        body = self.create("def helper():\n    return 1\n")
        self.assertIsNotNone(body["activeVersion"])
        self.assertFalse(body["diagnostics"][0]["syntax"])
        self.assertIn("main", body["diagnostics"][0]["message"])
        r = self.call(body["id"])
        self.assertEqual(r.status, 500, r.describe())
        self.assertIn("no main function", r.body["errors"][0]["message"])

        # A broken save of a working function keeps the working version.
        ok = self.create("async def main(context):\n    return 1\n")
        r = self.as_("owner").patch(f"{self.base()}/{ok['id']}", {"content": broken})
        self.assertStatus(r, 200)
        self.assertFalse(r.body["active"])
        self.assertEqual(self.call(ok["id"]).body, 1)

        # Deeply nested input does not take the server down (the parser runs in the sandbox).
        body = self.create("x = " + "(" * 100000 + "\n")
        self.assertIsNone(body["activeVersion"])
        self.assertTrue(body["diagnostics"][0]["syntax"])
        self.assertHealthy()

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
        self.assertEqual(b["env"], {"SERVER_WIDE": "from server", "SHARED": "database"})
        r = self.as_("owner").request("POST", f"/fns/{fn['id']}", raw_body="plain text",
                                      headers={"Content-Type": "text/plain"})
        self.assertEqual(r.body["body"], "plain text")

        inv = self.invocations(fn["id"])
        self.assertEqual(len(inv), 2)
        last = inv[0]
        self.assertEqual(last["status"], 200)
        self.assertGreater(last["runtimeMs"], 0)
        self.assertEqual(last["request"]["caller"]["kind"], "user")
        self.assertEqual([(l["stream"], l["message"]) for l in last["logs"]],
                         [("stdout", "hello POST"), ("stderr", "WARNING:root:careful 1"),
                          ("stdout", "INFO:mine:info line")])
        self.assertTrue(last["logs"][0]["utc"].endswith("Z"))

    def test_helpers_run_with_the_callers_rights(self):
        fid = self.create(SQL_FN)["id"]
        r = self.call(fid, who="tok_read")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["read"][0], {"name": "first"})
        self.assertIn("writeError", r.body, "a read token's function cannot write")
        self.assertNotIn("write", r.body)
        self.assertEqual(r.body["graphql"]["data"]["items"], [{"name": "first"}])

        r = self.call(fid, who="tok_write")
        self.assertStatus(r, 200)
        self.assertEqual(r.body["write"], 1)

        r = self.call(fid, who="tok_writeonly")
        self.assertStatus(r, 200)
        self.assertIn("readError", r.body)
        self.assertNotIn("read", r.body)

        r = self.call(fid, who="viewer")
        self.assertStatus(r, 200)
        self.assertIn("writeError", r.body)
        self.assertEqual(r.body["read"][0], {"name": "first"})

        r = self.call(fid, who="editor")
        self.assertEqual(r.body["write"], 1)
        count = self.client.sql(self.db, "SELECT count(*) AS n FROM items WHERE name = 'from py'",
                                token=self.sessions["owner"])
        self.assertEqual(count.body["rows"], [{"n": 2}])

        self.assertJsonError(self.call(fid, who="anon"), 401)
        self.assertJsonError(self.call(fid, who="other"), 404)

        # Public: anyone may call, with anonymous rights.
        fn = self.create(SQL_FN, public=True)
        r = self.call(fn["id"], who="anon")
        self.assertStatus(r, 200)
        self.assertIn("readError", r.body)
        self.assertIn("writeError", r.body)

    def test_response_status_headers_body(self):
        fn = self.create("""from airsql import Response

async def main(context):
    return Response(201, {"Content-Type": "text/plain", "X-Custom": "yes",
                          "Set-Cookie": "airsql_session=evil"}, "created!")
""")
        r = self.call(fn["id"])
        self.assertEqual(r.status, 201, r.describe())
        self.assertEqual(r.raw, b"created!")
        self.assertEqual(r.header("x-custom"), "yes")
        self.assertTrue(r.header("content-type").startswith("text/plain"))
        self.assertIsNone(r.header("set-cookie"), "functions cannot set airsql's cookies")
        # Hostile code can replace the checked pairs after the fact; the server checks again.
        fn = self.create("""from airsql import Response

async def main(context):
    r = Response(200, {}, "forged")
    r.headers = [["Set-Cookie", "airsql_session=evil"], ["X-Kept", "yes"]]
    return r
""")
        r = self.call(fn["id"])
        self.assertEqual(r.status, 200, r.describe())
        self.assertEqual(r.header("x-kept"), "yes")
        self.assertIsNone(r.header("set-cookie"), "a capitalised Set-Cookie is still airsql's")
        fn = self.create("""from airsql import Response

async def main(context):
    return Response(200, {"x-split": "a\\r\\nSet-Cookie: airsql_session=evil"}, "x")
""")
        r = self.call(fn["id"])
        self.assertEqual(r.status, 500, r.describe())
        self.assertIn("control character", r.body["errors"][0]["message"])
        self.assertIsNone(r.header("set-cookie"))
        self.assertIsNone(r.header("x-split"))
        fn = self.create("async def main(context):\n"
                         "    return Response(status=418, body={'teapot': True})\n")
        r = self.call(fn["id"])
        self.assertEqual(r.status, 418, r.describe())
        self.assertEqual(r.body, {"teapot": True})
        fn = self.create("async def main(context):\n    return Response(body=bytes(range(256)))\n")
        self.assertEqual(self.call(fn["id"]).raw, bytes(range(256)))

    def test_asyncio_in_main(self):
        fn = self.create("""import asyncio

async def main(context):
    rows, _ = await asyncio.gather(context.sql("SELECT 1 AS one"), asyncio.sleep(0.01))
    return {"rows": rows["rows"]}
""")
        self.assertEqual(self.call(fn["id"]).body, {"rows": [{"one": 1}]})
        # A plain (not async) main works too.
        fn = self.create("def main(context):\n    return [context.method]\n")
        self.assertEqual(self.call(fn["id"], "GET").body, ["GET"])

    def test_calls_are_isolated(self):
        fn = self.create("""import builtins
builtins.count = getattr(builtins, "count", 0) + 1
calls = 0

def main(context):
    global calls
    calls += 1
    open("/tmp/state", "a").write("x")
    return {"count": builtins.count, "calls": calls, "tmp": len(open("/tmp/state").read())}
""")
        for _ in range(3):
            r = self.call(fn["id"])
            self.assertStatus(r, 200)
            self.assertEqual(r.body, {"count": 1, "calls": 1, "tmp": 1})

    def test_concurrent_calls_beyond_the_sandbox_slots(self):
        # 4 sandboxes at once (function_python_max_concurrent_calls): 10 callers all get
        # their own answer, each from its own process.
        import threading
        fn = self.create("import os, time\nasync def main(context):\n    time.sleep(0.2)\n"
                         "    return {'n': context.query['n'], 'uid': os.getuid()}\n")
        results = {}

        def one(n):
            r = self.as_("owner").request("POST", f"/fns/{fn['id']}?n={n}", timeout=60)
            results[n] = (r.status, r.body)

        threads = [threading.Thread(target=one, args=(str(n),)) for n in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual({n: r[0] for n, r in results.items()}, {str(n): 200 for n in range(10)})
        self.assertEqual({n: r[1]["n"] for n, r in results.items()}, {str(n): str(n) for n in range(10)})
        self.assertEqual(len(self.invocations(fn["id"])), 10)

    def test_exceptions_and_bad_answers_are_clear_errors(self):
        fn = self.create("""async def main(context):
    print("before")
    raise ValueError("boom")
""")
        r = self.call(fn["id"])
        self.assertEqual(r.status, 500, r.describe())
        self.assertIn("ValueError: boom", r.body["errors"][0]["message"])
        inv = self.invocations(fn["id"])[0]
        self.assertEqual(inv["status"], 500)
        self.assertIn("boom", inv["error"])
        self.assertEqual(inv["logs"][0]["message"], "before")
        self.assertIn('File "main.py", line 3', inv["logs"][1]["message"])
        self.assertNotIn("runner", inv["logs"][1]["message"])
        for content, text in (("raise RuntimeError('at load')\n", "at load"),
                              ("async def main(c):\n    return {1, 2}\n", "not JSON"),
                              ("async def main(c):\n    return float('nan')\n", "not JSON"),
                              ("import sys\nasync def main(c):\n    sys.exit(3)\n", "SystemExit"),
                              ("import os\nasync def main(c):\n    os._exit(0)\n", "without an answer")):
            fn = self.create(content)
            r = self.call(fn["id"])
            self.assertEqual(r.status, 500, r.describe())
            self.assertIn(text, r.body["errors"][0]["message"])
            self.assertEqual(self.invocations(fn["id"])[0]["status"], 500)
        # Noise on the process's stdout is not an answer.
        fn = self.create("import os\nasync def main(c):\n"
                         "    os.write(1, b'{\"t\": \"done\", \"ok\": true}\\n')\n    return 'real'\n")
        self.assertEqual(self.call(fn["id"]).body, "real")
        # Output without newlines is not buffered without bound: the call ends.
        fn = self.create("import os\nasync def main(c):\n    chunk = b'x' * (1 << 20)\n"
                         "    for _ in range(64):\n        os.write(1, chunk)\n    return 'never'\n")
        r = self.call(fn["id"])
        self.assertEqual(r.status, 500, r.describe())
        self.assertIn("without an answer", r.body["errors"][0]["message"])
        self.assertHealthy()

    def test_log_entries_are_capped(self):
        fn = self.create("""async def main(context):
    for i in range(500):
        print("line", i, "x" * 10000)
    return "done"
""")
        r = self.call(fn["id"])
        self.assertStatus(r, 200)
        logs = self.invocations(fn["id"])[0]["logs"]
        self.assertEqual(len(logs), 100)
        self.assertTrue(logs[0]["message"].startswith("line 0 "))
        self.assertLess(len(logs[0]["message"]), 5000)

    # -- sandbox walls

    def test_sandbox_walls(self):
        port = str(self.server.port)
        data_dir = os.path.abspath(self.server.data_dir)
        for wall, expr in WALLS.items():
            with self.subTest(wall=wall):
                expr = expr.replace("PORT", port).replace("DATA_DIR", repr(data_dir))
                fn = self.create(wall_module(expr))
                r = self.call(fn["id"])
                self.assertStatus(r, 200)
                self.assertFalse(r.body["allowed"], f"{wall}: {r.body}")
                expected = {"passwd": "FileNotFoundError", "etc": "FileNotFoundError",
                            "home": "FileNotFoundError", "datadir": "FileNotFoundError",
                            "loopback": "ConnectionRefusedError", "public": "OSError",
                            "dns": "gaierror", "shell": "FileNotFoundError",
                            "usr_bin_sh": "FileNotFoundError", "setuid_root": "OSError",
                            "write_usr": "OSError", "buffer_2gib": "MemoryError"}[wall]
                if expected != "OSError":
                    self.assertEqual(r.body["name"], expected, f"{wall}: {r.body}")
                self.assertEqual(len(self.invocations(fn["id"])), 1)
        self.assertFalse(os.path.exists("/usr/lib/airsql-wall"))
        self.assertHealthy()

    def test_environment_and_identity(self):
        fn = self.create("""import os, sys
async def main(context):
    return {"environ": dict(os.environ), "uid": os.getuid(), "pid": os.getpid(),
            "root": sorted(os.listdir("/")), "cwd": os.getcwd(),
            "procs": sorted(p for p in os.listdir("/proc") if p.isdigit())}
""")
        b = self.call(fn["id"]).body
        self.assertEqual(b["environ"], {}, "only context.env, never the process environment")
        self.assertEqual(b["uid"], 65534)
        self.assertEqual(b["root"], ["dev", "lib", "lib64", "proc", "tmp", "usr"])
        self.assertEqual(b["cwd"], "/tmp")
        self.assertLessEqual(len(b["procs"]), 2, "its own pid namespace: bwrap's init and python")

    def test_endless_loop_is_killed_and_recorded(self):
        fn = self.create("async def main(context):\n    while True:\n        pass\n")
        started = time.monotonic()
        r = self.call(fn["id"])
        self.assertEqual(r.status, 504, r.describe())
        self.assertEqual(r.body["errors"][0]["code"], "deadline_exceeded")
        self.assertLess(time.monotonic() - started, 10)
        inv = self.invocations(fn["id"])[0]
        self.assertEqual(inv["status"], 504)
        self.assertIn("3000 ms", inv["error"])
        self.assertHealthy()

    def test_allocating_2_gib_is_killed_and_recorded(self):
        fn = self.create("async def main(context):\n    keep = bytearray(2 * 1024 ** 3)\n"
                         "    return len(keep)\n")
        r = self.call(fn["id"])
        self.assertEqual(r.status, 507, r.describe())
        self.assertEqual(r.body["errors"][0]["code"], "resource_exhausted")
        self.assertEqual(self.invocations(fn["id"])[0]["status"], 507)
        # Growing step by step ends the same way.
        fn = self.create("async def main(context):\n    keep = []\n    while True:\n"
                         "        keep.append(bytearray(16 * 1024 * 1024))\n")
        r = self.call(fn["id"])
        self.assertEqual(r.status, 507, r.describe())
        self.assertHealthy()

    def test_fork_bomb_is_bounded(self):
        if os.geteuid() != 0:
            self.skipTest("RLIMIT_NPROC per sandbox needs a server running as root (as in CI)")
        # Counts what it may start: RLIMIT_NPROC of the call's own uid stops it.
        fn = self.create("""import os, time
async def main(context):
    started = 0
    try:
        while True:
            if os.fork() == 0:
                time.sleep(30)
                os._exit(0)
            started += 1
    except OSError as e:
        return {"started": started, "error": type(e).__name__}
""")
        r = self.call(fn["id"])
        self.assertStatus(r, 200)
        self.assertEqual(r.body["error"], "BlockingIOError")
        self.assertLess(r.body["started"], 32)
        # The classic bomb: every process forks forever; killed at the time limit, with
        # everything it started.
        fn = self.create("""import os
async def main(context):
    while True:
        try:
            os.fork()
        except OSError:
            pass
""")
        simple = self.create("def main(c):\n    return 'fine'\n")["id"]
        import threading
        bomb = {}

        def run_bomb():
            bomb["r"] = self.call(fn["id"], timeout=30)

        started = time.monotonic()
        thread = threading.Thread(target=run_bomb)
        thread.start()
        # While it runs, other calls (other uids: their own process budget) and the server
        # answer.
        time.sleep(1)
        during = [self.call(simple) for _ in range(3)]
        health = self.client.get("/api/status")
        thread.join()
        r = bomb["r"]
        self.assertIn(r.status, (504, 500), r.describe())
        self.assertLess(time.monotonic() - started, 15)
        self.assertEqual([(x.status, x.body) for x in during], [(200, "fine")] * 3)
        self.assertEqual(health.status, 200)
        self.assertNotEqual(self.invocations(fn["id"])[0]["status"], 200)
        # Nothing of it survives (what remains is the spare sandbox started for the next
        # call: bwrap, its init and python3), and the server answers at once.
        for _ in range(50):
            if len(sandbox_processes()) <= 3:
                break
            time.sleep(0.1)
        left = sandbox_processes()
        self.assertLessEqual(len(left), 3, left)
        self.assertLessEqual(len({uid for _, uid in left}), 1, left)
        self.assertHealthy()
        self.assertEqual(self.call(self.create("def main(c):\n    return 'ok'\n")["id"]).body, "ok")


class PythonSandboxUnavailableTest(ServerTestCase):
    """A bwrap that cannot create namespaces (as on a host without user namespaces): calls and
    saves answer 503 with a JSON error; the server stays up."""

    def test_no_namespaces_is_503(self):
        folder = tempfile.mkdtemp(prefix="airsql-nobwrap-")
        self.addCleanup(shutil.rmtree, folder, True)
        os.chmod(folder, 0o755)
        fake = os.path.join(folder, "bwrap")
        with open(fake, "w") as f:
            f.write("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
        os.chmod(fake, stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
        data_dir = os.path.join(folder, "data")
        # A function saved while the sandbox worked…
        with Server(data_dir=data_dir) as server:
            c = server.client()
            name, owner = new_user(c, unique("nobw"))
            db = new_db(c, owner, name, "CREATE TABLE t (x)")
            r = c.post(f"/api/dbs/{db}/functions", {"name": "f", "runtime": "python",
                                                     "content": "def main(c):\n    return 1\n"},
                       token=owner)
            self.assertEqual(r.status, 200, r.describe())
            fid = r.body["id"]
            self.assertEqual(c.post(f"/fns/{fid}", token=owner).body, 1)
        # …then a bwrap that cannot create namespaces: calls and saves answer 503.
        with Server(data_dir=data_dir, extra_args=("--bwrap", fake)) as server:
            c = server.client()
            r = c.post(f"/fns/{fid}", token=owner)
            self.assertEqual(r.status, 503, r.describe())
            self.assertEqual(r.body["errors"][0]["code"], "unavailable")
            self.assertIn("No permissions", r.body["errors"][0]["message"])
            r = c.get(f"/api/dbs/{db}/functions/{fid}/invocations", token=owner)
            self.assertEqual(r.body["invocations"][0]["status"], 503)
            r = c.patch(f"/api/dbs/{db}/functions/{fid}", {"content": "def main(c):\n    return 2\n"},
                        token=owner)
            self.assertEqual(r.status, 503, r.describe())
            self.assertEqual(r.body["errors"][0]["code"], "unavailable")
            self.assertTrue(server.alive())
            self.assertEqual(c.get("/api/status").status, 200)

if __name__ == "__main__":
    import unittest
    unittest.main()
