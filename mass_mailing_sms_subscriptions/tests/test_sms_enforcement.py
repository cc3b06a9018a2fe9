from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged, users

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import SmsSubscriptionsCase

SMS_CONSENT_TYPES = {
    "sms_no_consent",
    "sms_not_subscribed",
    "sms_number_withdrawn",
    "sms_marketing_protected",
}


@tagged("post_install", "-at_install", "mass_mailing_sms_subscriptions")
class TestSmsEnforcement(SmsSubscriptionsCase):
    def _sms_of(self, trace):
        return self.env["sms.sms"].sudo().browse(trace.sms_id_int)

    @users("user_marketing")
    def test_type_mailing_excludes_with_reasons(self):
        """An SMS mailing of type Offers reaches only contacts with
        SMS-marketing consent who chose Offers and whose number nobody
        withdrew; everyone else is a cancelled trace with the reason."""
        mailing = self._create_sms_mailing(self.type_offers)
        self._send(mailing)

        no_consent = ("cancel", "sms_no_consent", "no SMS-marketing consent")
        expected = {
            self.p_offers: ("outgoing", False, False),
            self.p_newsletter: (
                "cancel",
                "sms_not_subscribed",
                "not subscribed to Offers",
            ),
            # e-marketing consent does not cover SMS
            self.p_no_record: no_consent,
            self.p_withdrawn: no_consent,
            self.p_shared_withdrew: no_consent,
            self.p_shared_ok: (
                "cancel",
                "sms_number_withdrawn",
                "Karin Holm, another contact with this number, withdrew from "
                "SMS marketing",
            ),
            self.p_family_none: no_consent,
            # not a duplicate of the excluded Ida Berg, who shares the number
            self.p_family_ok: ("outgoing", False, False),
        }
        for partner, (status, failure_type, reason) in expected.items():
            trace = self._trace_of(mailing, partner.id)
            self.assertEqual(len(trace), 1, partner.name)
            self.assertEqual(trace.trace_status, status, partner.name)
            self.assertEqual(trace.failure_type, failure_type, partner.name)
            self.assertEqual(trace.failure_reason or False, reason, partner.name)
            self.assertEqual(trace.sms_number, partner.phone_sanitized, partner.name)
            sms = self._sms_of(trace)
            if status == "outgoing":
                self.assertEqual(sms.state, "outgoing", partner.name)
                self.assertIn("STOP SMS", sms.body, partner.name)
            else:
                self.assertEqual(sms.state, "canceled", partner.name)
                self.assertEqual(sms.failure_type, failure_type, partner.name)
                self.assertEqual(
                    sms.body, "Spring offers in the shop this week", partner.name
                )
        mailing.invalidate_recordset()
        self.assertEqual(mailing.canceled, 6)
        self.assertEqual(mailing.consent_excluded_count, 6)
        self.assertEqual(mailing.expected, 8)
        # Nothing left the queue: IAP was never asked.
        self.assertFalse(self._sms)

    @users("user_marketing")
    def test_untyped_mailing_needs_consent_only(self):
        mailing = self._create_sms_mailing()
        self._send(mailing)
        traces = self._traces(mailing)
        self.assertEqual(
            set(
                traces.filtered(lambda t: t.trace_status == "outgoing").mapped("res_id")
            ),
            {self.p_offers.id, self.p_newsletter.id, self.p_family_ok.id},
        )
        self.assertFalse(
            traces.filtered(lambda t: t.failure_type == "sms_not_subscribed")
        )

    @users("user_marketing")
    def test_recipient_count_before_sending(self):
        mailing = self._create_sms_mailing(self.type_offers)
        self.assertTrue(mailing.consent_enforced)
        self.assertEqual(mailing.consent_recipient_count, 2)

    @users("user_marketing")
    def test_mailing_list_follows_the_contact_with_the_number(self):
        """A mailing list entry is checked as the contact with its number;
        a number without any contact has no consent."""
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "SMS club",
                "contact_ids": [
                    Command.create({"name": "Olga", "mobile": "+4520110001"}),
                    Command.create({"name": "Per", "mobile": "+4520110005"}),
                    Command.create({"name": "Stranger", "mobile": "+4520119999"}),
                ],
            }
        )
        olga, per, stranger = mailing_list.contact_ids.sorted("id")
        mailing = self._create_sms_mailing(
            self.type_offers,
            mailing_model_id=self.env["ir.model"]._get_id("mailing.list"),
            contact_list_ids=[Command.set(mailing_list.ids)],
        )
        self.assertEqual(mailing.mailing_model_real, "mailing.contact")
        self.assertEqual(mailing._consent_recipient_link(), "number")
        self._send(mailing)
        self.assertEqual(self._trace_of(mailing, olga.id).trace_status, "outgoing")
        per_trace = self._trace_of(mailing, per.id)
        self.assertEqual(per_trace.failure_type, "sms_number_withdrawn")
        self.assertIn("Karin Holm", per_trace.failure_reason)
        self.assertEqual(
            self._trace_of(mailing, stranger.id).failure_type, "sms_no_consent"
        )

    @users("user_marketing")
    def test_odoo_blocklist_still_applies(self):
        self.env["phone.blacklist"].sudo().add(self.p_offers.phone_sanitized)
        mailing = self._create_sms_mailing(self.type_offers)
        self._send(mailing)
        trace = self._trace_of(mailing, self.p_offers.id)
        self.assertEqual(
            (trace.trace_status, trace.failure_type), ("cancel", "sms_blacklist")
        )
        self.assertEqual(
            self._trace_of(mailing, self.p_family_ok.id).trace_status, "outgoing"
        )

    @users("user_marketing")
    def test_switch_off_is_core_behaviour(self):
        """Privacy switch off: Odoo decides alone (only its duplicate check
        leaves the second contact of a shared number out)."""
        self._set_privacy(False)
        mailing = self._create_sms_mailing(self.type_offers)
        self.assertFalse(mailing.consent_enforced)
        self._send(mailing)
        traces = self._traces(mailing)
        self.assertEqual(len(traces), 8)
        self.assertFalse(set(traces.mapped("failure_type")) & SMS_CONSENT_TYPES)
        self.assertEqual(
            set(traces.filtered(lambda t: t.trace_status == "cancel").mapped("res_id")),
            {self.p_shared_ok.id, self.p_family_ok.id},
        )
        self.assertEqual(set(traces.mapped("failure_type")), {False, "sms_duplicate"})
        self.assertFalse(any(traces.mapped("failure_reason")))

    def test_override_group_sends_to_everyone(self):
        overrider = mail_new_test_user(
            self.env,
            login="sms_overrider",
            name="Otto Override",
            groups="base.group_user,mass_mailing_subscriptions.group_override_consent",
        )
        mailing = self._create_sms_mailing(
            self.type_offers, user=overrider, bypass_consent=True
        )
        self.assertTrue(mailing.bypass_consent)
        self._send(mailing.with_user(overrider))
        traces = self._traces(mailing)
        self.assertEqual(len(traces), 8)
        self.assertFalse(set(traces.mapped("failure_type")) & SMS_CONSENT_TYPES)

    def test_bypass_only_for_override_group(self):
        with self.assertRaises(AccessError):
            self._create_sms_mailing(self.type_offers, bypass_consent=True)
        mailing = self._create_sms_mailing(self.type_offers)
        with self.assertRaises(AccessError):
            mailing.with_user(self.user_marketing).write({"bypass_consent": True})
        self.assertFalse(mailing.bypass_consent)

    def test_approved_bypass_covers_its_text(self):
        """A bypass approved by the override group covers the SMS text it
        was approved for: a marketer may not rewrite it, nor change its
        template."""
        mailing = self._create_sms_mailing(self.type_offers)
        mailing.sudo().bypass_consent = True
        template = self.env["sms.template"].create(
            {
                "name": "Other text",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "body": "Buy now",
            }
        )
        for vals in ({"body_plaintext": "Buy now"}, {"sms_template_id": template.id}):
            with self.assertRaises(AccessError):
                mailing.with_user(self.user_marketing).write(vals)
        mailing.invalidate_recordset()
        self.assertEqual(mailing.body_plaintext, "Spring offers in the shop this week")
        # Switching the bypass off with the new text is always allowed.
        mailing.with_user(self.user_marketing).write(
            {"body_plaintext": "Buy now", "bypass_consent": False}
        )
        self.assertFalse(mailing.bypass_consent)

    @users("user_marketing")
    def test_robinson_mark_closes_the_number(self):
        """A contact protected from marketing (Robinson) gets no SMS mailing,
        consent or not, and nor does anyone sharing the number."""
        self.p_offers.sudo().is_marketing_protected = True
        self.p_family_none.sudo().is_marketing_protected = True
        mailing = self._create_sms_mailing(self.type_offers)
        self._send(mailing)
        for partner, name in (
            (self.p_offers, "Olga Offers"),
            (self.p_family_ok, "Ida Berg"),
        ):
            trace = self._trace_of(mailing, partner.id)
            self.assertEqual(trace.trace_status, "cancel", partner.name)
            self.assertEqual(trace.failure_type, "sms_marketing_protected")
            self.assertEqual(
                trace.failure_reason,
                f"{name} is protected from marketing (Robinson)",
            )
            self.assertEqual(self._sms_of(trace).state, "canceled")
        self.assertFalse(
            self._traces(mailing).filtered(lambda t: t.trace_status == "outgoing")
        )

    def test_reasons_in_the_senders_language(self):
        """The queue sends as the mailing's user, in their language: the
        reasons are Danish or Dutch for them."""
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["res.lang"]._activate_lang("nl_NL")
        self.env["ir.module.module"]._load_module_terms(
            ["mass_mailing_sms_subscriptions"], ["da_DK", "nl_NL"], overwrite=True
        )
        expected = {
            "da_DK": (
                "intet samtykke til SMS-markedsføring",
                "Karin Holm, en anden kontakt med dette nummer, har trukket sit "
                "samtykke til SMS-markedsføring tilbage",
            ),
            "nl_NL": (
                "geen toestemming voor sms-marketing",
                "Karin Holm, een ander contact met dit nummer, heeft zich afgemeld "
                "voor sms-marketing",
            ),
        }
        for lang, (no_consent, withdrawn) in expected.items():
            mailing = self._create_sms_mailing(self.type_offers)
            with self.mockSMSGateway():
                mailing.with_context(lang=lang).action_send_mail()
            self.assertEqual(
                self._trace_of(mailing, self.p_no_record.id).failure_reason, no_consent
            )
            self.assertEqual(
                self._trace_of(mailing, self.p_shared_ok.id).failure_reason, withdrawn
            )
