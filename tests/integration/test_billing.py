"""Billing events from Paddle (`POST /api/events/paddle?key=…`, urlencoded): the key, the
event kinds, idempotence on replay and out-of-order delivery, and the plan's limits taking
effect on the team."""

from urllib.parse import quote, urlencode

from harness import ServerModuleTest, create_db, new_db, new_user, unique

KEY = "2Nug0JwezlPKjMu3PlwwSsLdIo76Ex1P"


class Billing(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.admin_name, cls.admin = new_user(c, unique("adm"))
        cls.owner_name, cls.owner = new_user(c, unique("own"))

    def post(self, fields, key=KEY, ctype="application/x-www-form-urlencoded"):
        body = fields if isinstance(fields, str) else urlencode(fields)
        path = "/api/events/paddle" + (f"?key={quote(key)}" if key is not None else "")
        return self.client.request("POST", path, raw_body=body, token=None,
                                   headers={"Content-Type": ctype})

    def event(self, team, alert, time, **extra):
        fields = {"alert_name": alert, "event_time": time, "subscription_id": "7",
                  "email": "john@example.org", "status": "active",
                  "custom_data": '{"airsequel_instance":"corp.airsequel.net",'
                                 f'"airsequel_team_name":"{team}"}}',
                  "subscription_plan_id": "4", "checkout_id": "6-d9e06ad42f600cc-bccba0a4b7",
                  "currency": "EUR"}
        fields.update(extra)
        return fields

    def billing_of(self, team):
        return self.client.get(f"/api/teams/{team}", token=self.admin).body["billing"]

    def settings(self, body):
        self.assertStatus(self.client.patch("/api/settings", body, token=self.admin), 200)

    def test_key(self):
        team = unique("keyteam")
        self.assertStatus(self.client.post("/api/teams", {"name": team}, token=self.owner), 201)
        ev = self.event(team, "subscription_created", "2023-08-06T15:33:25.859Z")
        self.settings({"paddleWebhookKey": None})
        self.assertJsonError(self.post(ev), 401, msg="no key configured: nothing is accepted")
        self.settings({"paddleWebhookKey": KEY})
        self.assertNotIn(KEY, self.client.get("/api/settings", token=self.admin).text)
        self.assertTrue(self.client.get("/api/settings", token=self.admin).body["paddleKeySet"])
        for key in (None, "", KEY[:-1], KEY + "x", "x" * 1000):
            with self.subTest(key=key):
                self.assertJsonError(self.post(ev, key=key), 401)
        self.assertJsonError(self.post(ev, key="wrong", ctype="application/json"), 401)
        self.assertIsNone(self.billing_of(team), "refused events change nothing")
        self.assertStatus(self.post(ev), 200)
        self.assertEqual(self.billing_of(team)["plan"], "pro")

    def test_lifecycle_replay_and_order(self):
        self.settings({"paddleWebhookKey": KEY, "paddlePlans": {"4": "team-plan"},
                       "limits": {"maxDatabasesPerTeam": 1},
                       "plans": {"team-plan": {"maxDatabasesPerTeam": 3}}})
        try:
            team = unique("cool-team")
            self.assertStatus(self.client.post("/api/teams", {"name": team}, token=self.owner),
                              201)
            new_db(self.client, self.owner, team)
            self.assertJsonError(create_db(self.client, self.owner, team, expect=None), 409)
            created = self.event(team, "subscription_created", "2023-08-06T15:33:25.859Z")
            r = self.post(created)
            self.assertStatus(r, 200)
            self.assertEqual(r.body, {})
            self.assertEqual(self.billing_of(team), {"email_address": "john@example.org",
                                                     "plan": "team-plan", "subscription_id": 7})
            new_db(self.client, self.owner, team)
            new_db(self.client, self.owner, team)
            self.assertJsonError(create_db(self.client, self.owner, team, expect=None), 409)
            # A cancellation, then the creation again (a replay), then an older update: the
            # newest event wins whatever the order of arrival.
            cancelled = self.event(team, "subscription_cancelled", "2023-09-06 10:00:00")
            self.assertStatus(self.post(cancelled), 200)
            self.assertIsNone(self.billing_of(team)["plan"])
            self.assertStatus(self.post(created), 200)
            self.assertStatus(self.post(self.event(team, "subscription_updated",
                                                   "2023-08-20T00:00:00Z")), 200)
            self.assertStatus(self.post(cancelled), 200)
            billing = self.billing_of(team)
            self.assertIsNone(billing["plan"])
            self.assertEqual(billing["subscription_id"], 7)
            self.assertJsonError(create_db(self.client, self.owner, team, expect=None), 409)
            # A failed payment keeps the plan; a later success restores it.
            self.assertStatus(self.post(self.event(team, "subscription_payment_succeeded",
                                                   "2023-10-06T00:00:00Z", email="pay@ex.org")),
                              200)
            self.assertEqual(self.billing_of(team)["plan"], "team-plan")
            self.assertEqual(self.billing_of(team)["email_address"], "pay@ex.org")
            self.assertStatus(self.post(self.event(team, "subscription_payment_failed",
                                                   "2023-11-06T00:00:00Z",
                                                   status="past_due")), 200)
            self.assertEqual(self.billing_of(team)["plan"], "team-plan")
            # Other kinds are acknowledged and change nothing.
            self.assertStatus(self.post(self.event(team, "payment_refunded",
                                                   "2024-01-01T00:00:00Z")), 200)
            self.assertEqual(self.billing_of(team)["plan"], "team-plan")
        finally:
            self.settings({"limits": {"maxDatabasesPerTeam": None}, "plans": {}})

    def test_bad_events(self):
        self.settings({"paddleWebhookKey": KEY})
        team = unique("badteam")
        self.assertStatus(self.client.post("/api/teams", {"name": team}, token=self.owner), 201)
        good = self.event(team, "subscription_created", "2023-08-06T15:33:25Z")
        cases = {
            "bad escape": ("alert_name=subscription_created&event_time=%ZZ", 400),
            "no event_time": ({k: v for k, v in good.items() if k != "event_time"}, 400),
            "bad event_time": ({**good, "event_time": "yesterday"}, 400),
            "no team": ({**good, "custom_data": "{}"}, 400),
            "custom_data not JSON": ({**good, "custom_data": "{nope"}, 400),
            "unknown team": ({**good, "custom_data": '{"airsequel_team_name":"no-such-t"}'}, 404),
            "bad subscription id": ({**good, "subscription_id": "12abc"}, 400),
            "too large": ({**good, "pad": "x" * 70000}, 400),
            "NUL": ({**good, "status": "a\x00b"}, 400),
        }
        for label, (fields, status) in cases.items():
            with self.subTest(label):
                self.assertJsonError(self.post(fields), status)
        self.assertJsonError(self.post(good, ctype="application/json"), 400)
        self.assertIsNone(self.billing_of(team), "bad events change nothing")
        # The team may come in `passthrough` too.
        passthrough = {k: v for k, v in good.items() if k != "custom_data"}
        passthrough["passthrough"] = f'{{"airsequel_team_name":"{team}"}}'
        self.assertStatus(self.post(passthrough), 200)
        self.assertEqual(self.billing_of(team)["plan"], "pro")
