from odoo.tests import new_test_user, tagged

from .common import ConsentCase


@tagged("post_install", "-at_install")
class TestMergeMostRestrictiveWins(ConsentCase):
    """Contacts ▸ Merge, through Odoo's own wizard, never loses a withdrawal."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="consent_merger",
            groups="base.group_user,base.group_partner_manager",
        )

    def make_pair(self):
        withdrawn, active = self.Partner.create(
            [
                {"name": "Karen Withdrawn", "email": "karen@nordlys.example"},
                {"name": "Karen Active", "email": "karen@nordlys.example"},
            ]
        )
        active._consent_grant("emarketing", legal_basis="consent", source="web_form")
        withdrawn._consent_grant("emarketing")
        withdrawn._consent_withdraw("emarketing", source="email")
        return withdrawn, active

    def merge(self, partners, dst):
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_user(self.manager)
            .create({"partner_ids": [(6, 0, partners.ids)], "dst_partner_id": dst.id})
        )
        wizard.action_merge()
        self.assertFalse((partners - dst).exists())
        return dst

    def assert_withdrawn_and_history(self, kept, merged_name, events_before):
        self.set_privacy(True)
        record = kept.consent_record_ids.filtered(
            lambda r: r.purpose_id == self.emarketing
        )
        self.assertEqual(len(record), 1)
        self.assertEqual(record.state, "withdrawn")
        self.assertEqual(kept.emarketing_state, "withdrawn")
        self.assertFalse(kept._consent_may_send("emarketing"))
        events = self.events_of(kept, self.emarketing)
        self.assertEqual(set(events.ids) - events_before, set(events[-1:].ids))
        self.assertEqual(events[-1].event_type, "merge")
        self.assertEqual(events[-1].state, "withdrawn")
        self.assertIn(merged_name, events[-1].description)
        self.assertEqual(events.record_id, record, "the history follows the record")

    def test_withdrawn_merged_into_active(self):
        withdrawn, active = self.make_pair()
        before = set((self.events_of(withdrawn) | self.events_of(active)).ids)
        kept = self.merge(withdrawn | active, active)
        self.assert_withdrawn_and_history(kept, "Karen Withdrawn", before)
        record = kept.consent_record_ids.filtered(
            lambda r: r.purpose_id == self.emarketing
        )
        self.assertEqual(record.source, "email", "the withdrawal's evidence is kept")

    def test_active_merged_into_withdrawn(self):
        withdrawn, active = self.make_pair()
        before = set((self.events_of(withdrawn) | self.events_of(active)).ids)
        kept = self.merge(withdrawn | active, withdrawn)
        self.assert_withdrawn_and_history(kept, "Karen Active", before)
        self.assertTrue(
            self.events_of(kept, self.emarketing).filtered(
                lambda e: e.source == "web_form" and e.state == "active"
            ),
            "the merged contact's grant stays in the history",
        )

    def test_withdrawn_record_moves_to_contact_without_record(self):
        withdrawn, _active = self.make_pair()
        plain = self.Partner.create(
            {"name": "Karen Plain", "email": "karen@nordlys.example"}
        )
        record = withdrawn.consent_record_ids.filtered(
            lambda r: r.purpose_id == self.emarketing
        )
        kept = self.merge(withdrawn | plain, plain)
        self.assertEqual(
            kept.consent_record_ids.filtered(lambda r: r.purpose_id == self.emarketing),
            record,
        )
        self.assertEqual(len(kept.consent_record_ids), 2, "and one Sales and service")
        self.assertEqual(kept.emarketing_state, "withdrawn")

    def test_three_contacts_strongest_evidence_wins(self):
        guessed, confirmed, none = self.Partner.create(
            [
                {"name": "Lars Guess", "email": "lars@nordlys.example"},
                {"name": "Lars Confirmed", "email": "lars@nordlys.example"},
                {"name": "Lars None", "email": "lars@nordlys.example"},
            ]
        )
        guessed._consent_grant(
            "emarketing", legal_basis="legitimate_interest", source="migration"
        )
        confirmed._consent_grant(
            "emarketing",
            source="double_opt_in",
            evidence={"ip_address": "192.0.2.7", "user_agent": "Browser/1"},
            event_type="confirm",
        )
        kept = self.merge(guessed | confirmed | none, guessed)
        record = kept.consent_record_ids.filtered(
            lambda r: r.purpose_id == self.emarketing
        )
        self.assertEqual(
            (record.state, record.legal_basis, record.source, record.ip_address),
            ("active", "consent", "double_opt_in", "192.0.2.7"),
        )
        merge_event = self.events_of(kept, self.emarketing)[-1]
        self.assertEqual(merge_event.event_type, "merge")
        self.assertEqual(merge_event.ip_address, "192.0.2.7")
        self.assertIn("Lars Confirmed", merge_event.description)
        self.assertIn("Lars None", merge_event.description)
