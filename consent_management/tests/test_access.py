from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ConsentCase


@tagged("post_install", "-at_install")
class TestConsentAccess(ConsentCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_dk = cls.env.company
        cls.company_nl = cls.env["res.company"].create({"name": "Nordlys B.V."})
        cls.user = new_test_user(
            cls.env,
            login="consent_seller",
            groups="base.group_user,base.group_partner_manager",
            company_id=cls.company_dk.id,
            company_ids=[cls.company_dk.id],
        )
        cls.officer = new_test_user(
            cls.env,
            login="consent_officer",
            groups="base.group_user,consent_management.group_consent_officer",
        )
        cls.dutch = cls.Partner.create(
            {
                "name": "Daan Bakker",
                "email": "daan@example.nl",
                "company_id": cls.company_nl.id,
            }
        )
        cls.dutch._consent_grant("emarketing")
        cls.anna._consent_grant("emarketing")

    def test_user_reads_but_cannot_rewrite(self):
        records = self.Record.with_user(self.user).search(
            [("partner_id", "=", self.anna.id), ("purpose_id", "=", self.emarketing.id)]
        )
        self.assertEqual(len(records), 1)
        with self.assertRaises(AccessError):
            records.write({"state": "withdrawn"})
        with self.assertRaises(AccessError):
            records.unlink()
        event = self.Event.with_user(self.user).search(
            [("partner_id", "=", self.anna.id)]
        )
        self.assertTrue(event)
        with self.assertRaises(AccessError):
            self.Event.with_user(self.user).create(
                {
                    "partner_id": self.anna.id,
                    "purpose_id": self.emarketing.id,
                    "event_type": "grant",
                    "source": "manual",
                }
            )
        with self.assertRaises(AccessError):
            self.emarketing.with_user(self.user).write({"is_marketing": False})

    def test_user_uses_the_buttons(self):
        wizard = (
            self.env["consent.action.wizard"]
            .with_user(self.user)
            .create(
                {
                    "operation": "withdraw",
                    "partner_ids": [(6, 0, self.anna.ids)],
                    "purpose_id": self.emarketing.id,
                    "source": "manual",
                    "description": "Asked by phone",
                }
            )
        )
        wizard.action_apply()
        self.assertEqual(self.anna.emarketing_state, "withdrawn")
        event = self.events_of(self.anna, self.emarketing)[-1]
        self.assertEqual(event.user_id, self.user)
        self.assertEqual(event.description, "Asked by phone")

    def test_officer_manages_purposes(self):
        purpose = (
            self.env["consent.purpose"]
            .with_user(self.officer)
            .create(
                {"name": "Event invitations", "code": "events", "is_marketing": True}
            )
        )
        purpose.write({"channel": "email"})
        self.assertEqual(purpose.channel, "email")

    def test_record_rules_follow_partner_company(self):
        domain = [("partner_id", "in", (self.anna | self.dutch).ids)]
        seen = self.Record.with_user(self.user).search(domain)
        self.assertEqual(seen.partner_id, self.anna)
        seen = self.Event.with_user(self.user).search(domain)
        self.assertEqual(seen.partner_id, self.anna)
        self.user.company_ids = [(4, self.company_nl.id)]
        seen = (
            self.Record.with_user(self.user)
            .with_context(allowed_company_ids=[self.company_dk.id, self.company_nl.id])
            .search(domain)
        )
        self.assertEqual(seen.partner_id, self.anna | self.dutch)
