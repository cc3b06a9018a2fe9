"""Subscription types bound to SendGrid unsubscribe groups."""

import json
import time

from lxml import etree
from nordic_crm_fakes.sendgrid import API_KEY, FakeSendGrid
from nordic_crm_fakes.smtp import FakeSMTPServer, odoo_sends_mail

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.sendgrid_delivery.models.sendgrid_event_reconcile import PARAM_SINCE

from .common import GROUP_OFFERS, SendgridSubscriptionsCase

DAY = 86400


@tagged("post_install", "-at_install")
class TestBinding(SendgridSubscriptionsCase):
    def test_mailing_manager_binds_a_group_others_cannot(self):
        sub_type = self.type_events
        sub_type.with_user(self.user_manager).asm_group_id = 5001
        self.assertEqual(sub_type.asm_group_id, 5001)
        Type = self.env["mailing.subscription.type"]
        for user in (self.user_marketing, self.user_internal, self.user_portal):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                sub_type.with_user(user).write({"asm_group_id": 5002})
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Type.with_user(user).create({"name": "Webinars", "asm_group_id": 6})
            # a default arrives after the vals: checked on the created record
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                Type.with_user(user).with_context(default_asm_group_id=7).create(
                    {"name": "Webinars"}
                )
        self.assertEqual(sub_type.asm_group_id, 5001)
        self.assertFalse(Type.search([("name", "=", "Webinars")]))
        # the marketer still runs the type itself
        sub_type.with_user(self.user_marketing).write({"name": "Seminars 2027"})
        self.assertEqual(sub_type.name, "Seminars 2027")
        self.assertEqual(sub_type.with_user(self.user_marketing).asm_group_id, 5001)
        # a copy is a new type: it does not take the group
        copy = sub_type.with_user(self.user_marketing).copy({"name": "Seminars 2028"})
        self.assertFalse(copy.asm_group_id)

    def test_group_is_a_positive_id_bound_once(self):
        with self.assertRaises(ValidationError):
            self.type_events.asm_group_id = -3
        with self.assertRaises(ValidationError):
            self.type_events.asm_group_id = GROUP_OFFERS

    def test_form_shows_the_group_editable_for_managers_only(self):
        view = self.env.ref(
            "mass_mailing_subscriptions.mailing_subscription_type_view_form"
        )
        Type = self.env["mailing.subscription.type"]
        for user, readonly in ((self.user_manager, None), (self.user_marketing, "1")):
            arch = Type.with_user(user).get_view(view.id, "form")["arch"]
            nodes = etree.fromstring(arch).xpath("//field[@name='asm_group_id']")
            self.assertEqual(len(nodes), 1, user.login)
            self.assertEqual(nodes[0].get("readonly"), readonly, user.login)


