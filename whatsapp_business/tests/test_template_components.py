"""Every template Meta accepts: header kinds, dynamic buttons, one-time codes.

The fake Graph API checks the components like Meta does (132000 for a wrong
number of parameters, 132012 for a wrong format), so a send these tests accept
is one Meta would accept."""

import json

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, TransactionCase, tagged

from ..services import client as wa_client
from .common import WhatsappCommon


@tagged("post_install", "-at_install")
class TestWhatsappTemplateComponents(WhatsappCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls.Message = cls.env["whatsapp.message"]
        cls.fake.templates += [
            {
                "id": "3001",
                "name": "coupon_offer",
                "language": "da",
                "status": "APPROVED",
                "category": "MARKETING",
                "components": [
                    {"type": "BODY", "text": "Din rabatkode er klar."},
                    {
                        "type": "BUTTONS",
                        "buttons": [
                            {"type": "COPY_CODE", "example": "FORAAR25"},
                            {"type": "QUICK_REPLY", "text": "Nej tak"},
                            {
                                "type": "PHONE_NUMBER",
                                "text": "Ring til os",
                                "phone_number": "+4570203040",
                            },
                            {
                                "type": "URL",
                                "text": "Butikken",
                                "url": "https://example.com/shop",
                            },
                        ],
                    },
                ],
            },
            {
                "id": "3002",
                "name": "store_visit",
                "language": "da",
                "status": "APPROVED",
                "category": "UTILITY",
                "components": [
                    {"type": "HEADER", "format": "LOCATION"},
                    {"type": "BODY", "text": "Vi ses i butikken, {{1}}."},
                ],
            },
        ]
        cls.account.action_sync_templates()
        templates = cls.account.template_ids
        cls.tmpl_coupon = templates.filtered(lambda t: t.name == "coupon_offer")
        cls.tmpl_location = templates.filtered(lambda t: t.name == "store_visit")

    def sent_components(self):
        self.assertEqual(len(self.fake.sent), 1)
        return self.fake.sent[0]["template"]["components"]

    # -- synchronisation ---------------------------------------------------
    def test_buttons_are_synchronised_with_their_examples(self):
        button = self.tmpl_utility.button_ids
        self.assertEqual(button.button_type, "url")
        self.assertEqual(button.example, "SO042")  # the suffix, not the whole URL
        self.assertTrue(button.is_dynamic)
        variable = self.tmpl_utility.variable_ids.filtered(
            lambda v: v.component == "button"
        )
        self.assertEqual(variable.button_id, button)
        self.assertEqual(variable.display_name, "Link “Se ordre”")
        self.assertEqual(variable.fixed_text, "SO042")
        self.assertEqual(
            self.tmpl_coupon.button_ids.mapped("button_type"),
            ["copy_code", "quick_reply", "phone_number", "url"],
        )
        self.assertEqual(
            self.tmpl_coupon.button_ids.mapped("is_dynamic"),
            [True, False, False, False],
        )
        otp = self.tmpl_auth.button_ids
        self.assertEqual((otp.button_type, otp.otp_type), ("otp", "copy_code"))
        # the code is the body's {{1}}: no second value, and never a fixed sample
        self.assertEqual(self.tmpl_auth.variable_ids.mapped("component"), ["body"])
        self.assertFalse(self.tmpl_auth.variable_ids.fixed_text)
        # a second synchronisation keeps the mapping the user made
        variable.fixed_text = "SO777"
        self.account.action_sync_templates()
        self.assertEqual(variable.fixed_text, "SO777")

    # -- URL button with a dynamic suffix ---------------------------------------
    def test_url_button_suffix_is_sent(self):
        message = self.tmpl_utility._send_to_partner(
            self.customer,
            header_values={1: "SO042"},
            body_values={1: "Jens", 2: "12.06"},
            button_values={1: "SO042-x"},
        )
        self.run_queue()
        self.assertEqual(message.state, "sent", message.failure_reason)
        self.assertIn(
            {
                "type": "button",
                "sub_type": "url",
                "index": "0",
                "parameters": [{"type": "text", "text": "SO042-x"}],
            },
            self.sent_components(),
        )

    def test_missing_or_bad_url_suffix_named_before_sending(self):
        values = {"header_values": {1: "SO042"}, "body_values": {1: "J", 2: "x"}}
        with self.assertRaisesRegex(UserError, "empty: Link “Se ordre”"):
            self.tmpl_utility._send_to_partner(
                self.customer, button_values={1: " "}, **values
            )
        with self.assertRaisesRegex(UserError, "no spaces"):
            self.tmpl_utility._send_to_partner(
                self.customer, button_values={1: "SO 042"}, **values
            )
        with self.assertRaisesRegex(UserError, r"empty: Header \{\{1\}\}"):
            self.tmpl_utility._send_to_partner(
                self.customer,
                header_values={},
                body_values={1: "J", 2: "x"},
                button_values={1: "SO042"},
            )
        self.assertFalse(self.Message.search([("partner_id", "=", self.customer.id)]))

    def test_fake_refuses_what_meta_refuses(self):
        """Without the button parameter Meta answers 132000; a wrong type 132012."""
        client = self.account._get_client()
        header = {"type": "header", "parameters": [{"type": "text", "text": "SO1"}]}
        body = {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "J"},
                {"type": "text", "text": "x"},
            ],
        }
        with self.assertRaises(wa_client.WhatsAppError) as caught:
            client.send_template("4520998877", "order_update", "da", [header, body])
        self.assertEqual(caught.exception.code, 132000)
        with self.assertRaises(wa_client.WhatsAppError) as caught:
            client.send_template("4520998877", "order_update", "da", [body])
        self.assertEqual(caught.exception.code, 132000)
        image = {
            "type": "header",
            "parameters": [{"type": "image", "image": {"id": "1"}}],
        }
        button = {
            "type": "button",
            "sub_type": "url",
            "index": "0",
            "parameters": [{"type": "text", "text": "SO1"}],
        }
        with self.assertRaises(wa_client.WhatsAppError) as caught:
            client.send_template(
                "4520998877", "order_update", "da", [image, body, button]
            )
        self.assertEqual(caught.exception.code, 132012)
        client.send_template("4520998877", "order_update", "da", [header, body, button])
        self.assertEqual(len(self.fake.sent), 1)

    # -- authentication templates --------------------------------------------
    def test_authentication_code_goes_in_body_and_button(self):
        message = self.tmpl_auth._send_to_partner(
            self.customer, body_values={1: "482913"}
        )
        self.run_queue()
        self.assertEqual(message.state, "sent", message.failure_reason)
        self.assertEqual(
            self.sent_components(),
            [
                {"type": "body", "parameters": [{"type": "text", "text": "482913"}]},
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "482913"}],
                },
            ],
        )

    def test_authentication_code_checked_before_sending(self):
        with self.assertRaisesRegex(UserError, "one-time code"):
            self.tmpl_auth._send_to_partner(self.customer, body_values={1: ""})
        with self.assertRaisesRegex(UserError, "at most 15 characters"):
            self.tmpl_auth._send_to_partner(
                self.customer, body_values={1: "1234567890123456"}
            )
        # Meta would refuse it too
        client = self.account._get_client()
        long_code = "1234567890123456"
        with self.assertRaises(wa_client.WhatsAppError) as caught:
            client.send_template(
                "4520998877",
                "login_code",
                "en_US",
                [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": long_code}],
                    },
                    {
                        "type": "button",
                        "sub_type": "url",
                        "index": "0",
                        "parameters": [{"type": "text", "text": long_code}],
                    },
                ],
            )
        self.assertEqual(caught.exception.code, 132012)
        self.assertFalse(self.fake.sent)

    # -- copy-code, quick reply, phone and static URL buttons --------------------
    def test_copy_code_coupon(self):
        variable = self.tmpl_coupon.variable_ids
        self.assertEqual(variable.component, "button")
        self.assertEqual(variable.fixed_text, "FORAAR25")
        message = self.tmpl_coupon._send_to_partner(self.customer)
        self.run_queue()
        self.assertEqual(message.state, "sent", message.failure_reason)
        # only the copy-code button takes a value; the others are Meta's own
        self.assertEqual(
            self.sent_components(),
            [
                {
                    "type": "button",
                    "sub_type": "copy_code",
                    "index": "0",
                    "parameters": [{"type": "coupon_code", "coupon_code": "FORAAR25"}],
                }
            ],
        )
        with self.assertRaisesRegex(UserError, "at most 15 characters"):
            self.tmpl_coupon._send_to_partner(
                self.customer, button_values={1: "SPRING2026-EXTRA"}
            )

    # -- location header ------------------------------------------------------
    def test_location_header(self):
        template = self.tmpl_location
        self.assertFalse(template.is_sendable)
        with self.assertRaisesRegex(UserError, "latitude and longitude"):
            template._send_to_partner(self.customer)
        with self.assertRaises(ValidationError):
            template.header_location_latitude = 123.0
        template.write(
            {
                "header_location_latitude": 55.6761,
                "header_location_longitude": 12.5683,
                "header_location_name": "Nordlys ApS",
                "header_location_address": "Strøget 1, København",
            }
        )
        self.assertTrue(template.is_sendable)
        message = template._send_to_partner(self.customer)
        self.run_queue()
        self.assertEqual(message.state, "sent", message.failure_reason)
        header = self.sent_components()[0]
        self.assertEqual(header["type"], "header")
        location = header["parameters"][0]["location"]
        self.assertEqual(
            (float(location["latitude"]), float(location["longitude"])),
            (55.6761, 12.5683),
        )
        self.assertEqual(location["name"], "Nordlys ApS")
        self.assertEqual(
            json.loads(message.template_components)[0]["parameters"][0]["type"],
            "location",
        )

    # -- the composer -----------------------------------------------------------
    def test_composer_shows_and_sends_the_button_value(self):
        composer = Form(
            self.env["whatsapp.composer"]
            .with_user(self.agent)
            .with_context(default_partner_id=self.customer.id)
        )
        composer.template_id = self.tmpl_utility
        wizard = composer.save()
        lines = {line.label: line for line in wizard.variable_ids}
        self.assertEqual(
            set(lines), {"Header {{1}}", "Body {{1}}", "Body {{2}}", "Link “Se ordre”"}
        )
        lines["Header {{1}}"].value = "SO042"
        lines["Link “Se ordre”"].value = ""
        with self.assertRaisesRegex(UserError, "Link “Se ordre”"):
            wizard.action_send()
        lines["Link “Se ordre”"].value = "SO042"
        wizard.action_send()
        self.run_queue()
        self.assertIn(
            "SO042",
            [
                p.get("text")
                for c in self.sent_components()
                if c["type"] == "button"
                for p in c["parameters"]
            ],
        )
