import base64

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import ConsentCase

OFFICER = "consent_management.group_consent_officer"


@tagged("post_install", "-at_install")
class TestWithdrawalIsFinal(ConsentCase):
    """After a withdrawal only the person re-activates; a Consent officer may
    record a new consent with a note and evidence; legitimate interest never
    overrides an objection to marketing (GDPR Art. 21(3))."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = new_test_user(
            cls.env,
            login="consent_clerk",
            groups="base.group_user,base.group_partner_manager",
        )
        cls.officer = new_test_user(
            cls.env,
            login="consent_dpo",
            groups=f"base.group_user,base.group_partner_manager,{OFFICER}",
        )
        cls.anna._consent_grant("emarketing")
        cls.anna._consent_withdraw("emarketing", source="email")
        cls.bo._consent_withdraw("emarketing", source="unsubscribe_link")

    def record_of(self, partner, purpose=None):
        return self.Record.search(
            [
                ("partner_id", "=", partner.id),
                ("purpose_id", "=", (purpose or self.emarketing).id),
            ]
        )

    def evidence(self, user):
        return (
            self.env["ir.attachment"]
            .with_user(user)
            .create(
                {
                    "name": "signed-form.pdf",
                    "datas": base64.b64encode(b"%PDF-1.4 signed"),
                    "res_model": "consent.action.wizard",
                }
            )
        )

    def wizard(self, user, partners, **vals):
        return (
            self.env["consent.action.wizard"]
            .with_user(user)
            .create(
                dict(
                    {
                        "operation": "grant",
                        "partner_ids": [(6, 0, partners.ids)],
                        "purpose_id": self.emarketing.id,
                        "source": "manual",
                    },
                    **vals,
                )
            )
        )

    def assert_still_withdrawn(self, partner, events_before):
        self.assertEqual(self.record_of(partner).state, "withdrawn")
        self.assertEqual(partner.emarketing_state, "withdrawn")
        self.assertEqual(len(self.events_of(partner, self.emarketing)), events_before)

    def test_internal_user_cannot_regrant_at_all(self):
        before = len(self.events_of(self.anna, self.emarketing))
        for source in ("manual", "web_form", "portal"):
            wizard = self.wizard(
                self.user,
                self.anna,
                source=source,
                description="She called me",
                evidence_attachment_ids=[(6, 0, self.evidence(self.user).ids)],
            )
            self.assertEqual(wizard.withdrawn_partner_ids, self.anna)
            self.assertFalse(wizard.is_consent_officer)
            with self.assertRaises(AccessError):
                wizard.action_apply()
        self.assert_still_withdrawn(self.anna, before)

    def test_internal_user_cannot_mail_a_withdrawn_contact_a_new_link(self):
        """Else they point the address at their own mailbox and confirm the link
        themselves, which the history would show as the person's own act."""
        before = len(self.events_of(self.anna, self.emarketing))
        wizard = self.wizard(self.user, self.anna, operation="request")
        with self.assertRaisesRegex(AccessError, "Consent officer"):
            wizard.action_apply()
        with self.assertRaises(AccessError):
            self.anna.with_user(self.user)._consent_send_request("emarketing")
        self.assert_still_withdrawn(self.anna, before)
        # contacts who never withdrew may still be asked by anyone
        self.wizard(self.user, self.carla, operation="request").action_apply()
        # and a Consent officer may ask a withdrawn contact again
        self.wizard(self.officer, self.anna, operation="request").action_apply()
        requests = self.events_of(self.anna, self.emarketing).filtered(
            lambda e: e.event_type == "request"
        )
        self.assertEqual(len(requests), 1)
        self.assertEqual(self.record_of(self.anna).state, "withdrawn")

    def test_caller_context_never_names_the_event(self):
        """consent_event_type / consent_token_digest are the server's words."""
        wizard = self.wizard(self.user, self.carla).with_context(
            consent_event_type="confirm", consent_token_digest="f" * 64
        )
        wizard.action_apply()
        event = self.events_of(self.carla, self.emarketing)[-1:]
        self.assertNotEqual(event.event_type, "confirm")
        self.assertFalse(event.token_digest)

    def test_internal_user_still_grants_contacts_who_never_withdrew(self):
        wizard = self.wizard(self.user, self.carla, description="At the fair")
        self.assertFalse(wizard.withdrawn_partner_ids)
        wizard.action_apply()
        self.assertEqual(self.carla.emarketing_state, "active")

    def test_officer_needs_note_and_evidence(self):
        before = len(self.events_of(self.anna, self.emarketing))
        with self.assertRaises(UserError):
            self.wizard(self.officer, self.anna).action_apply()
        with self.assertRaises(UserError):
            self.wizard(self.officer, self.anna, description="By phone").action_apply()
        with self.assertRaises(UserError):
            self.wizard(
                self.officer,
                self.anna,
                description="   ",
                evidence_attachment_ids=[(6, 0, self.evidence(self.officer).ids)],
            ).action_apply()
        self.assert_still_withdrawn(self.anna, before)

    def test_officer_never_overrides_with_legitimate_interest(self):
        before = len(self.events_of(self.anna, self.emarketing))
        wizard = self.wizard(
            self.officer,
            self.anna,
            legal_basis="legitimate_interest",
            description="Existing customer",
            evidence_attachment_ids=[(6, 0, self.evidence(self.officer).ids)],
        )
        with self.assertRaisesRegex(UserError, r"Art\. 21\(3\)"):
            wizard.action_apply()
        self.assert_still_withdrawn(self.anna, before)
        # Nor can any server code.
        with self.assertRaisesRegex(UserError, r"Art\. 21\(3\)"):
            self.anna._consent_grant(
                "emarketing", legal_basis="legitimate_interest", source="portal"
            )
        self.assert_still_withdrawn(self.anna, before)

    def test_officer_one_withdrawn_contact_at_a_time(self):
        wizard = self.wizard(
            self.officer,
            self.anna | self.bo,
            description="Both signed",
            evidence_attachment_ids=[(6, 0, self.evidence(self.officer).ids)],
        )
        with self.assertRaises(UserError):
            wizard.action_apply()
        self.assertEqual(self.record_of(self.bo).state, "withdrawn")

    def test_officer_records_new_consent_with_evidence(self):
        evidence = self.evidence(self.officer)
        wizard = self.wizard(
            self.officer,
            self.anna,
            source="web_form",
            description="Signed the paper form at the fair on 3 March",
            evidence_attachment_ids=[(6, 0, evidence.ids)],
        )
        self.assertTrue(wizard.is_consent_officer)
        wizard.action_apply()
        record = self.record_of(self.anna)
        self.assertEqual((record.state, record.legal_basis), ("active", "consent"))
        event = self.events_of(self.anna, self.emarketing)[-1]
        self.assertEqual(event.event_type, "grant")
        self.assertEqual(event.user_id, self.officer)
        self.assertIn("paper form", event.description)
        self.assertEqual(len(event.attachment_ids), 1)
        self.assertEqual(event.attachment_ids.raw, b"%PDF-1.4 signed")
        self.assertEqual(
            (event.attachment_ids.res_model, event.attachment_ids.res_id),
            ("res.partner", self.anna.id),
        )

    def test_officer_cannot_attach_files_they_cannot_read(self):
        secret = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": "salary.pdf",
                    "raw": b"secret",
                    # Not linked to a record: only its creator reads it.
                    "create_uid": self.env.ref("base.user_admin").id,
                }
            )
        )
        wizard = self.wizard(
            self.officer,
            self.anna,
            description="Signed",
            evidence_attachment_ids=[(6, 0, secret.ids)],
        )
        with self.assertRaises(AccessError):
            wizard.action_apply()
        self.assertEqual(self.record_of(self.anna).state, "withdrawn")

    def test_no_direct_edit_of_a_withdrawn_record(self):
        record = self.record_of(self.anna)
        with self.assertRaises(UserError):
            record.with_user(self.officer).write({"state": "active"})
        with self.assertRaises(UserError):
            record.with_user(self.officer).write(
                {"state": "active", "source": "double_opt_in"}
            )
        with self.assertRaises(UserError):
            record.with_user(self.officer).write({"state": "expired"})
        with self.assertRaises(UserError):
            record.with_user(self.officer).write({"purpose_id": self.whatsapp.id})
        with self.assertRaises(UserError):
            record.with_user(self.officer).write({"partner_id": self.carla.id})
        self.assertEqual(record.state, "withdrawn")
        self.assertEqual(record.partner_id, self.anna)

    def test_non_marketing_purpose_officer_may_use_another_basis(self):
        self.anna._consent_withdraw("sales_service", source="email")
        wizard = self.wizard(
            self.officer,
            self.anna,
            purpose_id=self.sales.id,
            legal_basis="contract",
            description="Signed a service contract",
            evidence_attachment_ids=[(6, 0, self.evidence(self.officer).ids)],
        )
        wizard.action_apply()
        record = self.record_of(self.anna, self.sales)
        self.assertEqual((record.state, record.legal_basis), ("active", "contract"))

    def test_the_persons_own_act_reactivates(self):
        for source in ("double_opt_in", "portal", "web_form"):
            self.anna._consent_withdraw("emarketing", source="email")
            self.anna._consent_grant("emarketing", source=source)
            self.assertEqual(self.anna.emarketing_state, "active", source)


@tagged("post_install", "-at_install")
class TestWithdrawnPersonConfirms(HttpCase):
    def test_double_opt_in_link_reactivates(self):
        partner = self.env["res.partner"].create(
            {"name": "Pia Storm", "email": "pia@nordlys.example"}
        )
        partner._consent_withdraw("emarketing", source="email")
        path = partner._consent_signed_path("emarketing")
        response = self.url_open(path, data={"confirm": "1"})
        self.assertEqual(response.status_code, 200)
        partner.invalidate_recordset()
        self.assertEqual(partner.emarketing_state, "active")