@tagged("post_install", "-at_install")
class TestSending(SendgridSubscriptionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.smtp = FakeSMTPServer().start()
        cls.addClassCleanup(cls.smtp.stop)
        cls.env["res.config.settings"].create(
            {"sendgrid_use": True, "sendgrid_api_key": "SG.test-key"}
        ).execute()
        cls.server = cls.env["ir.mail_server"]._sendgrid_server()
        cls.server.write(
            {
                "smtp_host": cls.smtp.host,
                "smtp_port": cls.smtp.port,
                "smtp_encryption": "none",
            }
        )

    def _send(self, mailing):
        self.smtp.clear()
        with odoo_sends_mail():
            mailing.action_send_mail()
            self.env["mail.mail"].sudo().search(
                [("mailing_id", "=", mailing.id), ("state", "=", "outgoing")]
            ).send()
        return self.smtp.wait_for(1)

    def test_mailing_of_a_bound_type_carries_the_group(self):
        mailing = self._create_partner_mailing(
            self.type_offers,
            partners=self.p_offers,
            mail_server_id=self.server.id,
            email_from="Nordlys ApS <news@nordlys.example>",
        )
        received = self._send(mailing)[0]
        header = json.loads(str(received.message["X-SMTPAPI"]))
        self.assertEqual(header["asm_group_id"], GROUP_OFFERS)
        self.assertEqual(
            header["unique_args"]["odoo_trace_id"],
            str(self._trace_of(mailing, self.p_offers.id).id),
        )

    def test_mailing_of_an_unbound_type_carries_no_group(self):
        mailing = self._create_partner_mailing(
            self.type_newsletter,
            partners=self.p_newsletter,
            mail_server_id=self.server.id,
            email_from="Nordlys ApS <news@nordlys.example>",
        )
        received = self._send(mailing)[0]
        header = json.loads(str(received.message["X-SMTPAPI"]))
        self.assertNotIn("asm_group_id", header)
        self.assertEqual(header["unique_args"]["odoo_db"], self.env.cr.dbname)


@tagged("post_install", "-at_install")
class TestGroupEvents(SendgridSubscriptionsCase):
    def test_group_unsubscribe_and_resubscribe_change_the_type(self):
        status, result = self.receive(
            [self.event("group_unsubscribe", asm_group_id=GROUP_OFFERS)]
        )
        self.assertEqual((status, result["stored"]), (200, 1))
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_newsletter)
        # leaving one kind of mail is not leaving e-marketing
        self.assertEqual(self.p_offers.emarketing_state, "active")
        event = self.history(self.p_offers)[-1]
        self.assertEqual(
            (event.event_type, event.source), ("preference", "unsubscribe_link")
        )
        self.assertIn(f"unsubscribe group {GROUP_OFFERS}", event.description)
        self.assertIn(self.type_offers.name, event.description)

        # rejoining later (SendGrid's times are whole seconds; a tie is an opt-out)
        self.receive(
            [
                self.event(
                    "group_resubscribe",
                    asm_group_id=GROUP_OFFERS,
                    timestamp=int(time.time()),
                )
            ]
        )
        self.assertEqual(
            self.p_offers.subscription_type_ids, self.type_offers | self.type_newsletter
        )
        event = self.history(self.p_offers)[-1]
        self.assertEqual(
            (event.event_type, event.source), ("preference", "unsubscribe_link")
        )
        self.assertIn("Resubscribed", event.description)

    def test_replayed_or_forged_requests_change_nothing(self):
        body, headers = self.signed(
            [self.event("group_unsubscribe", asm_group_id=GROUP_OFFERS)]
        )
        Event = self.env["sendgrid.event"]
        self.assertEqual(Event._webhook_receive(body, headers)[0], 200)
        history = self.history(self.p_offers)
        self.p_offers.subscription_type_ids |= self.type_offers  # rejoined in Odoo
        status, result = Event._webhook_receive(body, headers)
        self.assertEqual((status, result["stored"]), (200, 0))
        self.assertIn(self.type_offers, self.p_offers.subscription_type_ids)
        forged_body, _headers = self.signed(
            [self.event("group_unsubscribe", asm_group_id=GROUP_OFFERS)]
        )
        with mute_logger("odoo.addons.sendgrid_delivery.models.sendgrid_event"):
            status, _result = Event._webhook_receive(forged_body, headers)
        self.assertEqual(status, 403)
        self.assertIn(self.type_offers, self.p_offers.subscription_type_ids)
        self.assertEqual(
            len(self.history(self.p_offers)), len(history) + 1, "only Odoo's rejoin"
        )

    def test_global_unsubscribe_withdraws_emarketing(self):
        self.receive([self.event("unsubscribe")])
        self.assertEqual(self.p_offers.emarketing_state, "withdrawn")
        withdraw = self.history(self.p_offers).filtered(
            lambda e: e.event_type == "withdraw"
        )
        self.assertEqual(withdraw.source, "unsubscribe_link")
        self.assertTrue(
            self.env["mail.blacklist"].search([("email", "=", self.p_offers.email)])
        )


