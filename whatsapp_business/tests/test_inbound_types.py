"""Every inbound message type Meta documents is stored with a readable body
(issue 18, "Done when"). Payloads follow Meta's webhook reference for
``messages``; each goes through the signed webhook over real HTTP."""

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import WhatsappCommon, epoch

URL = "/whatsapp/webhook"
SENDER = "4520998877"


@tagged("post_install", "-at_install")
class TestWhatsappInboundTypes(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls.Message = cls.env["whatsapp.message"]

    def receive(self, wamid, kind, content, **extra):
        message = {
            "from": SENDER,
            "id": wamid,
            "timestamp": str(epoch(fields.Datetime.now())),
            "type": kind,
        }
        if content is not None:
            message[kind] = content
        message.update(extra)
        payload = self.envelope(
            {
                "contacts": [{"profile": {"name": "Jens"}, "wa_id": SENDER}],
                "messages": [message],
            }
        )
        body, headers = self.signed(payload)
        response = self.url_open(URL, data=body, headers=headers)
        self.assertEqual(response.status_code, 200, response.text)
        stored = self.Message.search([("meta_id", "=", wamid)])
        self.assertEqual(len(stored), 1)
        self.assertEqual(
            (stored.direction, stored.state, stored.message_type),
            ("inbound", "received", kind),
        )
        self.assertEqual(stored.partner_id, self.customer)
        self.assertEqual(stored.mail_message_id.author_id, self.customer)
        return stored

    def body_of(self, stored):
        return stored.mail_message_id.body

    def test_text(self):
        stored = self.receive(
            "wamid.T.text", "text", {"body": "Hvornår kommer min pakke?"}
        )
        self.assertIn("Hvornår kommer min pakke?", self.body_of(stored))

    def test_media_kinds(self):
        media = {
            "image": ("image/jpeg", {"caption": "Skaden"}),
            "video": ("video/mp4", {"caption": "Sådan larmer den"}),
            "audio": ("audio/ogg; codecs=opus", {"voice": True}),
            "document": (
                "application/pdf",
                {"caption": "Faktura", "filename": "faktura.pdf"},
            ),
            "sticker": ("image/webp", {"animated": False}),
        }
        for kind, (mime, extra) in media.items():
            media_id = f"media-{kind}"
            self.fake.add_media(media_id, f"{kind} bytes".encode(), mime)
            stored = self.receive(
                f"wamid.T.{kind}",
                kind,
                {"id": media_id, "mime_type": mime, "sha256": "0" * 64, **extra},
            )
            post = stored.mail_message_id
            self.assertEqual(len(post.attachment_ids), 1, kind)
            self.assertEqual(post.attachment_ids.raw, f"{kind} bytes".encode())
            self.assertEqual(stored.attachment_id, post.attachment_ids)
            if extra.get("caption"):
                self.assertIn(extra["caption"], post.body)
        self.assertEqual(
            self.Message.search(
                [("meta_id", "=", "wamid.T.document")]
            ).attachment_id.name,
            "faktura.pdf",
        )

    def test_media_that_cannot_be_downloaded_still_reads(self):
        stored = self.receive(
            "wamid.T.lost", "image", {"id": "media-gone", "mime_type": "image/jpeg"}
        )
        self.assertIn("could not be downloaded", self.body_of(stored))
        self.assertTrue(stored.failure_reason)

    def test_location(self):
        stored = self.receive(
            "wamid.T.location",
            "location",
            {
                "latitude": 55.6761,
                "longitude": 12.5683,
                "name": "Nordlys ApS",
                "address": "Vesterbrogade 1, København",
            },
        )
        body = self.body_of(stored)
        self.assertIn("Nordlys ApS Vesterbrogade 1, København", body)
        self.assertIn("55.6761, 12.5683", body)

    def test_contacts(self):
        stored = self.receive(
            "wamid.T.contacts",
            "contacts",
            None,
            contacts=[
                {
                    "name": {
                        "formatted_name": "Mette Hansen",
                        "first_name": "Mette",
                        "last_name": "Hansen",
                    },
                    "phones": [
                        {
                            "phone": "+45 30 30 30 30",
                            "wa_id": "4530303030",
                            "type": "CELL",
                        }
                    ],
                    "emails": [{"email": "mette@example.com", "type": "WORK"}],
                }
            ],
        )
        body = self.body_of(stored)
        self.assertIn("Mette Hansen", body)
        self.assertIn("+45 30 30 30 30", body)

    def test_interactive_button_reply(self):
        stored = self.receive(
            "wamid.T.button_reply",
            "interactive",
            {
                "type": "button_reply",
                "button_reply": {"id": "confirm-yes", "title": "Ja, tak"},
            },
            context={"from": "4570203040", "id": "wamid.OUT.1"},
        )
        self.assertIn("Ja, tak", self.body_of(stored))

    def test_interactive_list_reply(self):
        stored = self.receive(
            "wamid.T.list_reply",
            "interactive",
            {
                "type": "list_reply",
                "list_reply": {
                    "id": "slot-2",
                    "title": "Tirsdag 10-12",
                    "description": "Levering om formiddagen",
                },
            },
        )
        body = self.body_of(stored)
        self.assertIn("Tirsdag 10-12", body)
        self.assertIn("Levering om formiddagen", body)

    def test_template_quick_reply_button(self):
        stored = self.receive(
            "wamid.T.button",
            "button",
            {"payload": "more-info", "text": "Mere info"},
            context={"from": "4570203040", "id": "wamid.OUT.2"},
        )
        self.assertIn("Mere info", self.body_of(stored))

    def test_reaction_and_its_removal(self):
        stored = self.receive(
            "wamid.T.reaction",
            "reaction",
            {"message_id": "wamid.OUT.3", "emoji": "\U0001f44d"},
        )
        self.assertIn("Reacted \U0001f44d", self.body_of(stored))
        removed = self.receive(
            "wamid.T.unreact", "reaction", {"message_id": "wamid.OUT.3"}
        )
        self.assertIn("Removed their reaction", self.body_of(removed))

    def test_order(self):
        stored = self.receive(
            "wamid.T.order",
            "order",
            {
                "catalog_id": "1234567890",
                "text": "Levering fredag, tak",
                "product_items": [
                    {
                        "product_retailer_id": "LAMP-01",
                        "quantity": 2,
                        "item_price": 349.5,
                        "currency": "DKK",
                    },
                    {
                        "product_retailer_id": "BULB-E27",
                        "quantity": 6,
                        "item_price": 29,
                        "currency": "DKK",
                    },
                ],
            },
        )
        body = self.body_of(stored)
        self.assertIn("Order:", body)
        self.assertIn("2 × LAMP-01 (349.5 DKK)", body)
        self.assertIn("6 × BULB-E27 (29 DKK)", body)
        self.assertIn("Levering fredag, tak", body)

    def test_system_number_change(self):
        stored = self.receive(
            "wamid.T.system",
            "system",
            {
                "body": "Jens changed their phone number to a new number 4520998800",
                "new_wa_id": "4520998800",
                "type": "user_changed_number",
            },
        )
        self.assertIn("changed their phone number", self.body_of(stored))

    def test_unsupported(self):
        stored = self.receive(
            "wamid.T.unsupported",
            "unsupported",
            None,
            errors=[
                {
                    "code": 131051,
                    "title": "Message type unknown",
                    "message": "Message type unknown",
                    "error_data": {
                        "details": "Message type is currently not supported."
                    },
                }
            ],
        )
        body = self.body_of(stored)
        self.assertIn("does not pass on to businesses", body)
        self.assertIn("131051", body)

    def test_unknown_future_type_reads(self):
        stored = self.receive("wamid.T.future", "hologram", {"id": "x"})
        self.assertIn("[hologram message]", self.body_of(stored))
