import re
from urllib.parse import urlparse

from odoo.tests import HttpCase, tagged

from .common import SubscriptionsCase


@tagged("post_install", "-at_install", "mass_mailing_subscriptions")
class TestUnsubscribeLinks(SubscriptionsCase, HttpCase):
    def _send_to(self, mailing):
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        return self._mails

    def _oneclick(self, email):
        url = email["headers"]["List-Unsubscribe"].strip("<>")
        parsed = urlparse(url)
        return f"{parsed.path}?{parsed.query}"

    def test_mail_links_to_preferences_page(self):
        mailing = self._create_partner_mailing(self.type_offers)
        emails = self._send_to(mailing)
        self.assertEqual(len(emails), 1)
        email = emails[0]
        path = self.p_offers._subscription_preferences_path()
        self.assertIn(f'{path}">Manage subscriptions</a>', email["body"])
        self.assertNotIn("/unsubscribe_from_list", email["body"])
        self.assertIn(
            f"/mailing/{mailing.id}/unsubscribe_oneclick", self._oneclick(email)
        )
        self.assertEqual(
            email["headers"]["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click"
        )

    def test_manage_label_in_contact_language(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(
            ["mass_mailing_subscriptions"], ["da_DK"], overwrite=True
        )
        self.p_offers.lang = "da_DK"
        email = self._send_to(self._create_partner_mailing(self.type_offers))[0]
        self.assertIn(">Administrer abonnementer</a>", email["body"])

    def test_mailing_list_link_points_to_partner_with_same_email(self):
        contact = self.env["mailing.contact"].create(
            {"name": "Olga", "email": "olga@example.com"}
        )
        mailing = self.env["mailing.mailing"].create(
            {
                "name": "List",
                "subject": "List",
                "body_html": "<p>x</p>",
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
            }
        )
        url = mailing._get_unsubscribe_url("olga@example.com", contact.id)
        self.assertTrue(url.endswith(self.p_offers._subscription_preferences_path()))
        # No contact with that address: Odoo's own unsubscribe page.
        url = mailing._get_unsubscribe_url("stranger@example.com", contact.id)
        self.assertIn("/confirm_unsubscribe", url)

    def test_oneclick_leaves_the_mailing_type_only(self):
        mailing = self._create_partner_mailing(self.type_offers)
        path = self._oneclick(self._send_to(mailing)[0])
        response = self.url_open(path, data={"List-Unsubscribe": "One-Click"})
        self.assertEqual(response.status_code, 200)
        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_newsletter)
        self.assertEqual(self.p_offers.emarketing_state, "active")
        self.assertFalse(self.p_offers.is_blacklisted)
        event = self.env["consent.event"].search(
            [("partner_id", "=", self.p_offers.id)], order="id desc", limit=1
        )
        self.assertEqual(event.source, "unsubscribe_link")
        self.assertEqual(event.event_type, "preference")
        self.assertEqual(event.ip_address, "127.0.0.1")

    def test_oneclick_without_type_withdraws_emarketing(self):
        mailing = self._create_partner_mailing(partners=self.p_offers)
        path = self._oneclick(self._send_to(mailing)[0])
        response = self.url_open(path, data={"List-Unsubscribe": "One-Click"})
        self.assertEqual(response.status_code, 200)
        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.emarketing_state, "withdrawn")
        record = self.p_offers.consent_record_ids.filtered(
            lambda r: r.purpose_id.code == "emarketing"
        )
        self.assertEqual(record.source, "unsubscribe_link")

    def test_oneclick_forged_token_changes_nothing(self):
        mailing = self._create_partner_mailing(self.type_offers)
        path = self._oneclick(self._send_to(mailing)[0])
        events_before = self.env["consent.event"].search_count([])
        forged = re.sub(r"hash_token=[0-9a-f]+", "hash_token=" + "0" * 64, path)
        other = re.sub(r"document_id=\d+", f"document_id={self.p_newsletter.id}", path)
        for bad in (forged, other):
            response = self.url_open(bad, data={"List-Unsubscribe": "One-Click"})
            self.assertIn(response.status_code, (400, 403))
        self.p_offers.invalidate_recordset()
        self.p_newsletter.invalidate_recordset()
        self.assertIn(self.type_offers, self.p_offers.subscription_type_ids)
        self.assertEqual(self.p_newsletter.emarketing_state, "active")
        self.assertEqual(self.env["consent.event"].search_count([]), events_before)

    def test_oneclick_switch_off_leaves_the_type_and_blocks(self):
        """Switch off: the same preferences link; one-click leaves the type in
        the consent history and, as nothing else stops mailings then, Odoo's
        blocklist takes the address."""
        self._set_privacy(False)
        mailing = self._create_partner_mailing(self.type_offers, partners=self.p_offers)
        email = self._send_to(mailing)[0]
        path = self.p_offers._subscription_preferences_path()
        self.assertIn(f'{path}">Manage subscriptions</a>', email["body"])
        response = self.url_open(
            self._oneclick(email), data={"List-Unsubscribe": "One-Click"}
        )
        self.assertEqual(response.status_code, 200)
        self.p_offers.invalidate_recordset()
        self.assertTrue(self.p_offers.is_blacklisted)
        self.assertNotIn(self.type_offers, self.p_offers.subscription_type_ids)
        event = self.env["consent.event"].search(
            [("partner_id", "=", self.p_offers.id)], order="id desc", limit=1
        )
        self.assertEqual(event.source, "unsubscribe_link")

    def test_old_unsubscribe_link_leads_to_preferences(self):
        """Links of e-mails sent before the switch was on open the page too."""
        mailing = self._create_partner_mailing(self.type_offers)
        token = mailing._generate_mailing_recipient_token(
            self.p_offers.id, self.p_offers.email_normalized
        )
        base = (
            f"/mailing/{mailing.id}/confirm_unsubscribe?document_id={self.p_offers.id}"
        )
        response = self.url_open(
            f"{base}&email={self.p_offers.email_normalized}&hash_token={token}"
        )
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            response.url.endswith(self.p_offers._subscription_preferences_path())
        )
        forged = self.url_open(
            f"{base}&email={self.p_offers.email_normalized}&hash_token={'0' * 64}"
        )
        self.assertNotIn("/mailing/preferences/", forged.url)
        self.assertNotIn("Olga Offers", forged.text)
