"""Rate limits of account actions (token buckets per client address and per account), with
the server's default limits: 429 with Retry-After past them, nothing hashed for a refused
attempt, and a bounded brute-force run on loopback (attackers and users on different
127.0.0.x source addresses) showing that the limits hold and that other users still log in
while an attacker is locked out. Timings are printed, never asserted."""

import http.client
import json
import statistics
import threading
import time

from harness import DEFAULT_PASSWORD, ServerModuleTest, new_user, unique


class FromAddress:
    """Requests sent from a chosen loopback source address."""

    def __init__(self, server, source):
        self.host, self.port, self.source = server.host, server.port, source

    def post(self, path, body):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30,
                                          source_address=(self.source, 0))
        try:
            conn.request("POST", path, body=json.dumps(body),
                         headers={"Content-Type": "application/json"})
            res = conn.getresponse()
            raw = res.read()
            return res.status, res.getheader("Retry-After"), json.loads(raw) if raw else None
        finally:
            conn.close()

    def login(self, username, password=DEFAULT_PASSWORD):
        return self.post("/api/login", {"username": username, "password": password})


class RateLimits(ServerModuleTest):
    rate_limits = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.victim, _ = new_user(cls.client, unique("vic"))
        cls.bystander, _ = new_user(cls.client, unique("by"))

    def assert_429(self, status, retry_after, body, label=""):
        self.assertEqual(status, 429, f"{label}: {body}")
        self.assertIsNotNone(retry_after, label)
        self.assertGreaterEqual(int(retry_after), 1, label)
        self.assertEqual(body["errors"][0]["code"], "rate_limited", label)

    def test_sign_up_per_address(self):
        attacker = FromAddress(self.server, "127.0.0.2")
        statuses = []
        for _ in range(14):
            name = unique("su")
            statuses.append(attacker.post("/api/users", {
                "username": name, "email_address": f"{name}@example.org",
                "password": DEFAULT_PASSWORD}))
        self.assertEqual([s for s, _, _ in statuses[:10]], [201] * 10)
        for s, retry, body in statuses[10:]:
            self.assert_429(s, retry, body, "sign-up past the burst")
        # Bad requests count too (they could probe which names are taken).
        s, retry, body = attacker.post("/api/users", {"username": "x", "password": "short",
                                                      "email_address": "nope"})
        self.assert_429(s, retry, body, "invalid sign-up past the burst")
        # Another address is not affected.
        name = unique("other")
        s, _, body = FromAddress(self.server, "127.0.0.3").post("/api/users", {
            "username": name, "email_address": f"{name}@example.org",
            "password": DEFAULT_PASSWORD})
        self.assertEqual(s, 201, body)

    def test_login_failures_per_account(self):
        target, _ = new_user(self.client, unique("tgt"))
        attacker = FromAddress(self.server, "127.0.0.4")
        started = time.monotonic()
        results = [attacker.login(target, f"guess-{i}") for i in range(25)]
        elapsed = time.monotonic() - started
        failures = sum(1 for s, _, _ in results if s == 401)
        limited = [(s, r, b) for s, r, b in results if s == 429]
        # 10 failures, plus at most one per 30 s of refill during the run.
        self.assertGreaterEqual(failures, 10)
        self.assertLessEqual(failures, 10 + int(elapsed / 30) + 1)
        self.assertEqual(failures + len(limited), 25)
        for s, retry, body in limited:
            self.assert_429(s, retry, body, "guessing past the account's limit")
        # The account is limited from every address, also for the right password…
        s, retry, body = FromAddress(self.server, "127.0.0.5").login(target)
        self.assert_429(s, retry, body, "right password while the account is limited")
        # …while other accounts log in normally from anywhere, the attacker's address included.
        s, _, body = FromAddress(self.server, "127.0.0.5").login(self.bystander)
        self.assertEqual(s, 200, body)

    def test_login_per_address_spraying_many_accounts(self):
        attacker = FromAddress(self.server, "127.0.0.6")
        started = time.monotonic()
        results = [attacker.login(unique("nobody"), "password1") for _ in range(40)]
        elapsed = time.monotonic() - started
        failures = sum(1 for s, _, _ in results if s == 401)
        self.assertGreaterEqual(failures, 30)
        self.assertLessEqual(failures, 30 + int(elapsed / 2) + 1)
        for s, retry, body in results:
            if s != 401:
                self.assert_429(s, retry, body, "spraying past the address's limit")
        s, _, body = FromAddress(self.server, "127.0.0.7").login(self.bystander)
        self.assertEqual(s, 200, body)

    def test_brute_force_does_not_stop_other_users(self):
        """Four attacker threads (two addresses) hammer the victim's account for a bounded
        number of attempts; meanwhile a user on another address logs in again and again."""
        attackers = [FromAddress(self.server, a) for a in ("127.0.0.8", "127.0.0.9")]
        user = FromAddress(self.server, "127.0.0.10")
        baseline = []
        for _ in range(5):
            t = time.monotonic()
            s, _, body = user.login(self.bystander)
            baseline.append(time.monotonic() - t)
            self.assertEqual(s, 200, body)
        attack_results = []
        lock = threading.Lock()

        def attack(client, n):
            for i in range(n):
                r = client.login(self.victim, f"wrong-{i}")
                with lock:
                    attack_results.append(r[0])

        threads = [threading.Thread(target=attack, args=(attackers[i % 2], 60))
                   for i in range(4)]
        for t in threads:
            t.start()
        during, user_statuses = [], []
        while any(t.is_alive() for t in threads) and len(during) < 20:
            t0 = time.monotonic()
            s, _, body = user.login(self.bystander)
            during.append(time.monotonic() - t0)
            user_statuses.append(s)
        for t in threads:
            t.join(120)
        self.assertEqual(set(user_statuses), {200}, "the bystander was never refused")
        self.assertEqual(len(attack_results), 240)
        self.assertEqual(set(attack_results) - {401, 429}, set())
        # Each account allows 10 failures (plus one per 30 s of refill); the rest were refused
        # unhashed.
        self.assertLessEqual(attack_results.count(401), 11)
        # The attacker is locked out now: every further guess is refused before any password
        # hashing, so a second wave costs the bystander only the HTTP work of refusing it.
        def bystander_under(flood, address):
            """8 bystander logins from `address` (its own: an address may log in only so often)
            while 4 threads send `flood()` requests; (times, results)."""
            user = FromAddress(self.server, address)
            results, stop = [], threading.Event()

            def run(client):
                while not stop.is_set():
                    r = flood(client)
                    with lock:
                        results.append(r)

            threads = [threading.Thread(target=run, args=(attackers[i % 2],)) for i in range(4)]
            for t in threads:
                t.start()
            times = []
            try:
                for _ in range(8):
                    t0 = time.monotonic()
                    s, _, body = user.login(self.bystander)
                    times.append(time.monotonic() - t0)
                    self.assertEqual(s, 200, body)
            finally:
                stop.set()
                for t in threads:
                    t.join(120)
            return times, results

        # The attacker is locked out now: every further guess is refused before any password
        # hashing. The control floods the server as hard with a cheap request (GET
        # /api/status): on this 2-core machine the flooding threads themselves take CPU, and
        # the lockout is working when a wave of refused guesses costs the bystander no more
        # than that.
        locked_out, locked_results = bystander_under(
            lambda c: c.login(self.victim, "again")[0], "127.0.0.12")
        self.assertGreater(len(locked_results), 8)
        self.assertEqual(set(locked_results), {429}, "a locked-out attacker gets no guess")

        def status(c):
            conn = http.client.HTTPConnection(c.host, c.port, timeout=30,
                                              source_address=(c.source, 0))
            try:
                conn.request("GET", "/api/status")
                return conn.getresponse().read() and 200
            finally:
                conn.close()

        control, control_results = bystander_under(status, "127.0.0.13")
        base = statistics.median(baseline)
        print(f"\n  brute force: {attack_results.count(401)} of 240 guesses checked, "
              f"{attack_results.count(429)} refused; bystander login median "
              f"{base * 1000:.0f} ms before, "
              f"{statistics.median(during) * 1000:.0f} ms during the attack "
              f"({len(during)} logins, ratio {statistics.median(during) / base:.2f}), "
              f"{statistics.median(locked_out) * 1000:.0f} ms while the locked-out attacker "
              f"goes on ({len(locked_results)} refused guesses, ratio "
              f"{statistics.median(locked_out) / base:.2f}), "
              f"{statistics.median(control) * 1000:.0f} ms under an equal flood of GET "
              f"/api/status ({len(control_results)} requests, ratio "
              f"{statistics.median(control) / base:.2f})")

    def test_password_reset_and_invitations(self):
        client = FromAddress(self.server, "127.0.0.11")
        email = f"{self.victim}@example.org"
        results = [client.post("/api/users/reset-password", {"email": email}) for _ in range(4)]
        self.assertEqual([s for s, _, _ in results[:3]], [200, 200, 200])
        self.assert_429(*results[3], "fourth reset for one address")
        # Another address of mail still works from here, until the client's own limit (10).
        others = [client.post("/api/users/reset-password",
                              {"email": f"{unique('x')}@example.org"}) for _ in range(8)]
        self.assertEqual([s for s, _, _ in others[:6]], [200] * 6)
        for r in others[6:]:
            self.assert_429(*r, "resets past the client's limit")
        # Invitations: 30 per inviting account.
        name, token = new_user(self.client, unique("inv"))
        statuses = [self.client.post("/api/users/invite", {"email": f"{unique('g')}@example.org"},
                                     token=token) for _ in range(31)]
        self.assertEqual({r.status for r in statuses[:30]}, {200})
        self.assertEqual(statuses[30].status, 429)
        self.assertIsNotNone(statuses[30].header("Retry-After"))
