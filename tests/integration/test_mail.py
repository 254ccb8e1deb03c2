"""Account mail end to end: a real local SMTP server (Debian's aiosmtpd, run by smtp_sink.py)
receives what airsql sends over SMTP (plain, STARTTLS with authentication, implicit TLS), and
the tests follow the links in the received mail: password reset (API and the HTML form in
headless Chromium without JavaScript), email confirmation, invitations. Without SMTP, mail is
kept in the outbox for server admins and the log never shows the secret link. Also: changing
a password ends the user's other sessions; deleting an account."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import (DEFAULT_PASSWORD, ServerModuleTest, login, new_db, new_user, sign_up,
                     unique)

HERE = os.path.dirname(os.path.abspath(__file__))
SYSTEM_PYTHON = "/usr/bin/python3"
LINK = re.compile(r"(https?://\S+|/(?:password-reset|verify-email|invitation)/\S+)")


def aiosmtpd_available():
    return subprocess.run([SYSTEM_PYTHON, "-c", "import aiosmtpd"],
                          capture_output=True).returncode == 0


class SmtpSink:
    """smtp_sink.py in a child process; mails land as JSON files in a temporary folder."""

    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix="airsql-smtp-")
        self.proc = subprocess.Popen([SYSTEM_PYTHON, os.path.join(HERE, "smtp_sink.py"),
                                      "--dir", self.dir, *args], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("listening "):
            self.proc.kill()
            raise RuntimeError("smtp_sink did not start: " + self.proc.stderr.read())
        self.port = int(line.split()[1])

    def mails(self):
        out = []
        for name in sorted(os.listdir(self.dir), key=lambda n: int(n.split(".")[0])
                           if n[0].isdigit() else -1):
            if name.endswith(".json") and name[0].isdigit():
                with open(os.path.join(self.dir, name)) as f:
                    out.append(json.load(f))
        return out

    def wait_for(self, count, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            mails = self.mails()
            if len(mails) >= count:
                return mails
            time.sleep(0.05)
        raise AssertionError(f"expected {count} mail(s), got {len(self.mails())}")

    def wait_for_mail(self, to, subject, timeout=20):
        """The first mail to `to` whose Subject header contains `subject`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for m in self.mails():
                if m["rcpt_tos"] == [to] and re.search(r"^Subject: .*" + re.escape(subject),
                                                       m["content"], re.M):
                    return m
            time.sleep(0.05)
        raise AssertionError(f"no mail \"{subject}\" to {to}; got "
                             f"{[(m['rcpt_tos'], m['content'][:300]) for m in self.mails()]}")

    def close(self):
        self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def link_in(mail, kind):
    body = mail["content"] if isinstance(mail, dict) and "content" in mail else mail
    for m in LINK.finditer(body):
        if f"/{kind}/" in m.group(1):
            return m.group(1)
    raise AssertionError(f"no /{kind}/ link in:\n{body}")


