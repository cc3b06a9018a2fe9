from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ConsentCase


@tagged("post_install", "-at_install")
class TestPhoneMarketing(ConsentCase):
    """Phone marketing is a purpose like the others; the Robinson mark
    ("Reklamebeskyttet") is a consent fact only a Consent officer lifts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.phone = cls.env.ref("consent_management.consent_purpose_phone_marketing")
        cls.user = new_test_user(
            cls.env,
            login="consent_phone_user",
            groups="base.group_user,base.group_partner_manager",
        )
        cls.officer = new_test_user(
            cls.env,
            login="consent_phone_officer",
            groups="base.group_user,base.group_partner_manager,"
            "consent_management.group_consent_officer",
        )
        cls.portal = new_test_user(
            cls.env, login="consent_phone_portal", groups="base.group_portal"
        )

    def test_shipped_phone_purpose(self):
        self.assertEqual(self.phone.code, "phone_marketing")
        self.assertEqual(self.phone.channel, "phone")
        self.assertTrue(self.phone.is_marketing)
        self.assertEqual(self.phone.default_legal_basis, "consent")
        self.assertTrue(self.phone.consent_text)

    def test_phone_purpose_obeys_the_gate(self):
        self.set_privacy(True)
        self.assertFalse(self.anna._consent_may_send("phone_marketing"))
        self.anna._consent_grant("phone_marketing", source="web_form")
        self.assertTrue(self.anna._consent_may_send("phone_marketing"))
        self.anna._consent_withdraw("phone_marketing", source="manual")
        self.assertFalse(self.anna._consent_may_send("phone_marketing"))
        record = self.anna.consent_record_ids.filtered(
            lambda r: r.purpose_id == self.phone
        )
        self.assertEqual(record.state, "withdrawn")
        self.assertEqual(
            self.events_of(self.anna, self.phone).mapped("event_type"),
            ["grant", "withdraw"],
        )

    def test_user_marks_but_cannot_clear_protection(self):
        anna = self.anna.with_user(self.user)
        anna.is_marketing_protected = True
        self.assertTrue(self.anna.is_marketing_protected)
        with self.assertRaises(AccessError):
            anna.write({"is_marketing_protected": False})
        self.assertTrue(self.anna.is_marketing_protected)
        # other edits of a protected contact stay possible
        anna.write({"phone": "+45 11 22 33 44"})

    def test_officer_clears_protection_and_chatter_says_so(self):
        self.anna.is_marketing_protected = True
        self.env.cr.precommit.run()
        self.anna.with_user(self.officer).is_marketing_protected = False
        self.env.cr.precommit.run()  # tracking is written on commit
        self.anna.invalidate_recordset(["message_ids"])
        self.assertFalse(self.anna.is_marketing_protected)
        tracked = self.anna.message_ids.tracking_value_ids.filtered(
            lambda t: t.field_id.name == "is_marketing_protected"
        )
        self.assertTrue(tracked, "the change is in the contact's chatter")

    def test_portal_cannot_clear_own_protection(self):
        partner = self.portal.partner_id
        partner.is_marketing_protected = True
        with self.assertRaises(AccessError):
            partner.with_user(self.portal).write({"is_marketing_protected": False})
        self.assertTrue(partner.is_marketing_protected)

    def test_merge_keeps_protection(self):
        protected, plain = self.Partner.create(
            [
                {"name": "Ole Protected", "email": "ole@nordlys.example"},
                {"name": "Ole Plain", "email": "ole@nordlys.example"},
            ]
        )
        protected.is_marketing_protected = True
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.user)
            .create(
                {
                    "partner_ids": [(6, 0, (protected | plain).ids)],
                    "dst_partner_id": plain.id,
                }
            )
        )
        wizard.action_merge()
        self.assertFalse(protected.exists())
        self.assertTrue(plain.is_marketing_protected)
