from datetime import timedelta

from odoo.tests import Form, tagged

from .common import ExchangeSyncCase


@tagged("post_install", "-at_install")
class TestViews(ExchangeSyncCase):
    """The screens an administrator uses, driven through their form views."""

    def test_configuration_form(self):
        company = self.env["res.company"].create({"name": "Formular ApS"})
        form = Form(self.env["exchange.sync.config"].with_company(company))
        form.backend = "ews"
        form.ews_url = "https://outlook.office365.com/EWS/Exchange.asmx"
        form.ews_username = "svc@formular.example"
        form.ews_password = "secret"
        self.assertTrue(form.is_ews_on_exchange_online)
        form.backend = "graph"
        form.tenant_id = "t"
        form.client_id = "c"
        config = form.save()
        self.assertEqual(config.company_id, company)
        self.assertEqual(config.graph_url, "https://graph.microsoft.com/v1.0")

    def test_mailbox_form_takes_the_users_address(self):
        lars = self.env["res.users"].create(
            {
                "name": "Lars",
                "login": "lars.form",
                "email": "Lars@Nordlys.example",
                "lang": "en_US",
            }
        )
        form = Form(self.env["exchange.sync.mailbox"])
        form.config_id = self.config
        form.user_id = lars
        self.assertEqual(form.email, "lars@nordlys.example")
        mailbox = form.save()
        self.assertEqual(mailbox.email, "lars@nordlys.example")

    def test_relink_wizard_lets_the_user_pick_an_ambiguous_match(self):
        hour = timedelta(hours=1)
        twins = self.new_event(name="Tvilling") | self.new_event(name="Tvilling")
        self.fake.add_event(
            "anna@nordlys.example", "Tvilling", self.base, self.base + hour
        )
        action = self.mb_anna.action_open_relink_wizard()
        form = Form(self.env[action["res_model"]].with_context(**action["context"]))
        wizard = form.save()
        wizard.action_analyse()
        form = Form(wizard)
        with form.line_ids.edit(0) as line:
            self.assertEqual(line.status, "ambiguous")
            line.event_id = twins[1]
        form.save()
        wizard.action_relink()
        self.assertEqual(self.links(self.mb_anna).res_id, twins[1].id)

    def test_settings_page_links_to_the_configuration(self):
        settings = self.env.ref("exchange_calendar_sync.res_config_settings_view_form")
        self.assertIn("exchange_calendar_sync_setting", settings.arch)
        Form(self.env["res.config.settings"])
