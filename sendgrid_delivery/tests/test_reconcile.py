"""Reconciliation with SendGrid's suppression lists (fake SendGrid on loopback)."""

import time

from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.sendgrid import API_KEY, FakeSendGrid

from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from ..models.sendgrid_event_reconcile import (
    PARAM_LAST_ERROR,
    PARAM_SINCE,
)
from .common import SendgridCommon, call_kw, make_role_users

DAY = 86400
LOGGER = "odoo.addons.sendgrid_delivery.models.sendgrid_event_reconcile"


class ReconcileCommon(SendgridCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeSendGrid().start()
        cls.addClassCleanup(cls.fake.stop)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("sendgrid_delivery.api_key", API_KEY)
        params.set_param("sendgrid_delivery.api_url", cls.fake.url)
        cls.now = int(time.time())
        # the last run was two days ago: the webhook has been down since
        params.set_param(PARAM_SINCE, str(cls.now - 2 * DAY))
        Partner = cls.env["res.partner"]
        cls.bent = Partner.create(
            {
                "name": "Bent Bounce",
                "email": "Bent@Kunde.example",
                "user_id": cls.salesperson.id,
            }
        )
        cls.sara = Partner.create({"name": "Sara Spam", "email": "sara@kunde.example"})
        cls.ulla = Partner.create({"name": "Ulla Ud", "email": "ulla@kunde.example"})
        (cls.partner | cls.bent | cls.sara | cls.ulla)._consent_grant(
            "emarketing", source="manual"
        )

    def setUp(self):
        super().setUp()
        self.fake.requests.clear()
        self.fake.api_key = API_KEY
        for entries in self.fake.lists.values():
            entries.clear()
        self.fake.group_suppressions.clear()

    def reconcile(self, now=None):
        return self.env["sendgrid.event"]._sendgrid_reconcile(now=now or self.now)

    def late_webhook_event(self, event_type, email, timestamp):
        """SendGrid's webhook, hours later, with one event of ``email`` about
        the message (no trace): as a retry after the reconciliation."""
        return self.receive(
            [
                self.event(
                    event_type,
                    trace=False,
                    message=self.message,
                    email=email,
                    timestamp=timestamp,
                )
            ]
        )

    def since(self):
        return int(self.env["ir.config_parameter"].sudo().get_param(PARAM_SINCE))

    def consent_sources(self, partner):
        return (
            self.env["consent.event"]
            .search([("partner_id", "=", partner.id)])
            .mapped("source")
        )


@tagged("post_install", "-at_install")
class TestReconcile(ReconcileCommon):
    def test_run_applies_only_what_the_webhook_missed(self):
        # the webhook got Anne's bounce; the rest happened while it was down
        bounced_at = self.now - DAY
        self.receive(
            [self.event("bounce", timestamp=bounced_at, reason="550 5.1.1 unknown")]
        )
        self.assertTrue(self.partner.is_email_invalid)
        anne_history = len(self.consent_sources(self.partner))
        self.fake.add_bounce("anne@kunde.example", bounced_at)
        self.fake.add_bounce("bent@kunde.example", self.now - 3600, "550 5.1.1 gone")
        self.fake.add_spam_report("sara@kunde.example", self.now - 7200)
        self.fake.add_unsubscribe("ulla@kunde.example", self.now - 600)
        self.fake.add_bounce("nobody@elsewhere.example", self.now - 60)
        # older than the last run: applied long ago (or never ours to apply)
        self.fake.add_unsubscribe("sara@kunde.example", self.now - 10 * DAY)

        result = self.reconcile()

        self.assertTrue(result["ok"], result)
        self.assertEqual(
            result["counts"], {"bounce": 1, "spamreport": 1, "unsubscribe": 1}
        )
        # Bent: invalid, with SendGrid's reason, the salesperson is told
        self.assertTrue(self.bent.is_email_invalid)
        self.assertEqual(self.bent.email_invalid_reason, "550 5.1.1 gone")
        self.assertIn("sendgrid_reconciliation", self.consent_sources(self.bent))
        self.assertTrue(
            self.env["mail.activity"].search(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.bent.id)]
            )
        )
        # Sara: blacklisted and withdrawn, source "SendGrid reconciliation"
        Blacklist = self.env["mail.blacklist"]
        self.assertTrue(Blacklist.search([("email", "=", "sara@kunde.example")]))
        self.assertEqual(self.sara.emarketing_state, "withdrawn")
        withdraw = self.env["consent.event"].search(
            [("partner_id", "=", self.sara.id), ("event_type", "=", "withdraw")]
        )
        self.assertEqual(withdraw.source, "sendgrid_reconciliation")
        self.assertIn("reconciliation", withdraw.description)
        # Ulla: the global unsubscribe withdraws E-marketing, as the webhook's
        self.assertEqual(self.ulla.emarketing_state, "withdrawn")
        self.assertTrue(Blacklist.search([("email", "=", "ulla@kunde.example")]))
        # Anne's bounce was the webhook's: nothing more in her history
        self.assertEqual(len(self.consent_sources(self.partner)), anne_history)
        # Anne's bounce is in the log once more, as found on the list, but was
        # applied once (above)
        events = self.env["sendgrid.event"].search([("source", "=", "reconciliation")])
        self.assertEqual(
            sorted(events.mapped("email")),
            [
                "anne@kunde.example",
                "bent@kunde.example",
                "sara@kunde.example",
                "ulla@kunde.example",
            ],
        )
        self.assertEqual(
            events.partner_id, self.partner | self.bent | self.sara | self.ulla
        )
        self.assertEqual(result["applied"], 3)
        # SendGrid was asked for the period since the last run, with the key
        bounce_call = self.fake.calls("GET", "/v3/suppression/bounces")[0]
        self.assertEqual(bounce_call.headers["authorization"], f"Bearer {API_KEY}")
        self.assertEqual(bounce_call.query["start_time"], str(self.now - 2 * DAY))
        self.assertEqual(bounce_call.query["end_time"], str(self.now))
        self.assertEqual(self.since(), self.now)

    def test_second_run_applies_nothing(self):
        self.fake.add_bounce("bent@kunde.example", self.now - 3600)
        self.fake.add_spam_report("sara@kunde.example", self.now)
        self.assertEqual(self.reconcile()["applied"], 2)
        before = self.snapshot()
        # the next run starts where this one ended (inclusive): Sara again
        later = self.reconcile(now=self.now + 3600)
        self.assertTrue(later["ok"])
        self.assertEqual(later["applied"], 0)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(
            self.fake.calls("GET", "/v3/suppression/spam_reports")[-1].query[
                "start_time"
            ],
            str(self.now),
        )

    def test_late_webhook_retry_after_reconciliation_is_not_applied_twice(self):
        reported_at = self.now - 3600
        self.fake.add_spam_report("sara@kunde.example", reported_at)
        self.assertEqual(self.reconcile()["applied"], 1)
        history = self.consent_sources(self.sara)
        activities = self.env["mail.activity"].search_count([])
        # SendGrid's retry of the webhook, a few hours later
        status, result = self.late_webhook_event(
            "spamreport", "sara@kunde.example", reported_at
        )
        self.assertEqual((status, result["stored"]), (200, 1))
        self.assertEqual(self.consent_sources(self.sara), history)
        self.assertEqual(self.env["mail.activity"].search_count([]), activities)

    def test_late_unsubscribe_after_a_new_consent_in_odoo_is_applied(self):
        # the reconciliation withdrew Ulla (a global unsubscribe the webhook
        # missed); she gave her consent again in Odoo, then unsubscribed once
        # more from an old mail, within the hour: a new withdrawal
        self.fake.add_unsubscribe("ulla@kunde.example", self.now - 3000)
        self.assertEqual(self.reconcile()["applied"], 1)
        self.assertEqual(self.ulla.emarketing_state, "withdrawn")
        self.ulla._consent_grant(
            "emarketing", source="double_opt_in", event_type="confirm"
        )
        self.assertEqual(self.ulla.emarketing_state, "active")

        status, result = self.late_webhook_event(
            "unsubscribe", "ulla@kunde.example", int(time.time()) + 1
        )

        self.assertEqual((status, result["stored"]), (200, 1))
        self.assertEqual(self.ulla.emarketing_state, "withdrawn")
        withdrawals = self.env["consent.event"].search(
            [("partner_id", "=", self.ulla.id), ("event_type", "=", "withdraw")]
        )
        self.assertEqual(
            withdrawals.mapped("source"),
            ["unsubscribe_link", "sendgrid_reconciliation"],
            "the second withdrawal is the webhook's, newest first",
        )

    def test_paging_over_several_pages(self):
        for number in range(1100):
            self.fake.add_bounce(f"gone{number}@elsewhere.example", self.now - number)
        # Bent's bounce is the oldest: on the third page
        self.fake.add_bounce("bent@kunde.example", self.now - DAY)
        result = self.reconcile()
        self.assertTrue(result["ok"], result)
        self.assertEqual(result["read"], 1101)
        self.assertTrue(self.bent.is_email_invalid)
        calls = self.fake.calls("GET", "/v3/suppression/bounces")
        self.assertEqual(
            [(c.query["limit"], c.query["offset"]) for c in calls],
            [("500", "0"), ("500", "500"), ("500", "1000")],
        )

    @mute_logger(LOGGER)
    def test_wrong_key_applies_nothing_and_keeps_the_mark(self):
        self.fake.add_bounce("bent@kunde.example", self.now - 3600)
        self.fake.api_key = "SG.another-key"
        before = self.snapshot()
        result = self.reconcile()
        self.assertFalse(result["ok"])
        self.assertIn("refused the API key (401", result["error"])
        self.assertNotIn(API_KEY, result["error"])
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(self.since(), self.now - 2 * DAY)
        self.assertIn(
            "refused the API key",
            self.env["ir.config_parameter"].sudo().get_param(PARAM_LAST_ERROR),
        )

    @mute_logger(LOGGER)
    def test_broken_answer_or_outage_is_retried_next_run(self):
        self.fake.add_bounce("bent@kunde.example", self.now - 3600)
        self.fake.add_spam_report("sara@kunde.example", self.now - 3600)
        for reply in (
            Reply(200, "<html>maintenance</html>"),
            Reply(200, [{"email": "sara@kunde.example"}]),  # no creation time
            Reply(200, {"errors": []}),
            Reply(503, "upstream unavailable"),
        ):
            self.fake.queue("GET", "/v3/suppression/spam_reports", reply)
            before = self.snapshot()
            result = self.reconcile()
            self.assertFalse(result["ok"], reply)
            # the bounces were read fine, but nothing is applied half-way
            self.assertEqual(self.snapshot(), before, reply)
            self.assertFalse(self.bent.is_email_invalid)
            self.assertEqual(self.since(), self.now - 2 * DAY)
        result = self.reconcile()
        self.assertTrue(result["ok"])
        self.assertEqual(result["applied"], 2)
        self.assertTrue(self.bent.is_email_invalid)
        self.assertEqual(self.sara.emarketing_state, "withdrawn")
        self.assertFalse(
            self.env["ir.config_parameter"].sudo().get_param(PARAM_LAST_ERROR)
        )

    @mute_logger(LOGGER)
    def test_key_never_sent_to_a_plain_http_address(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "sendgrid_delivery.api_url", "http://api.sendgrid.example"
        )
        result = self.reconcile()
        self.assertFalse(result["ok"])
        self.assertIn("only https://", result["error"])

    def test_cron_runs_the_reconciliation(self):
        self.fake.add_unsubscribe("ulla@kunde.example", int(time.time()) - 60)
        self.env.ref(
            "sendgrid_delivery.ir_cron_sendgrid_reconcile"
        ).method_direct_trigger()
        self.assertEqual(self.ulla.emarketing_state, "withdrawn")
        self.assertTrue(self.fake.calls("GET", "/v3/suppression/unsubscribes"))


