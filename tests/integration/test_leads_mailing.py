"""Cross-addon: mass mailings to leads (crm) obey consent and subscription types.

A lead stands for the contacts with the same normalised e-mail address; its
e-mail links the preferences page of that contact, in the lead's language.
Runs in the integration database, where crm is installed beside the suite.
"""

import re
from urllib.parse import urlparse

from odoo import Command
from odoo.tests import HttpCase, tagged

from odoo.addons.mass_mailing_subscriptions.tests.common import SubscriptionsCase


@tagged("post_install", "-at_install")
class TestLeadsMailing(SubscriptionsCase, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if "crm.lead" not in cls.env:
            cls.skipTest(cls, "crm is not installed")
        cls.leads = cls.env["crm.lead"].create(
            [
                {"name": "Lead Olga", "email_from": "Olga <OLGA@example.com>"},
                {"name": "Lead Niels", "email_from": "niels@example.com"},
                {"name": "Lead Walter", "email_from": "walter@example.com"},
                {"name": "Lead Stranger", "email_from": "stranger@example.com"},
            ]
        )
        cls.lead_olga, cls.lead_niels, cls.lead_walter, cls.lead_stranger = cls.leads

    def _lead_mailing(self, sub_type=None, leads=None, **values):
        leads = leads if leads is not None else self.leads
        return self.env["mailing.mailing"].create(
            {
                "name": "Lead mailing",
                "subject": "Offers for our leads",
                "body_html": '<p>Hi</p><p><a href="/unsubscribe_from_list">'
                "Unsubscribe</a></p>",
                "mailing_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "mailing_domain": repr([("id", "in", leads.ids)]),
                "subscription_type_id": sub_type.id if sub_type else False,
                **values,
            }
        )

    def _send(self, mailing):
        with self.mock_mail_gateway(mail_unlink_sent=False):
            mailing.action_send_mail()
        return self._new_mails

    def test_lead_mailing_obeys_consent_and_types(self):
        mailing = self._lead_mailing(self.type_offers)
        self.assertEqual(mailing._consent_recipient_link(), "email")
        self.assertEqual(mailing.consent_recipient_count, 1)
        mails = self._send(mailing)
        self.assertEqual(
            mails.filtered(lambda m: m.state != "cancel").mapped("res_id"),
            self.lead_olga.ids,
        )
        expected = {
            self.lead_niels: ("mail_not_subscribed", "not subscribed to Offers"),
            self.lead_walter: (
                "mail_address_withdrawn",
                "Walter Withdrawn, another contact with this e-mail address, "
                "withdrew from e-marketing",
            ),
            self.lead_stranger: ("mail_no_consent", "no e-marketing consent"),
        }
        for lead, (failure_type, reason) in expected.items():
            trace = self._trace_of(mailing, lead.id)
            self.assertEqual(trace.trace_status, "cancel", lead.name)
            self.assertEqual(trace.failure_type, failure_type, lead.name)
            self.assertEqual(trace.failure_reason, reason, lead.name)
        mailing.invalidate_recordset()
        self.assertEqual(mailing.consent_excluded_count, 3)

    def test_untyped_lead_mailing_needs_consent_only(self):
        mails = self._send(self._lead_mailing())
        self.assertEqual(
            sorted(mails.filtered(lambda m: m.state != "cancel").mapped("res_id")),
            sorted((self.lead_olga | self.lead_niels).ids),
        )

    def test_switch_off_mails_every_lead_but_links_preferences(self):
        self._set_privacy(False)
        mails = self._send(self._lead_mailing(self.type_offers))
        self.assertEqual(len(mails.filtered(lambda m: m.state != "cancel")), 4)
        olga_mail = mails.filtered(lambda m: m.res_id == self.lead_olga.id)
        self.assertIn(
            self.p_offers._subscription_preferences_path(), self._mails_body(olga_mail)
        )

    def _mails_body(self, mail):
        [email] = [e for e in self._mails if e["email_to"] == [mail.email_to]]
        return email["body"]

    def test_lead_mail_links_preferences_in_the_lead_language(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(
            ["mass_mailing_subscriptions"], ["da_DK"], overwrite=True
        )
        self.lead_olga.lang_id = self.env["res.lang"]._lang_get("da_DK")
        mailing = self._lead_mailing(self.type_offers, leads=self.lead_olga)
        self._send(mailing)
        [email] = self._mails
        path = self.p_offers._subscription_preferences_path()
        self.assertIn(f'{path}">Administrer abonnementer</a>', email["body"])
        self.assertIn(f'{path}">Unsubscribe</a>', email["body"])
        # One-click from the lead's e-mail leaves the type of the contact.
        url = urlparse(email["headers"]["List-Unsubscribe"].strip("<>"))
        response = self.url_open(
            f"{url.path}?{url.query}", data={"List-Unsubscribe": "One-Click"}
        )
        self.assertEqual(response.status_code, 200)
        self.p_offers.invalidate_recordset()
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_newsletter)
        # A forged token changes nothing.
        forged = re.sub(r"hash_token=[0-9a-f]+", "hash_token=" + "0" * 128, url.query)
        self.p_offers.subscription_type_ids = [Command.link(self.type_offers.id)]
        response = self.url_open(
            f"{url.path}?{forged}", data={"List-Unsubscribe": "One-Click"}
        )
        self.assertEqual(response.status_code, 403)
        self.p_offers.invalidate_recordset()
        self.assertIn(self.type_offers, self.p_offers.subscription_type_ids)

    def test_blocklisted_lead_address_is_left_out_by_odoo(self):
        self.env["mail.blacklist"].sudo()._add("olga@example.com")
        mailing = self._lead_mailing(self.type_offers, leads=self.lead_olga)
        mails = self._send(mailing)
        self.assertFalse(mails.filtered(lambda m: m.state != "cancel"))
        self.assertEqual(
            self._trace_of(mailing, self.lead_olga.id).failure_type, "mail_bl"
        )
