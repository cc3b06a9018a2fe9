from odoo.exceptions import UserError
from odoo.tests import Form

from .common import ConsentCase


class TestSettingsAndWizard(ConsentCase):
    def test_switch_in_settings(self):
        self.assertFalse(self.Partner._consent_privacy_enabled())
        settings = Form(self.env["res.config.settings"])
        settings.consent_emarketing_privacy = True
        settings.save().execute()
        self.assertEqual(
            self.env["ir.config_parameter"].get_param(
                "consent_management.emarketing_privacy"
            ),
            "True",
        )
        self.assertTrue(self.Partner._consent_privacy_enabled())
        settings = Form(self.env["res.config.settings"])
        settings.consent_emarketing_privacy = False
        settings.save().execute()
        self.assertFalse(self.Partner._consent_privacy_enabled())

    def test_rerun_from_settings_shows_report(self):
        self.drop_legal_bases()
        settings = self.env["res.config.settings"].create({})
        action = settings.action_consent_run_initializer()
        report = self.env["consent.init.report"].browse(action["res_id"])
        self.assertEqual(len(report.line_ids), 2)
        self.assertGreater(report.total_count, 0)
        action = settings.action_consent_run_initializer()
        report = self.env["consent.init.report"].browse(action["res_id"])
        self.assertEqual(report.line_ids.mapped("count"), [0, 0])

    def test_grant_wizard_records_wording(self):
        action = self.anna.action_consent_grant()
        wizard = Form(
            self.env["consent.action.wizard"].with_context(**action["context"])
        )
        wizard.purpose_id = self.emarketing
        self.assertEqual(wizard.legal_basis, "consent")
        self.assertEqual(wizard.consent_text, self.emarketing.consent_text)
        wizard.source = "web_form"
        wizard.description = "Signed up at the fair"
        wizard.save().action_apply()
        record = self.anna.consent_record_ids.filtered(
            lambda r: r.purpose_id == self.emarketing
        )
        self.assertEqual((record.state, record.source), ("active", "web_form"))
        self.assertEqual(record.consent_text, self.emarketing.consent_text)
        self.assertEqual(record.consent_text_version, "1")

    def test_smart_button_counts_records(self):
        self.anna._consent_grant("emarketing")
        self.anna._consent_grant("sales_service", legal_basis="contract")
        self.assertEqual(self.anna.consent_record_count, 2)
        action = self.anna.action_consent_open_records()
        self.assertEqual(
            self.Record.search(action["domain"]), self.anna.consent_record_ids
        )

    def test_request_needs_an_email(self):
        nobody = self.Partner.create({"name": "No Mail"})
        wizard = self.env["consent.action.wizard"].create(
            {
                "operation": "request",
                "partner_ids": [(6, 0, nobody.ids)],
                "purpose_id": self.emarketing.id,
            }
        )
        self.assertEqual(wizard.partners_without_email, "No Mail")
        with self.assertRaises(UserError):
            wizard.action_apply()

    def test_wizard_offers_only_sources_a_person_reports(self):
        values = dict(self.env["consent.action.wizard"]._selection_source())
        self.assertIn("manual", values)
        self.assertIn("web_form", values)
        self.assertNotIn("initialisation", values)
        self.assertNotIn("double_opt_in", values)