@tagged("post_install", "-at_install")
class TestReconcileButton(ReconcileCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env, "sgrec")

    def test_button_is_for_administrators_only(self):
        self.fake.add_bounce("bent@kunde.example", self.now - 3600)
        before = self.snapshot()
        for role in ("portal", "internal", "salesperson", "marketer", "manager"):
            user = self.users[role]
            self.authenticate(user.login, user.login)
            with (
                self.subTest(role=role),
                mute_logger("odoo.http"),
                self.assertRaises(JsonRpcException) as caught,
            ):
                call_kw(self, "res.config.settings", "action_sendgrid_reconcile", [[]])
            self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")
            with self.assertRaises(AccessError):
                self.env["res.config.settings"].with_user(
                    user
                ).action_sendgrid_reconcile()
        self.assertEqual(self.snapshot(), before)
        self.assertFalse(self.fake.requests, "nobody but an admin reaches SendGrid")

        admin = self.users["admin"]
        settings = self.env["res.config.settings"].with_user(admin).create({})
        action = settings.action_sendgrid_reconcile()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("1 entries", action["params"]["message"])
        self.assertTrue(self.bent.is_email_invalid)
        self.assertTrue(
            self.env["res.config.settings"].create({}).sendgrid_reconcile_last_run
        )

    @mute_logger(LOGGER)
    def test_button_reports_a_failure_without_applying(self):
        self.fake.api_key = "SG.another-key"
        settings = self.env["res.config.settings"].with_user(self.users["admin"])
        action = settings.create({}).action_sendgrid_reconcile()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertIn("Nothing was applied", action["params"]["message"])
        self.assertIn(
            "refused the API key",
            self.env["res.config.settings"].create({}).sendgrid_reconcile_last_error,
        )
