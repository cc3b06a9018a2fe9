import base64
from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import APP_SECRET, VERIFY_TOKEN, WhatsappCommon, epoch

URL = "/whatsapp/webhook"


@tagged("post_install", "-at_install")
class TestWhatsappWebhook(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls.Message = cls.env["whatsapp.message"]

    def post(self, payload, secret=APP_SECRET, raw=None, headers=None):
        body, signed_headers = self.signed(payload, secret)
        if raw is not None:
            body = raw
        return self.url_open(URL, data=body, headers=headers or signed_headers)

    def snapshot(self):
        """Counts a refused or replayed webhook must leave unchanged."""
        return (
            self.env["res.partner"].search_count([]),
            self.env["discuss.channel"].search_count([]),
            self.env["mail.message"].search_count([]),
            self.Message.search_count([]),
            self.env["ir.attachment"].search_count([]),
            tuple(self.Message.search([]).mapped("state")),
        )

    # -- handshake -------------------------------------------------------------
    def test_verification_handshake(self):
        ok = self.url_open(
            f"{URL}?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}"
            "&hub.challenge=1158201444"
        )
        self.assertEqual((ok.status_code, ok.text), (200, "1158201444"))
        wrong = self.url_open(
            f"{URL}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1"
        )
        self.assertEqual(wrong.status_code, 403)
        self.assertNotIn("1", wrong.text.replace("403", ""))

    # -- inbound ---------------------------------------------------------------
    def test_inbound_from_new_number_creates_contact_and_conversation(self):
        sent_at = fields.Datetime.now().replace(microsecond=0) - timedelta(minutes=5)
        response = self.post(
            self.inbound_payload(
                "wamid.IN.1",
                sender="31687654321",
                text="Goedendag!",
                name="Joost",
                timestamp=sent_at,
            )
        )
        self.assertEqual(response.status_code, 200)
        message = self.Message.search([("meta_id", "=", "wamid.IN.1")])
        self.assertEqual((message.direction, message.state), ("inbound", "received"))
        partner = message.partner_id
        self.assertEqual(partner.name, "Joost")
        self.assertEqual(partner.mobile_e164, "+31687654321")
        channel = message.channel_id
        self.assertEqual(channel.whatsapp_partner_id, partner)
        self.assertEqual(
            channel.channel_member_ids.partner_id,
            (self.agent | self.colleague).partner_id,
        )
        post = message.mail_message_id
        self.assertEqual(
            (post.author_id, post.model, post.res_id),
            (partner, "discuss.channel", channel.id),
        )
        self.assertIn("Goedendag!", post.body)
        self.assertEqual(channel.whatsapp_window_end, sent_at + timedelta(hours=24))
        self.assertTrue(channel.whatsapp_is_window_open)

    def test_inbound_matches_existing_contact_by_phone(self):
        # the customer's mobile is stored in national format ("20 99 88 77", DK)
        self.post(self.inbound_payload("wamid.IN.2", sender="4520998877"))
        message = self.Message.search([("meta_id", "=", "wamid.IN.2")])
        self.assertEqual(message.partner_id, self.customer)
        # a second message lands in the same conversation
        self.post(self.inbound_payload("wamid.IN.3", sender="4520998877", text="Igen"))
        second = self.Message.search([("meta_id", "=", "wamid.IN.3")])
        self.assertEqual(second.channel_id, message.channel_id)

    def test_inbound_opens_window_for_free_text_reply(self):
        channel = self.conversation(hours_since_inbound=30)
        self.assertFalse(channel.whatsapp_is_window_open)
        self.post(self.inbound_payload("wamid.IN.4", sender="4520998877"))
        channel.invalidate_recordset()
        self.assertTrue(channel.whatsapp_is_window_open)
        channel.with_user(self.agent).message_post(body="Svar", message_type="comment")
        self.run_queue()
        self.assertEqual(self.fake.sent[-1]["text"]["body"], "Svar")

    def test_inbound_media_becomes_attachment(self):
        self.fake.add_media("media-77", b"%PDF-1.4 invoice", "application/pdf")
        payload = self.inbound_payload(
            "wamid.IN.5",
            extra={
                "type": "document",
                "document": {
                    "id": "media-77",
                    "mime_type": "application/pdf",
                    "filename": "faktura.pdf",
                    "caption": "Min faktura",
                },
            },
        )
        del payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]
        self.post(payload)
        post = self.Message.search([("meta_id", "=", "wamid.IN.5")]).mail_message_id
        self.assertIn("Min faktura", post.body)
        self.assertEqual(post.attachment_ids.name, "faktura.pdf")
        self.assertEqual(
            base64.b64decode(post.attachment_ids.datas), b"%PDF-1.4 invoice"
        )

    def test_sender_with_meta_user_id_only(self):
        bsuid = "BR.1502576394655843"
        payload = self.inbound_payload(
            "wamid.IN.6",
            sender=bsuid,
            contact={"profile": {"name": "Anonymous fan"}, "user_id": bsuid},
        )
        self.post(payload)
        message = self.Message.search([("meta_id", "=", "wamid.IN.6")])
        self.assertEqual(message.partner_id.whatsapp_user_id, bsuid)
        self.assertFalse(message.partner_id.mobile)
        self.assertEqual(message.channel_id.whatsapp_number, bsuid)
        # replies inside the window go to the user id
        message.channel_id.message_post(body="Tak!", message_type="comment")
        self.run_queue()
        self.assertEqual(self.fake.sent[-1]["to"], bsuid)

    def test_replayed_inbound_writes_nothing(self):
        payload = self.inbound_payload("wamid.IN.7", sender="4520998877")
        self.assertEqual(self.post(payload).status_code, 200)
        before = self.snapshot()
        again = self.post(payload)
        self.assertEqual(again.status_code, 200)
        self.assertEqual(self.snapshot(), before)

    def test_unsigned_webhook_writes_nothing(self):
        before = self.snapshot()
        payload = self.inbound_payload("wamid.IN.8", sender="4599999999")
        response = self.post(payload, secret=None)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.snapshot(), before)

    def test_forged_webhook_writes_nothing(self):
        before = self.snapshot()
        payload = self.inbound_payload("wamid.IN.9", sender="4599999999")
        self.assertEqual(self.post(payload, secret="guessed").status_code, 403)
        # a valid signature of another body does not fit a tampered body
        body, headers = self.signed(payload)
        tampered = body.replace(b"Hej", b"Pay")
        self.assertEqual(
            self.post(payload, raw=tampered, headers=headers).status_code, 403
        )
        self.assertEqual(self.snapshot(), before)

    def test_no_app_secret_refuses_everything(self):
        self.account.app_secret = False
        before = self.snapshot()
        payload = self.inbound_payload("wamid.IN.10", sender="4599999999")
        self.assertEqual(self.post(payload, secret="").status_code, 403)
        self.assertEqual(self.post(payload, secret=APP_SECRET).status_code, 403)
        self.assertEqual(self.snapshot(), before)

    # -- statuses --------------------------------------------------------------
    def _sent_template(self):
        message = self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        self.assertEqual(message.state, "sent")
        return message

    def test_status_progression_and_pricing(self):
        message = self._sent_template()
        pricing = {
            "billable": True,
            "pricing_model": "PMP",
            "category": "marketing",
            "type": "regular",
        }
        self.post(self.status_payload(message.meta_id, "sent"))
        self.assertEqual(message.state, "sent")
        self.post(self.status_payload(message.meta_id, "delivered", pricing=pricing))
        self.assertEqual(message.state, "delivered")
        self.assertEqual(
            (message.pricing_category, message.pricing_model, message.is_billable),
            ("marketing", "PMP", True),
        )
        self.assertEqual(message.estimated_cost, 0.5)
        self.post(self.status_payload(message.meta_id, "read", pricing=pricing))
        self.assertEqual(message.state, "read")
        # a late duplicate "delivered" does not move the message back
        before = self.snapshot()
        self.post(self.status_payload(message.meta_id, "delivered", pricing=pricing))
        self.assertEqual(message.state, "read")
        self.assertEqual(self.snapshot(), before)

    def test_failed_status_shows_meta_error(self):
        message = self._sent_template()
        errors = [
            {
                "code": 131049,
                "title": "This message was not delivered to maintain healthy "
                "ecosystem engagement.",
                "message": "This message was not delivered to maintain healthy "
                "ecosystem engagement.",
                "error_data": {"details": "In order to maintain a healthy ecosystem"},
            }
        ]
        self.post(self.status_payload(message.meta_id, "failed", errors=errors))
        self.assertEqual(message.state, "failed")
        self.assertIn("(#131049)", message.failure_reason)
        notice = message.channel_id.message_ids[0]
        self.assertIn("healthy ecosystem", notice.body)

    def test_forged_status_writes_nothing(self):
        message = self._sent_template()
        before = self.snapshot()
        response = self.post(
            self.status_payload(message.meta_id, "read"), secret="not-the-secret"
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(message.state, "sent")
        self.assertEqual(self.snapshot(), before)

    def test_report_groups_cost_by_month_and_category(self):
        message = self._sent_template()
        pricing = {"billable": True, "pricing_model": "PMP", "category": "marketing"}
        self.post(self.status_payload(message.meta_id, "delivered", pricing=pricing))
        groups = self.Message._read_group(
            [("account_id", "=", self.account.id)],
            ["message_date:month", "pricing_category"],
            ["__count", "estimated_cost:sum"],
        )
        marketing = [g for g in groups if g[1] == "marketing"]
        self.assertEqual(len(marketing), 1)
        self.assertEqual((marketing[0][2], marketing[0][3]), (1, 0.5))
        self.assertTrue(epoch(fields.Datetime.now()))

    def test_read_may_skip_delivered(self):
        message = self._sent_template()
        self.post(self.status_payload(message.meta_id, "read"))
        self.assertEqual(message.state, "read")
        # a failure reported after "read" is stale and ignored
        self.post(self.status_payload(message.meta_id, "failed", errors=[{"code": 1}]))
        self.assertEqual(message.state, "read")

    def test_unknown_message_status_is_ignored(self):
        before = self.snapshot()
        response = self.post(self.status_payload("wamid.SOMEONE.ELSE", "delivered"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.snapshot(), before)

    def test_customer_reply_is_threaded(self):
        message = self._sent_template()
        self.post(
            self.inbound_payload(
                "wamid.IN.11", text="Ja tak", extra={"context": {"id": message.meta_id}}
            )
        )
        reply = self.Message.search([("meta_id", "=", "wamid.IN.11")])
        self.assertEqual(reply.mail_message_id.parent_id, message.mail_message_id)

    def test_template_status_update(self):
        payload = self.envelope(
            {
                "event": "REJECTED",
                "message_template_id": int(self.tmpl_pending.meta_id),
                "message_template_name": self.tmpl_pending.name,
                "message_template_language": "nl",
                "reason": "INCORRECT_CATEGORY",
            },
            field="message_template_status_update",
        )
        self.assertEqual(self.post(payload, secret="forged").status_code, 403)
        self.assertEqual(self.tmpl_pending.status, "pending")
        self.post(payload)
        self.assertEqual(self.tmpl_pending.status, "rejected")
        self.assertEqual(self.tmpl_pending.rejection_reason, "INCORRECT_CATEGORY")

    def test_other_account_items_are_ignored(self):
        """A body signed with our secret but addressed to a number we do not
        manage writes nothing."""
        payload = self.inbound_payload("wamid.IN.12", sender="4511111111")
        value = payload["entry"][0]["changes"][0]["value"]
        value["metadata"]["phone_number_id"] = "999"
        payload["entry"][0]["id"] = "888"
        before = self.snapshot()
        self.assertEqual(self.post(payload).status_code, 200)
        self.assertEqual(self.snapshot(), before)

    def test_template_recategorised_by_meta(self):
        payload = self.envelope(
            {
                "message_template_id": int(self.tmpl_utility.meta_id),
                "message_template_name": self.tmpl_utility.name,
                "message_template_language": "da",
                "previous_category": "UTILITY",
                "new_category": "MARKETING",
            },
            field="template_category_update",
        )
        self.post(payload)
        self.assertEqual(self.tmpl_utility.category, "marketing")
        # from now on the consent rule applies to it
        self.env["ir.config_parameter"].sudo().set_param(
            "consent_management.emarketing_privacy", "True"
        )
        with self.assertRaisesRegex(UserError, "consent"):
            self.tmpl_utility._send_to_partner(self.customer)

    def test_stop_reply_withdraws_marketing_consent(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "consent_management.emarketing_privacy", "True"
        )
        self.customer._consent_grant("whatsapp_marketing", source="manual")
        self.tmpl_marketing._send_to_partner(self.customer)  # allowed
        payload = self.inbound_payload("wamid.IN.13", text=" Stop ")
        self.post(payload)
        record = self.env["consent.record"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("purpose_id.code", "=", "whatsapp_marketing"),
            ]
        )
        self.assertEqual((record.state, record.source), ("withdrawn", "whatsapp"))
        channel = self.Message.search([("meta_id", "=", "wamid.IN.13")]).channel_id
        self.assertIn("consent withdrawn", channel.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "consent"):
            self.tmpl_marketing._send_to_partner(self.customer)
        # the replayed webhook does not log a second withdrawal
        events = self.env["consent.event"].search_count(
            [("partner_id", "=", self.customer.id)]
        )
        self.post(payload)
        self.assertEqual(
            self.env["consent.event"].search_count(
                [("partner_id", "=", self.customer.id)]
            ),
            events,
        )

    def test_conversation_everybody_left_returns_to_the_team(self):
        self.post(self.inbound_payload("wamid.IN.14"))
        channel = self.Message.search([("meta_id", "=", "wamid.IN.14")]).channel_id
        channel.with_user(self.agent).action_whatsapp_leave()
        channel.with_user(self.colleague).action_whatsapp_leave()
        self.assertFalse(
            channel.channel_member_ids.partner_id
            & (self.agent | self.colleague).partner_id
        )
        self.post(self.inbound_payload("wamid.IN.15", text="Hallo?"))
        self.assertEqual(
            channel.channel_member_ids.partner_id
            & (self.agent | self.colleague).partner_id,
            (self.agent | self.colleague).partner_id,
        )

    def test_status_signed_by_another_account_is_ignored(self):
        message = self._sent_template()
        other = self.env["whatsapp.account"].create(
            {
                "name": "Other number",
                "phone_number_id": "777",
                "business_account_id": "778",
                "app_secret": "other-secret",
            }
        )
        payload = self.status_payload(message.meta_id, "read")
        payload["entry"][0]["id"] = other.business_account_id
        value = payload["entry"][0]["changes"][0]["value"]
        value["metadata"]["phone_number_id"] = other.phone_number_id
        self.assertEqual(self.post(payload, secret="other-secret").status_code, 200)
        self.assertEqual(message.state, "sent")
