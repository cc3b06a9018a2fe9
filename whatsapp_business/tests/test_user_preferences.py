"""Meta's ``user_preferences`` webhook: a person stops or resumes marketing
messages in the WhatsApp app (issue 17), over real HTTP with signed bodies."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import WhatsappCommon, epoch

URL = "/whatsapp/webhook"
STOP_DETAIL = "User requested to stop marketing messages"
RESUME_DETAIL = "User requested to resume marketing messages"


@tagged("post_install", "-at_install")
class TestWhatsappUserPreferences(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls.env["ir.config_parameter"].sudo().set_param(
            "consent_management.emarketing_privacy", "True"
        )
        cls.purpose = cls.env["res.partner"]._consent_get_purpose("whatsapp_marketing")

    def preference_payload(self, value, sender="4520998877", when=None, name="Jens"):
        """Shaped as Meta's user_preferences webhook reference shows it."""
        when = when or fields.Datetime.now().replace(microsecond=0)
        return self.envelope(
            {
                "contacts": [{"profile": {"name": name}, "wa_id": sender}],
                "user_preferences": [
                    {
                        "wa_id": sender,
                        "detail": STOP_DETAIL if value == "stop" else RESUME_DETAIL,
                        "category": "marketing_messages",
                        "value": value,
                        "timestamp": epoch(when),
                    }
                ],
            },
            field="user_preferences",
        )

    def post(self, payload, secret="test-app-secret"):
        body, headers = self.signed(payload, secret)
        return self.url_open(URL, data=body, headers=headers)

    def record(self, partner=None):
        return self.env["consent.record"].search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("purpose_id", "=", self.purpose.id),
            ]
        )

    def events(self, partner=None):
        return self.env["consent.event"].search(
            [
                ("partner_id", "=", (partner or self.customer).id),
                ("purpose_id", "=", self.purpose.id),
            ],
            order="id",
        )

    def test_stop_withdraws_with_meta_evidence(self):
        self.customer._consent_grant("whatsapp_marketing", source="manual")
        self.assertTrue(self.customer._consent_may_send("whatsapp_marketing"))
        stopped_at = fields.Datetime.now().replace(microsecond=0) - timedelta(minutes=3)
        response = self.post(self.preference_payload("stop", when=stopped_at))
        self.assertEqual(response.status_code, 200)
        record = self.record()
        self.assertEqual((record.state, record.source), ("withdrawn", "whatsapp"))
        self.assertFalse(self.customer._consent_may_send("whatsapp_marketing"))
        event = self.events()[-1]
        self.assertEqual((event.event_type, event.source), ("withdraw", "whatsapp"))
        self.assertIn(STOP_DETAIL, event.description)
        self.assertIn(fields.Datetime.to_string(stopped_at), event.description)
        # the marketing template is refused from now on
        with self.assertRaisesRegex(UserError, "consent"):
            self.tmpl_marketing._send_to_partner(self.customer)

    def test_the_team_reads_it_in_the_conversation(self):
        channel = self.conversation()
        self.post(self.preference_payload("stop"))
        self.assertIn(
            "stopped marketing messages in WhatsApp", channel.message_ids[0].body
        )
        later = fields.Datetime.now().replace(microsecond=0) + timedelta(seconds=5)
        self.post(self.preference_payload("resume", when=later))
        self.assertIn("resumed marketing messages", channel.message_ids[0].body)

    def test_resume_is_the_persons_own_act(self):
        self.customer._consent_grant("whatsapp_marketing", source="manual")
        self.post(self.preference_payload("stop"))
        self.assertEqual(self.record().state, "withdrawn")
        # nobody in Odoo may re-activate it by hand ...
        with self.assertRaisesRegex(UserError, "Only the person"):
            self.customer._consent_grant("whatsapp_marketing", source="manual")
        # ... but the person resuming in WhatsApp does
        later = fields.Datetime.now().replace(microsecond=0) + timedelta(seconds=5)
        response = self.post(self.preference_payload("resume", when=later))
        self.assertEqual(response.status_code, 200)
        record = self.record()
        self.assertEqual(
            (record.state, record.source, record.legal_basis),
            ("active", "whatsapp", "consent"),
        )
        self.assertTrue(self.customer._consent_may_send("whatsapp_marketing"))
        event = self.events()[-1]
        self.assertEqual(event.source, "whatsapp")
        self.assertIn(RESUME_DETAIL, event.description)
        self.tmpl_marketing._send_to_partner(self.customer)  # allowed again

    def test_forged_or_unsigned_preferences_change_nothing(self):
        self.customer._consent_grant("whatsapp_marketing", source="manual")
        before = (self.record().state, len(self.events()))
        partners = self.env["res.partner"].search_count([])
        for secret in ("forged-secret", None):
            response = self.post(self.preference_payload("stop"), secret=secret)
            self.assertEqual(response.status_code, 403)
        # a stop of an unknown number, forged: no contact either
        response = self.post(
            self.preference_payload("stop", sender="4577665544"), secret="forged"
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual((self.record().state, len(self.events())), before)
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

    def test_forged_resume_does_not_reactivate(self):
        self.customer._consent_withdraw("whatsapp_marketing", source="manual")
        response = self.post(self.preference_payload("resume"), secret="guess")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.record().state, "withdrawn")

    def test_replayed_notification_is_recorded_once(self):
        payload = self.preference_payload("stop")
        self.post(payload)
        count = len(self.events())
        self.post(payload)
        self.assertEqual(len(self.events()), count)

    def test_stop_from_unknown_number_is_kept_on_a_new_contact(self):
        self.post(self.preference_payload("stop", sender="4577665544", name="Ole"))
        partner = self.env["res.partner"].search([("mobile_e164", "=", "+4577665544")])
        self.assertEqual(partner.name, "Ole")
        self.assertEqual(self.record(partner).state, "withdrawn")

    def test_resume_from_unknown_number_creates_nothing(self):
        partners = self.env["res.partner"].search_count([])
        self.post(self.preference_payload("resume", sender="4577665500"))
        self.assertEqual(self.env["res.partner"].search_count([]), partners)

    def test_resume_older_than_a_later_withdrawal_is_ignored(self):
        # the contact withdrew on the preferences page today; Meta delivers a
        # resume the person made an hour before that
        self.customer._consent_withdraw("whatsapp_marketing", source="portal")
        earlier = fields.Datetime.now() - timedelta(hours=1)
        self.post(self.preference_payload("resume", when=earlier))
        self.assertEqual(self.record().state, "withdrawn")

    def test_other_categories_and_values_are_ignored(self):
        self.customer._consent_grant("whatsapp_marketing", source="manual")
        payload = self.preference_payload("stop")
        item = payload["entry"][0]["changes"][0]["value"]["user_preferences"][0]
        item["category"] = "offers_and_announcements"
        self.post(payload)
        item.update(category="marketing_messages", value="interested")
        self.post(payload)
        self.assertEqual(self.record().state, "active")

    def test_withdrawal_just_after_the_resume_wins(self):
        """The person resumed in WhatsApp, then wrote STOP a minute later; Meta
        delivers the resume after the STOP: the later withdrawal stands."""
        self.customer._consent_grant("whatsapp_marketing", source="manual")
        resumed_at = fields.Datetime.now().replace(microsecond=0) - timedelta(minutes=1)
        self.customer._consent_withdraw("whatsapp_marketing", source="whatsapp")
        self.post(self.preference_payload("resume", when=resumed_at))
        self.assertEqual(self.record().state, "withdrawn")
        self.assertFalse(self.customer._consent_may_send("whatsapp_marketing"))

    def test_stop_and_resume_from_a_shared_number_reach_the_same_contact(self):
        """Karin has the office number as her phone, Jens as his mobile: Meta's
        stop and resume from that number are both Jens's, as his messages are."""
        Partner = self.env["res.partner"]
        karin = Partner.create(
            {"name": "Karin", "mobile": "+45 31 11 11 11", "phone": "+45 32 22 22 22"}
        )
        jens = Partner.create({"name": "Jens Office", "mobile": "+45 32 22 22 22"})
        self.assertLess(karin.id, jens.id)
        karin._consent_withdraw("whatsapp_marketing", source="portal")
        jens._consent_grant("whatsapp_marketing", source="manual")
        self.post(self.preference_payload("stop", sender="4532222222"))
        self.assertEqual(self.record(jens).state, "withdrawn")
        later = fields.Datetime.now().replace(microsecond=0) + timedelta(seconds=5)
        self.post(self.preference_payload("resume", sender="4532222222", when=later))
        self.assertEqual(self.record(jens).state, "active")
        # Karin's own withdrawal is not re-activated by Jens's resume
        self.assertEqual(self.record(karin).state, "withdrawn")
