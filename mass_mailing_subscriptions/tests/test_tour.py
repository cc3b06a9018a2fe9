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
