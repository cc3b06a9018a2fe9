"""The demo data of all addons tells one coherent story (issue 10).

The harness installs every addon with demo data into the cross-addon database,
exactly as ``make demo`` does; these checks read what a person would see there.
"""

from odoo.tests import TransactionCase


class TestDemoStory(TransactionCase):
    def ref(self, xmlid):
        return self.env.ref(xmlid)

    def partner(self, name):
        return self.ref(f"consent_management.demo_partner_{name}")

    def test_company_is_nordlys_in_denmark(self):
        company = self.ref("base.main_company")
        self.assertEqual(company.name, "Nordlys ApS")
        self.assertEqual(company.country_id, self.ref("base.dk"))
        account = self.ref("whatsapp_business.whatsapp_account_demo")
        self.assertEqual(account.currency_id, self.ref("base.DKK"))

    def test_contacts_in_every_consent_situation(self):
        def emarketing(partner):
            return partner.consent_record_ids.filtered(
                lambda r: r.purpose_id.code == "emarketing"
            )

        with_evidence = emarketing(self.partner("lars"))
        self.assertEqual(
            (with_evidence.state, with_evidence.legal_basis), ("active", "consent")
        )
        self.assertEqual(with_evidence.source, "double_opt_in")
        self.assertTrue(with_evidence.ip_address and with_evidence.consent_text)
        self.assertEqual(
            emarketing(self.partner("pieter")).legal_basis, "legitimate_interest"
        )
        self.assertEqual(self.partner("sanne").emarketing_state, "withdrawn")
        self.assertFalse(emarketing(self.partner("jonas")), "never mailed")
        ida = self.partner("ida")
        self.assertTrue(ida.is_blacklisted)
        self.assertEqual(ida.emarketing_state, "withdrawn")
        self.assertTrue(self.partner("femke").is_email_invalid, "bounced")
        # Everybody kept has the Sales and service purpose.
        for name in ("lars", "pieter", "sanne", "jonas", "ida", "femke"):
            self.assertIn(
                "sales_service",
                self.partner(name).consent_record_ids.purpose_id.mapped("code"),
            )

    def test_subscription_types_and_a_sent_mailing_with_sendgrid_events(self):
        types = self.env["mailing.subscription.type"].search([])
        self.assertEqual(len(types), 4)
        self.assertTrue(self.partner("lars").subscription_type_ids)
        mailing = self.ref("sendgrid_delivery.demo_mailing_october")
        self.assertEqual(mailing.state, "done")
        self.assertTrue(mailing.mailing_trace_ids)
        kinds = set(
            self.env["sendgrid.event"]
            .search([("mailing_trace_id", "in", mailing.mailing_trace_ids.ids)])
            .mapped("event_type")
        )
        self.assertLessEqual({"delivered", "open", "click", "bounce"}, kinds)

    def test_whatsapp_templates_and_conversations(self):
        account = self.ref("whatsapp_business.whatsapp_account_demo")
        categories = set(
            account.template_ids.filtered(lambda t: t.status == "approved").mapped(
                "category"
            )
        )
        self.assertEqual(categories, {"marketing", "utility", "authentication"})
        inside = self.ref("whatsapp_business.discuss_channel_whatsapp_lars_demo")
        outside = self.ref("whatsapp_business.discuss_channel_whatsapp_sanne_demo")
        self.assertTrue(inside.whatsapp_is_window_open)
        self.assertFalse(outside.whatsapp_is_window_open)

    def test_calls_exchange_and_expenses(self):
        self.assertGreaterEqual(self.env["unitel.call"].search_count([]), 5)
        config = self.ref("exchange_calendar_sync.exchange_sync_config_demo")
        self.assertFalse(config.enabled)
        self.assertTrue(config.mailbox_ids)
        trip = self.ref("expense_danish_rates.expense_mileage_freja_hamburg_demo")
        mileage = self.env["hr.expense"].search(
            [("employee_id", "=", trip.employee_id.id)]
        )
        car = self.ref("expense_danish_rates.product_car_mileage")
        prices = set(
            mileage.filtered(lambda e: e.product_id == car).mapped("price_unit")
        )
        self.assertGreaterEqual(len(prices), 2, "a trip crosses 20,000 km")

    def test_demo_users(self):
        salesperson = self.ref("base.user_demo")
        followups = self.env["mail.activity"].search(
            [("user_id", "=", salesperson.id), ("res_model", "=", "res.partner")]
        )
        self.assertTrue(
            followups.filtered("is_optout_followup"), "activities from opt-outs"
        )
        femke = self.partner("femke")
        self.assertIn(femke.id, followups.mapped("res_id"), "activity from a bounce")
        marketer = self.ref("mass_mailing_subscriptions.demo_user_marketer")
        self.assertTrue(marketer.has_group("mass_mailing.group_mass_mailing_user"))
        admin = self.ref("base.user_admin")
        self.assertIn("totp_enabled", admin._fields, "two-factor login available")
