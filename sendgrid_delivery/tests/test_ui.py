"""What an administrator and a salesperson see, clicked through in the browser."""

from nordic_crm_fakes.dns import FakeDNSServer

from odoo.tests import HttpCase, tagged

from .common import SendgridCommon


@tagged("post_install", "-at_install")
class TestSendgridTours(SendgridCommon, HttpCase):
    def test_domain_check_from_settings(self):
        zones = {
            "sg-tour.example": {"TXT": ["v=spf1 include:sendgrid.net ~all"]},
            "s1._domainkey.sg-tour.example": {
                "CNAME": ["s1.domainkey.u1.wl1.sendgrid.net"]
            },
        }
        self.env["sendgrid.sender.identity"].create(
            {"name": "Tour", "email": "tour@sg-tour.example"}
        )
        with FakeDNSServer(zones) as dns:
            self.env["ir.config_parameter"].sudo().set_param(
                "sendgrid_delivery.dns_nameserver", f"{dns.host}:{dns.port}"
            )
            self.start_tour(
                "/odoo/action-mass_mailing.action_mass_mailing_configuration",
                "sendgrid_domain_check_tour",
                login="admin",
            )
        self.assertIn(("_dmarc.sg-tour.example", "TXT"), dns.queries)

    def test_partner_bounce_banner_and_log(self):
        self.receive([self.event("bounce", reason="550 5.1.1 no such user")])
        self.salesperson.groups_id |= self.env.ref("base.group_partner_manager")
        self.salesperson.password = "sofie.sg"
        self.start_tour(
            f"/odoo/res.partner/{self.partner.id}",
            "sendgrid_partner_log_tour",
            login="sofie.sg",
        )

    def test_composer_warns_about_bounced_recipient(self):
        self.receive([self.event("bounce", reason="550 5.1.1 no such user")])
        action = self.env["ir.actions.act_window"].create(
            {
                "name": "Compose",
                "res_model": "mail.compose.message",
                "view_mode": "form",
                "target": "new",
                "context": repr(
                    {
                        "default_model": "res.partner",
                        "default_res_ids": self.partner_nl.ids,
                        "default_composition_mode": "comment",
                        "default_partner_ids": (self.partner | self.partner_nl).ids,
                    }
                ),
            }
        )
        self.start_tour(
            f"/odoo/action-{action.id}", "sendgrid_composer_bounce_tour", login="admin"
        )

    def test_my_customers_behaviour(self):
        self.receive(
            [
                self.event("open"),
                self.event("click", url="https://nordlys.example/a"),
                self.event("open", trace=self.traces[1]),  # Bram: nobody's customer
            ]
        )
        self.salesperson.password = "sofie.sg"
        self.start_tour(
            "/odoo/action-sendgrid_delivery.sendgrid_event_action_my_customers",
            "sendgrid_my_customers_tour",
            login="sofie.sg",
        )

    def test_chatter_shows_click(self):
        notification = self.message.notification_ids.filtered(
            lambda n: n.res_partner_id == self.partner
        )
        notification.notification_status = "sent"
        self.receive(
            [
                self.event(
                    "click",
                    trace=self.env["mailing.trace"],
                    message=self.message,
                    odoo_partner_id=str(self.partner.id),
                    url="https://nordlys.example/tilbud",
                )
            ]
        )
        self.assertEqual(notification.sendgrid_engagement, "click")
        self.start_tour(
            f"/odoo/res.partner/{self.partner.id}",
            "sendgrid_chatter_status_tour",
            login="admin",
        )
