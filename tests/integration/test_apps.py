"""Apps through the real server: uploading a zip or one HTML file (raw body or multipart),
listing in the documented `{"apps": [...]}` shape, replacing, renaming, deleting; every refusal
of a bad bundle (zip bombs, path traversal, absolute paths, backslashes, drive letters, NUL,
symlinks, duplicates, oversize, too many entries, no index.html); serving with a sandboxing
Content-Security-Policy, Content-Type, ETag and nosniff; and the app's database-scoped session
attacked as a hostile Editor would: other databases, account routes, the visitor's cookie from
`Origin: null`, renewing itself, managing apps."""

import io
import json
import re
import uuid
import zipfile

from harness import ServerModuleTest, new_db, new_user, set_roles, unique

PAGE = ("<!doctype html><html><head><title>t</title></head><body>"
        "<script src=\"app.js\"></script></body></html>")


def make_zip(entries, method=zipfile.ZIP_DEFLATED):
    """entries: (name, bytes) pairs or ZipInfo objects (written with b"x")."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for e in entries:
            if isinstance(e, zipfile.ZipInfo):
                z.writestr(e, b"/etc/passwd")
            else:
                z.writestr(e[0], e[1])
    return buf.getvalue()


def multipart(fields, file_name, data, content_type="application/zip"):
    boundary = uuid.uuid4().hex
    out = b""
    for k, v in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                .encode())
    out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"{file_name}\"\r\nContent-Type: {content_type}\r\n\r\n").encode()
    out += data + f"\r\n--{boundary}--\r\n".encode()
    return out, f"multipart/form-data; boundary={boundary}"


def app_context(html):
    m = re.search(r'<meta name="airsql-app" content="([^"]*)">', html)
    assert m, html[:400]
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def base_href(html):
    return re.search(r'<base href="([^"]*)">', html).group(1)


class AppsTest(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.db = new_db(cls.client, cls.token, cls.user,
                        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"
                        "INSERT INTO notes (body) VALUES ('hello')")
        cls.other_db = new_db(cls.client, cls.token, cls.user,
                              "CREATE TABLE secrets (x TEXT); INSERT INTO secrets VALUES ('s')")

    def c(self, token=...):
        return self.client.with_token(self.token if token is ... else token)

    def upload(self, data, name=None, content_type="application/zip", db=None, token=...):
        q = f"?name={name or unique('app')}"
        return self.c(token).request("POST", f"/api/dbs/{db or self.db}/apps{q}", raw_body=data,
                                     headers={"Content-Type": content_type})

    def good_zip(self):
        return make_zip([("index.html", PAGE), ("app.js", "document.title = 'ok';"),
                         ("css/site.css", "p { color: red }")])

    # ---- managing apps ----

    def test_upload_list_replace_rename_delete(self):
        data = self.good_zip()
        r = self.upload(data, name="board")
        self.assertStatus(r, 201)
        app = r.body
        self.assertRegex(app["id"], r"^[0-9a-z]{26}$")
        self.assertEqual((app["name"], app["fileCount"], app["uploadBytes"]),
                         ("board", 3, len(data)))
        self.assertEqual(set(app), {"id", "name", "title", "fileCount", "sizeBytes",
                                    "uploadBytes", "createdUtc", "updatedUtc"})
        listed = self.c().get(f"/api/dbs/{self.db}/apps")
        self.assertStatus(listed, 200)
        self.assertIn(app, listed.body["apps"])
        # The same name twice: 409.
        self.assertJsonError(self.upload(data, name="board"), 409)
        # Multipart with name and title fields; one HTML file.
        body, ctype = multipart({"name": "single", "title": "One page"}, "page.html",
                                b"<h1>hi</h1>", "text/html")
        r = self.c().request("POST", f"/api/dbs/{self.db}/apps", raw_body=body,
                             headers={"Content-Type": ctype})
        self.assertStatus(r, 201)
        self.assertEqual((r.body["name"], r.body["title"], r.body["fileCount"]),
                         ("single", "One page", 1))
        # PUT replaces the files, keeps the id.
        new = make_zip([("site/index.html", "<p>v2</p>"), ("site/v2.js", "2")])
        r = self.c().request("PUT", f"/api/dbs/{self.db}/apps/{app['id']}", raw_body=new,
                             headers={"Content-Type": "application/zip"})
        self.assertStatus(r, 200)
        self.assertEqual((r.body["id"], r.body["fileCount"]), (app["id"], 2))
        page = self.c().get(f"/dbs/{self.db}/apps/{app['id']}")
        self.assertIn("<p>v2</p>", page.text)
        base = base_href(page.text)
        self.assertStatus(self.client.get(base + "v2.js", token=None), 200)
        self.assertJsonError(self.client.get(base + "app.js", token=None), 404)
        # PATCH renames.
        r = self.c().patch(f"/api/dbs/{self.db}/apps/{app['id']}", {"title": "Board"})
        self.assertStatus(r, 200)
        self.assertEqual((r.body["name"], r.body["title"]), ("board", "Board"))
        self.assertJsonError(self.c().patch(f"/api/dbs/{self.db}/apps/{app['id']}",
                                            {"colour": "red"}), 400)
        self.assertJsonError(self.c().patch(f"/api/dbs/{self.db}/apps/{app['id']}",
                                            {"name": "../x"}), 400)
        # DELETE.
        r = self.c().delete(f"/api/dbs/{self.db}/apps/{app['id']}")
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {})
        self.assertJsonError(self.c().delete(f"/api/dbs/{self.db}/apps/{app['id']}"), 404)
        self.assertJsonError(self.c().get(f"/dbs/{self.db}/apps/{app['id']}"), 404)
        self.assertJsonError(self.client.get(base + "v2.js", token=None), 404)

    def test_bad_bundles_are_refused_and_nothing_is_stored(self):
        before = self.c().get(f"/api/dbs/{self.db}/apps").body["apps"]
        link = zipfile.ZipInfo("link")
        link.create_system = 3
        link.external_attr = 0o120777 << 16
        idx = ("index.html", PAGE)
        nul = bytearray(make_zip([idx, ("aXb.js", "1")], zipfile.ZIP_STORED))
        nul = bytes(nul).replace(b"aXb.js", b"a\0b.js")
        cases = [
            (make_zip([idx, ("../evil.js", "1")]), 400, "unsafe name"),
            (make_zip([idx, ("a/../../evil.js", "1")]), 400, "unsafe name"),
            (make_zip([idx, ("/etc/cron.d/evil", "1")]), 400, "unsafe name"),
            (make_zip([idx, ("..\\..\\evil.js", "1")]), 400, "unsafe name"),
            (make_zip([idx, ("C:/Windows/evil.js", "1")]), 400, "unsafe name"),
            (make_zip([idx, link]), 400, "symbolic link"),
            (make_zip([idx, idx]), 400, "two entries"),
            (make_zip([idx, ("a", "1"), ("a/b", "2")]), 400, "as a file and as a folder"),
            (make_zip([("app.js", "1")]), 400, "no index.html"),
            (b"PK\x03\x04garbage", 400, "not a readable zip"),
            (b"\x89PNG\r\n\x1a\n\0\0\0", 400, "neither a zip nor an HTML file"),
            (b"", 400, "empty"),
            # 200 MiB of zeros in about 200 KiB.
            (make_zip([idx, ("zeros.bin", b"\0" * (200 << 20))]), 413, "zip bomb"),
            (make_zip([idx] + [(f"f{i}.txt", "x") for i in range(1001)]), 413,
             "more than 1000 entries"),
        ]
        for data, status, phrase in cases:
            with self.subTest(phrase=phrase, size=len(data)):
                r = self.upload(data)
                self.assertJsonError(r, status, message_contains=phrase)
        # A NUL inside an entry name (libarchive would cut the name there): refused.
        self.assertJsonError(self.upload(nul), 400, message_contains="NUL")
        # Bigger than the 20 MiB bundle cap: refused from the Content-Length.
        r = self.upload(b"<p>" + b"a" * (21 << 20))
        self.assertJsonError(r, 413)
        self.assertEqual(self.c().get(f"/api/dbs/{self.db}/apps").body["apps"], before)

    # ---- serving ----

    def test_served_sandboxed_with_types_and_etags(self):
        app = self.upload(self.good_zip()).body
        page = self.c().get(f"/dbs/{self.db}/apps/{app['id']}")
        self.assertStatus(page, 200)
        self.assertTrue(page.header("Content-Type").startswith("text/html"))
        csp = page.header("Content-Security-Policy")
        self.assertIn("sandbox allow-scripts allow-forms;", csp)
        self.assertNotIn("allow-same-origin", csp)
        self.assertNotIn("allow-top-navigation", csp)
        self.assertNotIn("allow-popups", csp)
        self.assertNotIn("unsafe-eval", csp)
        for directive in ("default-src 'none'", "connect-src 'self'", "frame-ancestors 'self'",
                          "object-src 'none'", "base-uri 'self'"):
            self.assertIn(directive, csp)
        self.assertEqual(page.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(page.header("Cache-Control"), "no-store")
        # Only the page's own scripts carry the nonce.
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        self.assertIn(f'<script nonce={nonce} src="app.js">', page.text)
        ctx = app_context(page.text)
        self.assertEqual((ctx["db"], ctx["app"], ctx["graphql"]),
                         (self.db, app["id"], f"/dbs/{self.db}/graphql"))
        self.assertTrue(ctx["token"])
        base = base_href(page.text)
        self.assertTrue(base.startswith(f"/dbs/{self.db}/apps/{app['id']}/~"))
        for path, ctype in (("app.js", "text/javascript"), ("css/site.css", "text/css"),
                            ("index.html", "text/html")):
            with self.subTest(path=path):
                r = self.client.get(base + path, token=None)  # no cookie, no token: the key
                self.assertStatus(r, 200)
                self.assertTrue(r.header("Content-Type").startswith(ctype), r.header("Content-Type"))
                self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
                self.assertIn("sandbox allow-scripts allow-forms", r.header("Content-Security-Policy"))
                etag = r.header("ETag")
                self.assertRegex(etag, r'^"[0-9a-f]{64}"$')
                again = self.client.get(base + path, token=None, headers={"If-None-Match": etag})
                self.assertStatus(again, 304)
                self.assertEqual(again.raw, b"")
        # With a trailing slash, the app's page itself (with its context).
        slash = self.c().get(f"/dbs/{self.db}/apps/{app['id']}/")
        self.assertStatus(slash, 200)
        self.assertTrue(app_context(slash.text)["token"])
        self.assertIn("sandbox allow-scripts", slash.header("Content-Security-Policy"))
        # With read access and no key, files load too; without either, they do not exist.
        self.assertStatus(self.c().get(f"/dbs/{self.db}/apps/{app['id']}/app.js"), 200)
        self.assertJsonError(self.client.get(f"/dbs/{self.db}/apps/{app['id']}/app.js",
                                             token=None), 404)
        # Keys are per app and cannot be forged or moved.
        other = self.upload(self.good_zip()).body
        key = base.rstrip("/").rsplit("/", 1)[1]
        self.assertJsonError(self.client.get(f"/dbs/{self.db}/apps/{other['id']}/{key}/app.js",
                                             token=None), 404)
        forged = key[:-1] + ("0" if key[-1] != "0" else "1")
        self.assertJsonError(self.client.get(f"/dbs/{self.db}/apps/{app['id']}/{forged}/app.js",
                                             token=None), 404)
        for bad in ("../../../../etc/passwd", "%2e%2e/%2e%2e/x", "nope.js", "css/../app.js"):
            with self.subTest(bad=bad):
                self.assertJsonError(self.client.get(base + bad, token=None), (400, 404))

    def test_visitors_anonymous_viewers_and_strangers(self):
        app = self.upload(self.good_zip()).body
        url = f"/dbs/{self.db}/apps/{app['id']}"
        stranger_name, stranger = new_user(self.client)
        self.assertJsonError(self.c(stranger).get(url), 404)
        self.assertJsonError(self.client.get(url, token=None), 404)
        viewer_name, viewer = new_user(self.client)
        self.assertStatus(set_roles(self.client, self.token, self.user, viewer_name, ["Viewer"]),
                          200)
        page = self.c(viewer).get(url)
        self.assertStatus(page, 200)
        scoped = app_context(page.text)["token"]
        # The viewer's app session reads but cannot write.
        q = {"query": "mutation { insert_notes(objects: [{body: \"x\"}]) { affected_rows } }"}
        r = self.c(scoped).post(f"/dbs/{self.db}/graphql", q)
        self.assertTrue(r.status >= 400 or r.body.get("errors"), r.describe())
        r = self.c(scoped).post(f"/dbs/{self.db}/graphql", {"query": "{ notes { body } }"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body["data"]["notes"][0]["body"], "hello")
        self.assertJsonError(self.upload(self.good_zip(), token=viewer), 403)
        # A public database: anyone opens its apps, without a session (the API's public read).
        pub = new_db(self.client, self.token, self.user, "CREATE TABLE t (x TEXT)")
        self.assertStatus(self.c().patch(f"/api/dbs/{pub}", {"visibility": "public"}), 200)
        papp = self.upload(self.good_zip(), db=pub).body
        page = self.client.get(f"/dbs/{pub}/apps/{papp['id']}", token=None)
        self.assertStatus(page, 200)
        self.assertIsNone(app_context(page.text)["token"])
        self.assertStatus(self.client.get(f"/dbs/{pub}/apps/{papp['id']}/app.js", token=None), 200)

    # ---- the hostile Editor's app ----

    def test_the_app_session_reaches_its_database_only(self):
        app = self.upload(self.good_zip()).body
        page = self.c().get(f"/dbs/{self.db}/apps/{app['id']}")
        scoped = app_context(page.text)["token"]
        app_c = self.c(scoped)
        null = {"Origin": "null", "Sec-Fetch-Site": "cross-site"}
        # Its own database's GraphQL, from the sandbox (Origin: null), CORS allowed.
        pre = self.client.request("OPTIONS", f"/dbs/{self.db}/graphql", token=None, headers={
            **null, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type"})
        self.assertStatus(pre, 204)
        self.assertIn("Authorization", pre.header("Access-Control-Allow-Headers"))
        r = app_c.post(f"/dbs/{self.db}/graphql", {"query": "{ notes { body } }"}, headers=null)
        self.assertStatus(r, 200)
        self.assertEqual(r.body["data"]["notes"], [{"body": "hello"}])
        self.assertEqual(r.header("Access-Control-Allow-Origin"), "*")
        self.assertStatus(app_c.sql(self.db, "SELECT count(*) AS n FROM notes"), 200)
        # Another database of the same user: does not exist for it.
        r = app_c.post(f"/dbs/{self.other_db}/graphql", {"query": "{ secrets { x } }"},
                       headers=null)
        self.assertJsonError(r, 404)
        self.assertJsonError(app_c.sql(self.other_db, "SELECT * FROM secrets"), 404)
        self.assertJsonError(app_c.get(f"/api/dbs/{self.other_db}"), 404)
        # Account-wide routes: refused.
        self.assertJsonError(app_c.get("/api/dbs"), 403)
        self.assertJsonError(app_c.post("/api/tokens", {
            "name": "stolen", "description": "", "expiration_utc": None, "team_name": self.user,
            "permissions": [{"db_id": self.other_db, "name": "write"}]}), 403)
        self.assertJsonError(app_c.get(f"/api/teams/{self.user}"), 403)
        self.assertJsonError(app_c.get(f"/api/users/{self.user}"), 403)
        self.assertJsonError(app_c.post("/api/dbs", {"name": "x", "team": self.user}), 403)
        self.assertJsonError(app_c.post("/api/logout", {}), 401)
        # Admin-only settings of its own database (the visitor is its Admin): refused.
        self.assertJsonError(app_c.patch(f"/api/dbs/{self.db}", {"visibility": "public"}), 403)
        self.assertJsonError(app_c.delete(f"/api/dbs/{self.db}"), 403)
        # It cannot renew itself by opening an app, nor replace or delete apps.
        self.assertJsonError(app_c.get(f"/dbs/{self.db}/apps/{app['id']}"), 403)
        self.assertJsonError(self.upload(self.good_zip(), token=scoped), 403)
        self.assertJsonError(app_c.delete(f"/api/dbs/{self.db}/apps/{app['id']}"), 403)
        # Not usable as a cookie.
        r = self.client.get(f"/api/dbs/{self.db}", token=None,
                            headers={"Cookie": f"airsql_session={scoped}"})
        self.assertJsonError(r, 401)

    def test_the_visitors_cookie_is_refused_from_sandboxed_pages(self):
        cookie = {"Cookie": f"airsql_session={self.token}"}
        # Same-origin pages keep working with the cookie ...
        self.assertStatus(self.client.get("/api/dbs", token=None, headers=cookie), 200)
        # ... a sandboxed page (Origin: null) gets nothing with it, whatever the method.
        for method, path, body in (("GET", "/api/dbs", None),
                                   ("POST", f"/dbs/{self.db}/graphql", {"query": "{ notes { body } }"}),
                                   ("POST", "/api/tokens", {"name": "x", "team_name": self.user,
                                                            "permissions": []})):
            with self.subTest(method=method, path=path):
                r = self.client.request(method, path, body, token=None,
                                        headers={**cookie, "Origin": "null"})
                self.assertJsonError(r, 403, message_contains="Origin: null")
        # Our own pages under a no-referrer policy send Origin: null too, marked same-origin.
        r = self.client.get("/api/dbs", token=None,
                            headers={**cookie, "Origin": "null", "Sec-Fetch-Site": "same-origin"})
        self.assertStatus(r, 200)
        r = self.client.get("/api/dbs", token=None,
                            headers={**cookie, "Origin": "null", "Sec-Fetch-Site": "cross-site"})
        self.assertJsonError(r, 403)
        # A form posted to /api/tokens from the sandbox: cross-site, refused as CSRF.
        r = self.client.request("POST", "/api/tokens", token=None, raw_body="name=x",
                                headers={**cookie, "Sec-Fetch-Site": "cross-site",
                                         "Content-Type": "application/x-www-form-urlencoded"})
        self.assertJsonError(r, 403)
