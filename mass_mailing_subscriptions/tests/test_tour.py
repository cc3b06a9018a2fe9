import re

from odoo.tests import HttpCase, tagged

from .common import SubscriptionsCase


@tagged("post_install", "-at_install", "mass_mailing_subscriptions")
class TestPreferencesTour(SubscriptionsCase, HttpCase):
    def _warm_up(self, path):
        """The first render builds the page's asset bundles, which on a busy
        machine outlasts the browser's 20-second navigation limit."""
        self.assertEqual(self.url_open(path, timeout=300).status_code, 200)

    def test_manage_subscriptions_tour(self):
        """Open the manage-subscriptions link of a sent mailing in Chromium,
        change a type, withdraw, then check what the database kept."""
        mailing = self._create_partner_mailing(self.type_offers)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        body = self._mails[0]["body"]
        url = re.search(r'href="([^"]*/mailing/preferences/[^"]+)"', body).group(1)
        path = url[url.index("/mailing/preferences/") :]
        self.assertEqual(path, self.p_offers._subscription_preferences_path())
        events_before = self.env["consent.event"].search_count(
            [("partner_id", "=", self.p_offers.id)]
        )

        self._warm_up(path)
        self.start_tour(
            path, "mass_mailing_subscriptions_preferences", login=None, timeout=600
        )

        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.emarketing_state, "withdrawn")
        self.assertFalse(self.p_offers.subscription_type_ids)
        events = self.env["consent.event"].search(
            [("partner_id", "=", self.p_offers.id)], order="id"
        )[events_before:]
        self.assertEqual(
            events.mapped("event_type"), ["preference", "withdraw", "preference"]
        )
        self.assertEqual(set(events.mapped("source")), {"portal"})
        self.assertIn("Subscribed to: Events & webinars.", events[0].description)
        self.assertIn("Unsubscribed from: Newsletter.", events[0].description)
        self.assertTrue(all(event.ip_address for event in events))
        self.assertTrue(all("Chrome" in (event.user_agent or "") for event in events))
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.p_offers.id)]
        )
        self.assertEqual(activity.user_id, self.user_salesperson)
        # The next Offers mailing leaves the contact out, with the reason.
        second = self._create_partner_mailing(self.type_offers, partners=self.p_offers)
        with self.mock_mail_gateway(mail_unlink_sent=False):
            second.action_put_in_queue()
            self.env["mailing.mailing"]._process_mass_mailing_queue()
        self.assertEqual(
            self._trace_of(second, self.p_offers.id).failure_type, "mail_no_consent"
        )

    def test_every_channel_tour(self):
        """Issue 17: the page covers e-mail, WhatsApp, SMS and phone. In
        Chromium: withdraw SMS, allow phone, save, withdraw from all."""
        partner = self.p_offers
        partner.write({"mobile": "+45 20 11 22 33", "phone": "+45 33 11 22 33"})
        partner._consent_grant("sms_marketing", source="web_form")
        events_before = self.env["consent.event"].search_count(
            [("partner_id", "=", partner.id)]
        )

        self._warm_up(partner._subscription_preferences_path())
        self.start_tour(
            partner._subscription_preferences_path(),
            "mass_mailing_subscriptions_channels",
            login=None,
            timeout=600,
        )

        self.env.invalidate_all()
        self.assertEqual(
            {r.purpose_id.code: r.state for r in partner.consent_record_ids},
            {
                "sales_service": "active",
                "emarketing": "withdrawn",
                "whatsapp_marketing": "withdrawn",
                "sms_marketing": "withdrawn",
                "phone_marketing": "withdrawn",
            },
        )
        self.assertFalse(partner.subscription_type_ids)
        events = self.env["consent.event"].search(
            [("partner_id", "=", partner.id)], order="id"
        )[events_before:]
        self.assertEqual(
            [(e.purpose_id.code, e.event_type) for e in events],
            [
                # Save: SMS withdrawn, phone allowed (page order of channels)
                ("sms_marketing", "withdraw"),
                ("phone_marketing", "grant"),
                # Withdraw from all: every channel on the page, by code
                ("emarketing", "withdraw"),
                ("phone_marketing", "withdraw"),
                ("sms_marketing", "withdraw"),
                ("whatsapp_marketing", "withdraw"),
                ("emarketing", "preference"),
            ],
        )
        self.assertEqual(set(events.mapped("source")), {"portal"})
        self.assertTrue(all(e.ip_address for e in events))
        self.assertTrue(all("Chrome" in (e.user_agent or "") for e in events))
        phone_grant = events.filtered(
            lambda e: e.purpose_id.code == "phone_marketing" and e.event_type == "grant"
        )
        self.assertEqual(
            phone_grant.consent_text,
            self.env.ref(
                "consent_management.consent_purpose_phone_marketing"
            ).consent_text,
        )
        # The export for an access request lists every channel's events.
        history = partner._consent_history_csv()
        for name in ("WhatsApp marketing", "SMS marketing", "Phone marketing"):
            self.assertIn(name, history)


@tagged("post_install", "-at_install", "mass_mailing_subscriptions")
class TestBackendTours(SubscriptionsCase, HttpCase):
    def test_partner_form_tour(self):
        self.user_marketing.groups_id += self.env.ref("base.group_partner_manager")
        events_before = self.env["consent.event"].search_count(
            [("partner_id", "=", self.p_newsletter.id)]
        )
        self.start_tour(
            f"/odoo/res.partner/{self.p_newsletter.id}",
            "mass_mailing_subscriptions_partner_tour",
            login=self.user_marketing.login,
        )
        self.assertEqual(
            self.p_newsletter.subscription_type_ids,
            self.type_newsletter | self.type_events,
        )
        event = self.env["consent.event"].search(
            [("partner_id", "=", self.p_newsletter.id)], order="id desc", limit=1
        )
        self.assertEqual(
            self.env["consent.event"].search_count(
                [("partner_id", "=", self.p_newsletter.id)]
            ),
            events_before + 1,
        )
        self.assertEqual(event.event_type, "preference")
        self.assertEqual(event.user_id, self.user_marketing)

    def test_mailing_form_tour(self):
        mailing = self._create_partner_mailing()
        self.start_tour(
            f"/odoo/action-mass_mailing.mailing_mailing_action_mail/{mailing.id}",
            "mass_mailing_subscriptions_mailing_tour",
            login=self.user_marketing.login,
        )
        self.assertEqual(mailing.subscription_type_id, self.type_offers)
