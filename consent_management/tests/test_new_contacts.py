import logging

from odoo.tests import new_test_user, tagged

from .common import ConsentCase


@tagged("post_install", "-at_install")
class TestBasisFromBirth(ConsentCase):
    """Rule 1 (Sales and service, legitimate interest) applies on create,
    whatever created the contact, in one statement per batch."""

    def assert_has_basis(self, partners):
        self.assertTrue(partners)
        records = self.Record.search(
            [("partner_id", "in", partners.ids), ("purpose_id", "=", self.sales.id)]
        )
        self.assertEqual(records.partner_id, partners)
        for record in records:
            self.assertEqual(
                (record.legal_basis, record.state, record.source),
                ("legitimate_interest", "active", "initialisation"),
            )
        events = self.Event.search(
            [("partner_id", "in", partners.ids), ("purpose_id", "=", self.sales.id)]
        )
        self.assertEqual(len(events), len(partners), "one history event each")
        self.assertEqual(set(events.mapped("event_type")), {"init"})
        self.assertFalse(
            self.Record.search_count(
                [
                    ("partner_id", "in", partners.ids),
                    ("purpose_id", "=", self.emarketing.id),
                ]
            ),
            "no marketing basis is invented",
        )

    def test_created_by_hand(self):
        user = new_test_user(
            self.env,
            login="consent_creator",
            groups="base.group_user,base.group_partner_manager",
        )
        partner = self.Partner.with_user(user).create({"name": "Mette Hansen"})
        self.assert_has_basis(partner)
        record = partner.sudo().consent_record_ids
        self.assertEqual(record.captured_by_id, user)

    def test_batch_is_one_statement(self):
        vals_list = [
            {"name": f"Batch {i}", "email": f"batch{i}@nordlys.example"}
            for i in range(200)
        ]
        with self.assertLogs("odoo.sql_db", logging.DEBUG) as logs:
            partners = self.Partner.create(vals_list)
            self.env.flush_all()
        inserts = [line for line in logs.output if "INSERT INTO consent_record" in line]
        self.assertEqual(len(inserts), 1)
        self.assert_has_basis(partners)

    def test_imported_through_base_import(self):
        if "base_import.import" not in self.env:
            self.skipTest("base_import (auto-installed with web) is missing")
        rows = ["name,email"] + [
            f"Import {i},import{i}@nordlys.example" for i in range(30)
        ]
        importer = self.env["base_import.import"].create(
            {
                "res_model": "res.partner",
                "file": "\n".join(rows).encode(),
                "file_type": "text/csv",
                "file_name": "contacts.csv",
            }
        )
        with self.assertLogs("odoo.sql_db", logging.DEBUG) as logs:
            result = importer.execute_import(
                ["name", "email"],
                ["name", "email"],
                {"has_headers": True, "separator": ",", "quoting": '"'},
            )
        self.assertFalse(result["messages"])
        partners = self.Partner.browse(result["ids"])
        self.assertEqual(len(partners), 30)
        inserts = [line for line in logs.output if "INSERT INTO consent_record" in line]
        self.assertLessEqual(len(inserts), 1, "one statement per import batch")
        self.assert_has_basis(partners)

    def test_portal_signup(self):
        portal = new_test_user(
            self.env,
            login="consent_signup",
            email="signup@nordlys.example",
            groups="base.group_portal",
        )
        self.assert_has_basis(portal.partner_id)

    def test_partner_from_an_incoming_address(self):
        partner = self.Partner.find_or_create("Nina Holm <nina@nordlys.example>")
        self.assert_has_basis(partner)
        partners = self.Partner._find_or_create_from_emails(
            ["olaf@nordlys.example", "nina@nordlys.example"]
        )
        self.assert_has_basis(partners[0])
        self.assertEqual(partners[1], partner)

    def test_partner_from_a_whatsapp_number(self):
        # WhatsApp and telephony create contacts by a plain create.
        partner = self.Partner.create(
            {"name": "+45 12 34 56 78", "phone": "+4512345678"}
        )
        self.assert_has_basis(partner)
        # Rule 1 still runs idempotently over everyone.
        report = dict(self.env["consent.initializer"]._run_rules())
        self.assertEqual(
            report["Every contact: Sales and service (legitimate interest)"], 0
        )

    def test_renamed_purpose_does_not_block_creation(self):
        self.sales.code = "sales_and_service_renamed"
        with self.assertLogs(
            "odoo.addons.consent_management.models.consent_initializer", "WARNING"
        ):
            partner = self.Partner.create({"name": "Still Created"})
        self.assertTrue(partner.exists())
        self.assertFalse(partner.consent_record_ids)
