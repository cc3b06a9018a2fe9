import base64
from datetime import timedelta

from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.meta_graph import meta_error

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests.common import TransactionCase

from .common import WhatsappCommon

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
PDF = "%PDF-1.4 forårskatalog".encode()


class TestMediaHeader(WhatsappCommon, TransactionCase):
    """Templates with an image, video or document header send their file."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls.Message = cls.env["whatsapp.message"]
        # as Meta lists a template with an image header (example: a handle
        # of the file uploaded when the template was submitted)
        cls.fake.templates.append(
            {
                "id": "2001",
                "name": "spring_catalogue",
                "language": "da",
                "status": "APPROVED",
                "category": "UTILITY",
                "components": [
                    {
                        "type": "HEADER",
                        "format": "IMAGE",
                        "example": {"header_handle": ["4::aW1hZ2UvcG5n:ARb"]},
                    },
                    {
                        "type": "BODY",
                        "text": "Hej {{1}}, her er vores forårskatalog.",
                        "example": {"body_text": [["Jens"]]},
                    },
                ],
            }
        )
        cls.account.action_sync_templates()
        cls.template = cls.account.template_ids.filtered(
            lambda t: t.name == "spring_catalogue"
        )

    def add_file(self, raw=PNG, name="forår.png"):
        self.template.write(
            {"header_file": base64.b64encode(raw), "header_filename": name}
        )

    def sent_header(self, index=-1):
        components = self.fake.sent[index]["template"]["components"]
        self.assertEqual(components[0]["type"], "header")
        return components[0]["parameters"][0]

    def test_without_file_not_sendable(self):
        self.assertFalse(self.template.is_sendable)
        self.assertIn("[Image: file to add]", self.template.preview)
        with self.assertRaisesRegex(UserError, "add the header file"):
            self.template._send_to_partner(self.customer)
        self.assertFalse(self.Message.search([("template_id", "=", self.template.id)]))

    def test_wrong_file_type_refused(self):
        with self.assertRaisesRegex(ValidationError, "application/pdf"):
            self.add_file(PDF, "katalog.pdf")
        text = self.env["whatsapp.template"].create(
            {
                "account_id": self.account.id,
                "name": "plain",
                "language": "da",
                "category": "utility",
                "status": "approved",
                "body": "Hej",
            }
        )
        with self.assertRaisesRegex(ValidationError, "takes no header file"):
            text.header_file = base64.b64encode(PNG)

    def test_file_uploaded_once_and_sent_in_the_header(self):
        self.add_file()
        self.assertTrue(self.template.is_sendable)
        self.assertIn("[Image: forår.png]", self.template.preview)
        first = self.template._send_to_partner(self.customer)
        second = self.template._send_to_partner(self.customer)
        uploads = len(self.fake.uploads)
        self.run_queue()
        self.assertEqual((first | second).mapped("state"), ["sent", "sent"])
        self.assertEqual(len(self.fake.uploads), uploads + 1, "one upload for both")
        self.assertIn(PNG, self.fake.uploads[-1])
        media_id = self.template.header_media_id
        self.assertTrue(media_id.startswith("upload-"))
        for index in (-2, -1):
            self.assertEqual(
                self.sent_header(index), {"type": "image", "image": {"id": media_id}}
            )
        body = self.fake.sent[-1]["template"]["components"][1]
        self.assertEqual(body["type"], "body")
        self.assertEqual(body["parameters"][0]["text"], self.customer.name)

    def test_old_upload_and_new_file_are_uploaded_again(self):
        self.add_file()
        self.template._send_to_partner(self.customer)
        self.run_queue()
        first_id = self.template.header_media_id
        # Meta forgets uploads after 30 days
        self.template.header_media_date = fields.Datetime.now() - timedelta(days=26)
        self.template._send_to_partner(self.customer)
        self.run_queue()
        self.assertNotEqual(self.template.header_media_id, first_id)
        # a new file replaces the upload
        self.add_file(PNG + b"v2", "forår-v2.png")
        self.assertFalse(self.template.header_media_id)
        self.template._send_to_partner(self.customer)
        self.run_queue()
        self.assertIn(PNG + b"v2", self.fake.uploads[-1])

    def test_document_header_sends_the_file_name(self):
        # Meta checks the header against the approved template: make it a document
        meta = next(t for t in self.fake.templates if t["name"] == "spring_catalogue")
        self.addCleanup(meta["components"][0].update, {"format": "IMAGE"})
        meta["components"][0]["format"] = "DOCUMENT"
        self.template.header_format = "document"
        self.add_file(PDF, "katalog.pdf")
        self.template._send_to_partner(self.customer)
        self.run_queue()
        header = self.sent_header()
        self.assertEqual(header["type"], "document")
        self.assertEqual(header["document"]["filename"], "katalog.pdf")

    def test_upload_failure_is_retried_and_loses_nothing(self):
        self.add_file()
        message = self.template._send_to_partner(self.customer)
        self.fake.queue(
            "POST", self.fake.media_path, Reply(503, meta_error(2, "Upload down"))
        )
        self.run_queue()
        self.assertEqual(message.state, "outgoing")
        self.assertFalse(self.template.header_media_id)
        message.next_attempt_date = fields.Datetime.now() - timedelta(seconds=1)
        self.run_queue()
        self.assertEqual(message.state, "sent")
        self.assertEqual(
            self.sent_header()["image"]["id"], self.template.header_media_id
        )

    def test_changed_header_type_at_sync_drops_the_file(self):
        self.add_file()
        parsed = {
            "meta_id": "2001",
            "name": "spring_catalogue",
            "language": "da",
            "category": "utility",
            "status": "approved",
            "header_format": "video",
            "header_text": False,
            "body": self.template.body,
            "footer": False,
            "buttons": [],
            "body_examples": [],
            "header_examples": [],
        }
        vals = self.env["whatsapp.template"]._vals_from_parsed(parsed)
        examples = vals.pop("_examples")
        self.template._update_from_parsed(vals, parsed, examples)
        self.assertEqual(self.template.header_format, "video")
        self.assertFalse(self.template.header_file)
        self.assertFalse(self.template.is_sendable)

    def test_refused_upload_fails_the_message_and_stores_nothing(self):
        self.add_file()
        message = self.template._send_to_partner(self.customer)
        sent = len(self.fake.sent)
        self.fake.queue(
            "POST",
            self.fake.media_path,
            Reply(400, meta_error(131053, "Media upload error", "Unsupported type")),
        )
        self.run_queue()
        self.assertEqual(message.state, "failed")
        self.assertIn("Media upload error", message.failure_reason)
        self.assertFalse(self.template.header_media_id)
        self.assertEqual(len(self.fake.sent), sent, "no template sent without it")

    def test_removed_file_fails_the_queued_message(self):
        self.add_file()
        message = self.template._send_to_partner(self.customer)
        self.template.header_file = False
        self.run_queue()
        self.assertEqual(message.state, "failed")
        self.assertIn("no header file any more", message.failure_reason)
