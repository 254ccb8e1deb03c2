"""The web console's page and files through the real server: media types, the
Content-Security-Policy (no inline script, no other origin), nothing from a CDN, unknown files
refused, and a link from the landing page. The console itself is tested in headless Chromium
(tests/browser/console.test.mjs)."""

import re
import tempfile
import unittest

from harness import ServerModuleTest

ASSETS = {"console.js": "text/javascript", "console.css": "text/css"}


def csp_directives(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


class ConsolePage(ServerModuleTest):

    def page(self):
        r = self.client.get("/console", token=None)
        if r.status == 503 and "console" in r.text:
            self.skipTest("this airsql-server was built without the console's files")
        return r

    def assertStrictCsp(self, r):
        header = r.header("Content-Security-Policy")
        self.assertIsNotNone(header, r.describe())
        csp = csp_directives(header)
        self.assertEqual(csp.get("default-src"), ["'none'"], header)
        self.assertEqual(csp.get("script-src"), ["'self'"], header)
        self.assertEqual(csp.get("connect-src"), ["'self'"], header)
        self.assertEqual(csp.get("frame-ancestors"), ["'none'"], header)
        self.assertEqual(csp.get("base-uri"), ["'none'"], header)
        self.assertNotIn("'unsafe-eval'", header)
        for sources in csp.values():
            for source in sources:
                self.assertNotRegex(source, r"^(https?:|\*)", f"another origin allowed: {header}")
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff", r.describe())
        # Style sheets: this server's, or with the page's nonce; style attributes are allowed.
        for directive in ("style-src", "style-src-elem"):
            sources = csp.get(directive, [])
            self.assertEqual(sources[0], "'self'", header)
            self.assertTrue(all(re.fullmatch(r"'nonce-[0-9a-f]{32}'", x) for x in sources[1:]), header)
        self.assertEqual(csp.get("style-src-attr"), ["'unsafe-inline'"], header)
        return csp

    def test_page_is_html_with_a_strict_policy(self):
        r = self.page()
        self.assertEqual(r.status, 200, r.describe())
        self.assertIn("text/html", r.header("Content-Type") or "", r.describe())
        csp = self.assertStrictCsp(r)
        # A fresh nonce per page, the same in the policy and in the page (for CodeMirror).
        nonce = re.search(r'<meta name="airsql-style-nonce" content="([0-9a-f]{32})">', r.text)
        self.assertIsNotNone(nonce, r.text)
        self.assertEqual(csp["style-src-elem"], ["'self'", f"'nonce-{nonce.group(1)}'"])
        again = self.page()
        self.assertNotIn(nonce.group(1), again.text, "the nonce was used twice")
        self.assertEqual(r.header("Cache-Control"), "no-store", r.describe())
        # No inline script (the policy would block it anyway) and nothing from elsewhere.
        self.assertNotRegex(r.text, r"<script(?![^>]*\bsrc=)[^>]*>", "an inline script")
        self.assertNotRegex(r.text, r'(?:src|href)="(?:https?:)?//', "the page must not use a CDN")
        referenced = set(re.findall(r'(?:src|href)="(/console/[^"]+)"', r.text))
        self.assertEqual(referenced, {f"/console/{a}" for a in ASSETS}, r.text)

    def test_files_have_their_types_and_the_policy(self):
        self.page()
        for asset, ctype in ASSETS.items():
            with self.subTest(asset):
                a = self.client.get(f"/console/{asset}", token=None)
                self.assertEqual(a.status, 200, a.describe())
                self.assertIn(ctype, a.header("Content-Type") or "", a.describe())
                self.assertNotIn("nonce", self.assertStrictCsp(a)["style-src"][-1])
                self.assertGreater(len(a.raw), 10_000, f"{asset} is suspiciously small")
                self.assertNotRegex(a.text, r"https?://cdn\.", f"{asset} loads from a CDN")
        # The bundle holds the three libraries (their own markers, not ours).
        js = self.client.get("/console/console.js", token=None).text
        for marker in ("tabulator", "cm-editor", "echarts"):
            self.assertIn(marker, js)

    def test_unknown_files_are_refused(self):
        self.page()
        for bad in ("nope.js", "console.js.map", "..%2F..%2Fetc%2Fpasswd", "graphiql.min.js",
                    "%2e%2e%2fconsole.js"):
            with self.subTest(bad):
                self.assertJsonError(self.client.get(f"/console/{bad}", token=None), 404)

    def test_landing_page_links_to_the_console(self):
        r = self.client.get("/", token=None)
        self.assertEqual(r.status, 200, r.describe())
        self.assertIn('href="/console"', r.text)

    def test_page_holds_no_data_and_needs_no_session(self):
        # The same page for everyone: the data comes from the API, which checks the caller.
        a = self.page()
        b = self.client.get("/console", token="not-a-token")
        self.assertEqual(a.status, 200, a.describe())
        self.assertEqual(b.status, 200, b.describe())
        nonce = re.compile(r'content="[0-9a-f]{32}"')
        self.assertEqual(nonce.sub("", a.text), nonce.sub("", b.text))


class ConsoleWithoutItsFiles(ServerModuleTest):
    """A server whose assets folder lacks the console's files: 503 with a clear message for the
    page, 404 for the files, and the API as before."""

    server_args = ("--assets-dir", tempfile.mkdtemp(prefix="airsql-no-assets-"))

    def test_page_is_unavailable_not_broken(self):
        r = self.client.get("/console", token=None)
        self.assertEqual(r.status, 503, r.describe())
        self.assertIn("application/json", r.header("Content-Type") or "", r.describe())
        self.assertIn("/api/docs", r.body["errors"][0]["message"])
        for asset in ASSETS:
            with self.subTest(asset):
                self.assertJsonError(self.client.get(f"/console/{asset}", token=None), 404)
        self.assertEqual(self.client.get("/api/status", token=None).status, 200)


if __name__ == "__main__":
    unittest.main()