@tagged("post_install", "-at_install")
class TestGroupEventOrder(SendgridSubscriptionsCase, HttpCase):
    """SendGrid retries a batch for a day: the latest event wins across batches."""

    def post(self, *events):
        body, headers = self.signed(list(events))
        response = self.url_open(
            "/sendgrid/events", data=body, headers=headers, timeout=30
        )
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def group_event(self, event_type, minutes_ago, **extra):
        return self.event(
            event_type,
            asm_group_id=GROUP_OFFERS,
            timestamp=int(time.time()) - 60 * minutes_ago,
            **extra,
        )

    def stored(self, event):
        return self.env["sendgrid.event"].search(
            [("sg_event_id", "=", event["sg_event_id"])]
        )

    def test_late_resubscribe_after_a_newer_unsubscribe_changes_nothing(self):
        self.post(self.group_event("group_unsubscribe", 9))
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_newsletter)
        history = self.history(self.p_offers)
        # the 12:00 batch, retried after the 12:01 one (the address as typed)
        late = self.group_event(
            "group_resubscribe", 10, email=self.p_offers.email.upper()
        )
        self.assertEqual(self.post(late)["stored"], 1)
        self.assertTrue(self.stored(late), "the log keeps the late event")
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_newsletter)
        self.assertEqual(self.history(self.p_offers), history)

    def test_late_unsubscribe_after_a_newer_resubscribe_changes_nothing(self):
        types = self.p_offers.subscription_type_ids
        self.assertIn(self.type_offers, types)
        self.post(self.group_event("group_resubscribe", 9))
        history = self.history(self.p_offers)
        late = self.group_event("group_unsubscribe", 10)
        self.assertEqual(self.post(late)["stored"], 1)
        self.assertTrue(self.stored(late))
        self.assertEqual(self.p_offers.subscription_type_ids, types)
        self.assertEqual(self.history(self.p_offers), history)

    def test_events_in_order_still_apply(self):
        # another address's or another group's later resubscribe is no reason
        self.post(
            self.group_event("group_resubscribe", 1, email="someone@else.example"),
            self.event(
                "group_resubscribe",
                asm_group_id=GROUP_OFFERS + 1,
                timestamp=int(time.time()) - 60,
            ),
        )
        self.post(self.group_event("group_unsubscribe", 10))
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_newsletter)
        self.post(self.group_event("group_resubscribe", 9))
        self.assertEqual(
            self.p_offers.subscription_type_ids, self.type_offers | self.type_newsletter
        )
        self.post(self.group_event("group_unsubscribe", 8))
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_newsletter)
        self.assertEqual(
            self.history(self.p_offers)[-1].event_type, "preference", "in the history"
        )


