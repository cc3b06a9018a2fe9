from odoo.tests import HttpCase, tagged

from .common import WhatsappCommon


@tagged("post_install", "-at_install")
class TestWhatsappUi(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()

    def test_send_template_from_contact_form(self):
        self.start_tour(
            f"/odoo/res.partner/{self.customer.id}",
            "whatsapp_send_template",
            login="wa_agent",
        )
        message = self.env["whatsapp.message"].search(
            [("partner_id", "=", self.customer.id)]
        )
        self.assertEqual(message.template_id, self.tmpl_utility)
        self.assertEqual(message.state, "outgoing")
        self.run_queue()
        self.assertEqual(message.state, "sent")
        body = self.fake.sent[-1]["template"]["components"][1]["parameters"]
        self.assertEqual(body[0]["text"], "Jens Jensen")
