import re

from odoo.tests import HttpCase, tagged

from .common import SubscriptionsCase


@tagged("post_install", "-at_install", "mass_mailing_subscriptions")
class TestPreferencesTour(SubscriptionsCase, HttpCase):
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

        self.start_tour(path, "mass_mailing_subscriptions_preferences", login=None)

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