@unittest.skipUnless(aiosmtpd_available(), "python3-aiosmtpd is missing (scripts/install-deps --test)")
class Mail(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.admin_name, cls.admin = new_user(c, unique("adm"))
        cls.tls_dir = tempfile.mkdtemp(prefix="airsql-tls-")
        cls.cert = os.path.join(cls.tls_dir, "cert.pem")
        cls.key = os.path.join(cls.tls_dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-keyout", cls.key, "-out", cls.cert],
                       check=True, capture_output=True)
        cls.sinks = []

    @classmethod
    def tearDownClass(cls):
        for s in cls.sinks:
            s.close()
        shutil.rmtree(cls.tls_dir, ignore_errors=True)
        super().tearDownClass()

    def sink(self, *args):
        s = SmtpSink(*args)
        self.sinks.append(s)
        return s

    def settings(self, body):
        r = self.client.patch("/api/settings", body, token=self.admin)
        self.assertStatus(r, 200)
        return r.body

    def use_smtp(self, sink, tls="none", **extra):
        scheme = "smtps" if tls == "implicit" else "smtp"
        self.settings({"smtp": {"url": f"{scheme}://127.0.0.1:{sink.port}", "tls": tls,
                                "from": "airsql@example.org", "verifyPeer": False, **extra},
                       "publicUrl": self.server.url})

    def tearDown(self):
        self.settings({"smtp": None, "signUp": "open"})

    def new_account(self):
        name, token = new_user(self.client, unique("m"))
        return name, f"{name}@example.org", token

    # -- without SMTP: the outbox

    def test_outbox_without_smtp_and_log_without_link(self):
        name, email, _ = self.new_account()
        before = len(self.client.get("/api/mail/outbox", token=self.admin).body["mails"])
        self.assertStatus(self.client.post("/api/users/reset-password", {"email": email}), 200)
        mails = self.client.get("/api/mail/outbox", token=self.admin).body["mails"]
        self.assertEqual(len(mails), before + 1)
        mail = mails[0]
        self.assertEqual((mail["to"], mail["status"]), (email, "kept"))
        key = link_in(mail["body"], "password-reset").rsplit("/", 1)[1]
        self.assertEqual(len(key), 43)
        log = "\n".join(self.server.stderr_lines)
        self.assertIn(email, log)
        self.assertNotIn(key, log, "the secret link must not reach the log")
        # Unknown addresses get the same answer and no mail.
        r = self.client.post("/api/users/reset-password", {"email": "nobody@example.org"})
        self.assertStatus(r, 200)
        self.assertEqual(r.body, {})
        self.assertEqual(len(self.client.get("/api/mail/outbox", token=self.admin)
                             .body["mails"]), before + 1)
        self.assertJsonError(self.client.post("/api/users/reset-password", {"email": "x"}), 400)
        # The outbox is for server admins.
        _, _, user = self.new_account()
        self.assertJsonError(self.client.get("/api/mail/outbox", token=user), 403)
        self.assertJsonError(self.client.get("/api/mail/outbox"), 401)

    # -- over SMTP, following the links

    def test_password_reset_over_smtp(self):
        sink = self.sink()
        self.use_smtp(sink)
        name, email, old_session = self.new_account()
        self.assertStatus(self.client.post("/api/users/reset-password", {"email": email}), 200)
        mail = sink.wait_for_mail(email, "Reset your password")
        url = link_in(mail, "password-reset")
        self.assertTrue(url.startswith(self.server.url + "/password-reset/"), url)
        path = url[len(self.server.url):]
        key = path.rsplit("/", 1)[1]
        page = self.client.get(path)
        self.assertStatus(page, 200)
        self.assertIn("text/html", page.header("Content-Type"))
        self.assertIn('<form method="post"', page.text)
        self.assertNotIn("<script", page.text)
        self.assertEqual(page.header("Referrer-Policy"), "no-referrer")
        # A too-short password leaves the key usable.
        self.assertJsonError(self.client.post("/api/users/reset-password/submit",
                                              {"resetKey": key, "password": "short"}), 400)
        r = self.client.post("/api/users/reset-password/submit",
                             {"resetKey": key, "password": "a brand new passphrase"})
        self.assertStatus(r, 200)
        # Every session ended; the new password works, the old one not; the key is used up.
        self.assertJsonError(self.client.get(f"/api/users/{name}", token=old_session), 401)
        self.assertStatus(login(self.client, name, "a brand new passphrase"), 200)
        self.assertJsonError(login(self.client, name), 401)
        self.assertJsonError(self.client.post("/api/users/reset-password/submit",
                                              {"resetKey": key, "password": "yet another one"}),
                             400)
        self.assertEqual(self.client.get(path).status, 404)
        # The sent mail's body is not kept on the server.
        sent = [m for m in self.client.get("/api/mail/outbox", token=self.admin).body["mails"]
                if m["to"] == email]
        self.assertEqual(sent[0]["status"], "sent")
        self.assertEqual(sent[0]["body"], "")

    def test_starttls_with_authentication(self):
        sink = self.sink("--starttls", self.cert, self.key, "--auth", "mailer:s3cret")
        self.use_smtp(sink, tls="starttls", username="mailer", password="s3cret")
        _, email, _ = self.new_account()
        self.assertStatus(self.client.post("/api/users/reset-password", {"email": email}), 200)
        mail = sink.wait_for_mail(email, "Reset your password")
        self.assertTrue(mail["tls"], "sent after STARTTLS")
        self.assertTrue(mail["authenticated"])
        # A wrong password: nothing arrives, the outbox says why.
        self.use_smtp(sink, tls="starttls", username="mailer", password="wrong")
        _, email2, _ = self.new_account()
        self.assertStatus(self.client.post("/api/users/reset-password", {"email": email2}), 200)
        # (aiosmtpd answers a failed login slowly: libcurl gives up after its 10 s connect
        # timeout, which covers the SMTP greeting and authentication.)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            m = [m for m in self.client.get("/api/mail/outbox", token=self.admin).body["mails"]
                 if m["to"] == email2][0]
            if m["error"]:
                break
            time.sleep(0.2)
        self.assertIn(m["status"], ("queued", "failed"))
        self.assertTrue(m["error"])
        self.assertNotIn("wrong", m["error"])
        self.assertEqual([m for m in sink.mails() if m["rcpt_tos"] == [email2]], [])

    def test_implicit_tls(self):
        sink = self.sink("--implicit", self.cert, self.key)
        self.use_smtp(sink, tls="implicit")
        _, email, _ = self.new_account()
        self.assertStatus(self.client.post("/api/users/reset-password", {"email": email}), 200)
        self.assertTrue(sink.wait_for_mail(email, "Reset your password")["tls"])

    def test_email_verification_on_sign_up(self):
        sink = self.sink()
        self.use_smtp(sink)
        name = unique("ver")
        self.assertStatus(sign_up(self.client, name), 201)
        mail = sink.wait_for_mail(f"{name}@example.org", "Confirm your email address")
        path = link_in(mail, "verify-email")[len(self.server.url):]
        page = self.client.get(path)
        self.assertStatus(page, 200)
        self.assertIn("confirmed", page.text)
        self.assertIn(name, page.text)
        self.assertEqual(self.client.get(path).status, 404, "single use")
        self.assertEqual(self.client.get("/verify-email/" + "x" * 43).status, 404)

    def test_invitation(self):
        sink = self.sink()
        self.use_smtp(sink)
        owner, _, owner_token = self.new_account()
        team = unique("inv-team")
        self.assertStatus(self.client.post("/api/teams", {"name": team}, token=owner_token), 201)
        guest = f"{unique('guest')}@example.org"
        # Only the team's Admins invite.
        _, _, stranger = self.new_account()
        self.assertJsonError(self.client.post("/api/users/invite", {"email": guest, "team": team},
                                              token=stranger), 404)
        self.assertJsonError(self.client.post("/api/users/invite", {"email": guest, "team": team}),
                             401)
        self.assertJsonError(self.client.post("/api/users/invite", {"email": "nope", "team": team},
                                              token=owner_token), 400)
        r = self.client.post("/api/users/invite", {"email": guest, "team": team,
                                                   "roles": ["Viewer"]}, token=owner_token)
        self.assertStatus(r, 200)
        mail = sink.wait_for_mail(guest, "invites you")
        path = link_in(mail, "invitation")[len(self.server.url):]
        key = path.rsplit("/", 1)[1]
        page = self.client.get(path)
        self.assertStatus(page, 200)
        self.assertIn(team, page.text)
        # Invite-only servers let invitations in, for the invited address only.
        self.settings({"signUp": "invite-only"})
        name = unique("guest")
        body = {"username": name, "password": DEFAULT_PASSWORD, "invite_key": key,
                "email_address": "someone-else@example.org"}
        self.assertJsonError(self.client.post("/api/users", body), 400)
        body["email_address"] = guest
        self.assertStatus(self.client.post("/api/users", body), 201)
        token = login(self.client, name).body["sessionToken"]
        members = {m["username"]: m["roles"] for m in
                   self.client.get(f"/api/teams/{team}/members", token=token).body["members"]}
        self.assertEqual(members[name], ["Viewer"])
        body["username"] = unique("again")
        body["email_address"] = "again-" + guest
        self.assertJsonError(self.client.post("/api/users", body), 400)
        self.assertEqual(self.client.get(path).status, 404, "the invitation is used up")

    # -- passwords and accounts

    def test_change_password_ends_other_sessions(self):
        name, _, first = self.new_account()
        second = login(self.client, name).body["sessionToken"]
        self.assertJsonError(self.client.patch(f"/api/users/{name}", {
            "currentPassword": "not it", "newPassword": "a new passphrase"}, token=first), 401)
        self.assertJsonError(self.client.patch(f"/api/users/{name}", {
            "currentPassword": DEFAULT_PASSWORD, "newPassword": "short"}, token=first), 400)
        self.assertStatus(self.client.patch(f"/api/users/{name}", {
            "currentPassword": DEFAULT_PASSWORD, "newPassword": "a new passphrase"},
            token=first), 200)
        self.assertStatus(self.client.get(f"/api/users/{name}", token=first), 200)
        self.assertJsonError(self.client.get(f"/api/users/{name}", token=second), 401)
        self.assertStatus(login(self.client, name, "a new passphrase"), 200)
        # Others may not; server admins may, without the current password.
        _, _, other = self.new_account()
        self.assertJsonError(self.client.patch(f"/api/users/{name}", {
            "newPassword": "hijacked passphrase"}, token=other), 404)
        self.assertStatus(self.client.patch(f"/api/users/{name}", {
            "newPassword": "set by the admin"}, token=self.admin), 200)
        self.assertJsonError(self.client.get(f"/api/users/{name}", token=first), 401)

    def test_delete_account(self):
        name, _, token = self.new_account()
        db = new_db(self.client, token, name)
        self.assertJsonError(self.client.delete(f"/api/users/{name}", token=token), 409)
        self.assertStatus(self.client.delete(f"/api/dbs/{db}", token=token), 200)
        _, _, other = self.new_account()
        self.assertJsonError(self.client.delete(f"/api/users/{name}", token=other), 404)
        self.assertStatus(self.client.delete(f"/api/users/{name}", token=token), 200)
        self.assertJsonError(self.client.get(f"/api/users/{name}", token=token), 401)
        self.assertJsonError(login(self.client, name), 401)
        self.assertJsonError(self.client.get(f"/api/teams/{name}", token=self.admin), 404)
        # The name is free again.
        self.assertStatus(sign_up(self.client, name), 201)
        # The last server admin stays.
        self.assertJsonError(self.client.delete(f"/api/users/{self.admin_name}",
                                                token=self.admin), 409)

    # -- the reset page in a browser without JavaScript

    def test_reset_page_in_chromium_without_javascript(self):
        chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        node_modules = os.path.join(HERE, "..", "..", "tools", "node", "node_modules")
        if not os.path.exists(chromium) or not os.path.isdir(
                os.path.join(node_modules, "playwright-core")):
            self.skipTest("Chromium or playwright-core missing (scripts/install-deps --test)")
        sink = self.sink()
        self.use_smtp(sink)
        name, email, _ = self.new_account()
        self.assertStatus(self.client.post("/api/users/reset-password", {"email": email}), 200)
        url = link_in(sink.wait_for_mail(email, "Reset your password"), "password-reset")
        run = subprocess.run(["node", os.path.join(HERE, "account_pages.mjs"), url,
                              "browser chosen passphrase", chromium,
                              os.path.abspath(node_modules)],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        result = json.loads(run.stdout)
        self.assertIn("Password changed", result["heading"])
        self.assertEqual(result["mismatch_status"], 400)
        self.assertIn("differ", result["mismatch_text"])
        self.assertEqual(result["requests"], [], "the page loads nothing else")
        self.assertStatus(login(self.client, name, "browser chosen passphrase"), 200)
