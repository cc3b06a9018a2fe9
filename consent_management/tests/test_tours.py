from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestConsentTours(HttpCase):
    def test_grant_from_contact_form(self):
        partner = self.env["res.partner"].create(
            {"name": "Karen Tour", "email": "karen@nordlys.example"}
        )
        self.start_tour(
            f"/odoo/contacts/{partner.id}",
            "consent_management_grant_tour",
            login="admin",
        )
        record = partner.consent_record_ids.filtered(
            lambda r: r.purpose_id.code == "emarketing"
        )
        self.assertEqual((record.state, record.legal_basis), ("active", "consent"))
        event = self.env["consent.event"].search(
            [("record_id", "=", record.id), ("event_type", "=", "grant")]
        )
        self.assertEqual(event.description, "Signed up at the fair in Herning")
        self.assertEqual(event.user_id, self.env.ref("base.user_admin"))

    def test_rerun_initialisation_from_settings(self):
        self.env["consent.initializer"].run_rules()
        self.start_tour(
            "/odoo/settings#consent_management",
            "consent_management_settings_tour",
            login="admin",
        )