@tagged("post_install", "-at_install")
class TestGroupReconcile(SendgridSubscriptionsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeSendGrid().start()
        cls.addClassCleanup(cls.fake.stop)
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("sendgrid_delivery.api_key", API_KEY)
        params.set_param("sendgrid_delivery.api_url", cls.fake.url)
        cls.now = int(time.time())
        params.set_param(PARAM_SINCE, str(cls.now - 2 * DAY))

    def setUp(self):
        super().setUp()
        self.fake.requests.clear()
        self.fake.group_suppressions.clear()

    def reconcile(self, now=None):
        return self.env["sendgrid.event"]._sendgrid_reconcile(now=now or self.now)

    def webhook_group_event(self, event_type, seconds_ago):
        """The webhook's batch of one offers-group event, ``seconds_ago``."""
        return self.receive(
            [
                self.event(
                    event_type,
                    asm_group_id=GROUP_OFFERS,
                    timestamp=self.now - seconds_ago,
                )
            ]
        )

    def test_group_suppressions_the_webhook_missed_leave_the_type(self):
        # Niels left the offers group while the webhook was down; Olga's
        # unsubscribe came through the webhook
        self.p_newsletter.subscription_type_ids |= self.type_offers
        self.receive(
            [
                self.event(
                    "group_unsubscribe",
                    asm_group_id=GROUP_OFFERS,
                    timestamp=self.now - DAY,
                )
            ]
        )
        olga_history = len(self.history(self.p_offers))
        self.fake.add_group_suppression(
            GROUP_OFFERS, "olga@example.com", self.now - DAY, "Tilbud"
        )
        self.fake.add_group_suppression(
            GROUP_OFFERS, "niels@example.com", self.now - 3600, "Tilbud"
        )
        # a group no type is bound to, and one before the last run
        self.fake.add_group_suppression(777, "niels@example.com", self.now - 60)
        self.fake.add_group_suppression(
            GROUP_OFFERS, "walter@example.com", self.now - 9 * DAY
        )

        result = self.reconcile()

        self.assertTrue(result["ok"], result)
        self.assertEqual(result["counts"], {"group_unsubscribe": 1})
        self.assertEqual(self.p_newsletter.subscription_type_ids, self.type_newsletter)
        event = self.history(self.p_newsletter)[-1]
        self.assertEqual(
            (event.event_type, event.source),
            ("preference", "sendgrid_reconciliation"),
        )
        self.assertIn("reconciliation", event.description)
        # an unbound group neither withdraws nor unsubscribes anything
        self.assertEqual(self.p_newsletter.emarketing_state, "active")
        self.assertIn(self.type_offers, self.p_withdrawn.subscription_type_ids)
        self.assertEqual(len(self.history(self.p_offers)), olga_history)
        self.assertTrue(self.fake.calls("GET", "/v3/asm/suppressions"))

        # a second run applies nothing
        before = len(self.env["consent.event"].search([]))
        again = self.reconcile(now=self.now + 600)
        self.assertEqual((again["ok"], again["applied"]), (True, 0))
        self.assertEqual(len(self.env["consent.event"].search([])), before)

    def test_no_bound_group_no_group_request(self):
        self.type_offers.asm_group_id = 0
        self.assertTrue(self.reconcile()["ok"])
        self.assertFalse(self.fake.calls("GET", "/v3/asm/suppressions"))

    def test_leaving_again_after_rejoining_within_the_hour_is_applied(self):
        # Olga left the offers group, rejoined, and left again, all within an
        # hour; the webhook missed only the last step
        self.receive(
            [
                self.event(
                    "group_unsubscribe",
                    asm_group_id=GROUP_OFFERS,
                    timestamp=self.now - 3000,
                ),
                self.event(
                    "group_resubscribe",
                    asm_group_id=GROUP_OFFERS,
                    timestamp=self.now - 1800,
                ),
            ]
        )
        self.assertIn(self.type_offers, self.p_offers.subscription_type_ids)
        self.fake.add_group_suppression(
            GROUP_OFFERS, "olga@example.com", self.now - 600, "Tilbud"
        )

        result = self.reconcile()

        self.assertEqual(result["counts"], {"group_unsubscribe": 1}, result)
        self.assertNotIn(self.type_offers, self.p_offers.subscription_type_ids)
        event = self.history(self.p_offers)[-1]
        self.assertEqual(
            (event.event_type, event.source),
            ("preference", "sendgrid_reconciliation"),
        )

    def test_late_webhook_unsubscribe_after_rejoining_is_applied(self):
        # the reconciliation found Olga's first unsubscribe; she rejoined, then
        # left again, and SendGrid's retry of that last webhook arrives now
        self.fake.add_group_suppression(
            GROUP_OFFERS, "olga@example.com", self.now - 3000, "Tilbud"
        )
        self.assertEqual(self.reconcile()["counts"], {"group_unsubscribe": 1})
        self.webhook_group_event("group_resubscribe", 1800)
        self.assertIn(self.type_offers, self.p_offers.subscription_type_ids)

        status, result = self.webhook_group_event("group_unsubscribe", 600)

        self.assertEqual((status, result["stored"]), (200, 1))
        self.assertNotIn(self.type_offers, self.p_offers.subscription_type_ids)
        self.assertEqual(
            self.history(self.p_offers)[-1].source, "unsubscribe_link", "the webhook's"
        )

    def test_late_webhook_unsubscribe_in_the_second_of_the_rejoin_is_applied(self):
        # rejoined and left again within the same second (SendGrid's times are
        # whole seconds); the unsubscribe's webhook arrives in a later batch
        self.fake.add_group_suppression(
            GROUP_OFFERS, "olga@example.com", self.now - 3000, "Tilbud"
        )
        self.reconcile()
        self.webhook_group_event("group_resubscribe", 1800)
        self.assertIn(self.type_offers, self.p_offers.subscription_type_ids)

        self.webhook_group_event("group_unsubscribe", 1800)

        self.assertNotIn(self.type_offers, self.p_offers.subscription_type_ids)

    def test_late_retry_of_an_older_rejoin_does_not_undo_a_later_withdrawal(self):
        # the webhook got Olga's unsubscribe (11:00) but neither her rejoin
        # (11:10) nor her second unsubscribe (11:20); the reconciliation finds
        # the 11:20 suppression, and then SendGrid's retry brings the rejoin
        self.webhook_group_event("group_unsubscribe", 3000)
        self.assertNotIn(self.type_offers, self.p_offers.subscription_type_ids)
        self.fake.add_group_suppression(
            GROUP_OFFERS, "olga@example.com", self.now - 1800, "Tilbud"
        )
        history = len(self.history(self.p_offers))
        result = self.reconcile()
        # nothing new to apply: she is out of the group already
        self.assertEqual((result["ok"], result["applied"]), (True, 0), result)
        self.assertEqual(len(self.history(self.p_offers)), history)

        status, _result = self.webhook_group_event("group_resubscribe", 2400)

        self.assertEqual(status, 200)
        self.assertNotIn(self.type_offers, self.p_offers.subscription_type_ids)
