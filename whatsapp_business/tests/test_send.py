from datetime import timedelta

from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.meta_graph import meta_error

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase

from .common import WhatsappCommon


class TestWhatsappSend(WhatsappCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls.Message = cls.env["whatsapp.message"]

    def _compose(self, template, user=None):
        composer = Form(
            self.env["whatsapp.composer"]
            .with_user(user or self.agent)
            .with_context(default_partner_id=self.customer.id)
        )
        composer.account_id = self.account
        composer.template_id = template
        return composer

    # -- templates -----------------------------------------------------------
    def test_send_template_from_contact(self):
        action = self.customer.action_send_whatsapp()
        self.assertEqual(action["res_model"], "whatsapp.composer")
        composer = self._compose(self.tmpl_utility)
        values = {
            (line.component, line.placeholder): line.value
            for line in composer.save().variable_ids
        }
        # merge fields pre-filled from the contact and from Meta's example
        self.assertEqual(values[("body", 1)], "Jens Jensen")
        self.assertEqual(values[("body", 2)], "12.06")
        with composer.variable_ids.edit(0) as line:  # header {{1}}
            line.value = "SO042"
        self.assertIn(
            "Hej Jens Jensen, din ordre er afsendt den 12.06.", composer.preview
        )
        wizard = composer.save()
        wizard.action_send()

        message = self.Message.search([("partner_id", "=", self.customer.id)])
        self.assertEqual(message.state, "outgoing", "sending is queued")
        self.assertFalse(self.fake.sent)
        channel = message.channel_id
        self.assertEqual(channel.whatsapp_partner_id, self.customer)
        self.assertTrue(
            (self.agent | self.colleague).partner_id
            <= channel.channel_member_ids.partner_id
        )
        self.assertIn("Jens Jensen", message.mail_message_id.body)

        self.run_queue()
        self.assertEqual(message.state, "sent")
        self.assertTrue(message.meta_id.startswith("wamid.FAKE"))
        sent = self.fake.sent[-1]
        self.assertEqual(sent["to"], "4520998877")
        self.assertEqual(sent["template"]["name"], "order_update")
        self.assertEqual(sent["template"]["language"], {"code": "da"})
        self.assertEqual(
            sent["template"]["components"],
            [
                {"type": "header", "parameters": [{"type": "text", "text": "SO042"}]},
                {
                    "type": "body",
                    "parameters": [
                        {"type": "text", "text": "Jens Jensen"},
                        {"type": "text", "text": "12.06"},
                    ],
                },
                # the URL button's suffix, from Meta's example (Meta refuses
                # the send without it: 132000)
                {
                    "type": "button",
                    "sub_type": "url",
                    "index": "0",
                    "parameters": [{"type": "text", "text": "SO042"}],
                },
            ],
        )

    def test_only_approved_templates(self):
        composer = Form(
            self.env["whatsapp.composer"].with_context(
                default_partner_id=self.customer.id
            )
        )
        composer.account_id = self.account
        domain_ids = (
            self.env["whatsapp.template"]
            .search([("account_id", "=", self.account.id), ("status", "=", "approved")])
            .ids
        )
        self.assertNotIn(self.tmpl_pending.id, domain_ids)
        with self.assertRaisesRegex(UserError, "not approved"):
            self.tmpl_pending._send_to_partner(self.customer)
        self.assertFalse(self.Message.search([("partner_id", "=", self.customer.id)]))

    def test_empty_placeholder_refused(self):
        with self.assertRaisesRegex(UserError, "Fill in every placeholder"):
            self.tmpl_utility._send_to_partner(
                self.customer, header_values={1: ""}, body_values={1: "Jens", 2: "x"}
            )

    def test_contact_without_number_refused(self):
        partner = self.env["res.partner"].create({"name": "No Phone"})
        with self.assertRaisesRegex(UserError, "no mobile number"):
            self.tmpl_auth._send_to_partner(partner, body_values={1: "123456"})

    # -- consent -------------------------------------------------------------
    def _privacy(self, on):
        self.env["ir.config_parameter"].sudo().set_param(
            "consent_management.emarketing_privacy", "True" if on else "False"
        )

    def test_marketing_needs_consent_when_privacy_switch_on(self):
        self._privacy(True)
        composer = self._compose(self.tmpl_marketing)
        self.assertTrue(composer.consent_warning)
        wizard = composer.save()
        with self.assertRaisesRegex(
            UserError, "not given consent to WhatsApp marketing"
        ):
            wizard.action_send()
        self.assertFalse(self.Message.search([("partner_id", "=", self.customer.id)]))
        # utility templates are not marketing: allowed without consent
        self.tmpl_utility._send_to_partner(
            self.customer, header_values={1: "SO1"}, body_values={1: "Jens", 2: "1.1"}
        )
        # after consent the marketing template goes out
        self.customer._consent_grant("whatsapp_marketing", source="manual")
        self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        self.assertEqual(
            [m["template"]["name"] for m in self.fake.sent],
            ["order_update", "spring_offer"],
        )

    def test_withdrawn_consent_refuses_marketing(self):
        self._privacy(True)
        self.customer._consent_grant("whatsapp_marketing", source="manual")
        self.customer._consent_withdraw("whatsapp_marketing", source="manual")
        with self.assertRaisesRegex(UserError, "consent"):
            self.tmpl_marketing._send_to_partner(self.customer)

    def test_marketing_allowed_when_privacy_switch_off(self):
        self._privacy(False)
        self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        self.assertEqual(self.fake.sent[-1]["template"]["name"], "spring_offer")

    # -- 24-hour window --------------------------------------------------------
    def test_free_text_inside_window(self):
        channel = self.conversation(hours_since_inbound=3)
        self.assertTrue(channel.whatsapp_is_window_open)
        self.assertIn("free text until", channel.description)
        channel.with_user(self.agent).message_post(
            body="Vi leverer fredag.", message_type="comment"
        )
        message = self.Message.search([("channel_id", "=", channel.id)])
        self.assertEqual(
            (message.state, message.body), ("outgoing", "Vi leverer fredag.")
        )
        self.run_queue()
        self.assertEqual(message.state, "sent")
        self.assertEqual(self.fake.sent[-1]["type"], "text")
        self.assertEqual(self.fake.sent[-1]["text"]["body"], "Vi leverer fredag.")

    def test_free_text_outside_window_refused(self):
        channel = self.conversation(hours_since_inbound=25)
        self.assertFalse(channel.whatsapp_is_window_open)
        count = len(channel.message_ids)
        with self.assertRaisesRegex(UserError, "24-hour reply window closed"):
            channel.with_user(self.agent).message_post(
                body="Hallo?", message_type="comment"
            )
        self.assertEqual(len(channel.message_ids), count)
        self.assertFalse(self.Message.search([("channel_id", "=", channel.id)]))

    def test_free_text_before_customer_wrote_refused(self):
        channel = self.conversation()
        with self.assertRaisesRegex(UserError, "has not written to you yet"):
            channel.message_post(body="Hej", message_type="comment")

    def test_window_search(self):
        open_channel = self.conversation(hours_since_inbound=1)
        other = self.env["res.partner"].create({"name": "B", "mobile": "+4530303030"})
        closed = self.conversation(other, hours_since_inbound=30)
        Channel = self.env["discuss.channel"]
        self.assertIn(
            open_channel, Channel.search([("whatsapp_is_window_open", "=", True)])
        )
        self.assertIn(closed, Channel.search([("whatsapp_is_window_open", "=", False)]))
        self.assertNotIn(
            closed, Channel.search([("whatsapp_is_window_open", "=", True)])
        )

    def test_user_can_leave_and_rejoin(self):
        channel = self.conversation(hours_since_inbound=1)
        channel.with_user(self.colleague).action_whatsapp_leave()
        self.assertNotIn(
            self.colleague.partner_id, channel.channel_member_ids.partner_id
        )
        channel.with_user(self.colleague).action_whatsapp_join()
        self.assertIn(self.colleague.partner_id, channel.channel_member_ids.partner_id)

    # -- queue and retries -----------------------------------------------------
    def _queued_text(self):
        channel = self.conversation(hours_since_inbound=1)
        channel.message_post(body="Hej", message_type="comment")
        return self.Message.search([("channel_id", "=", channel.id)], limit=1)

    def _make_due(self, message):
        message.next_attempt_date = fields.Datetime.now() - timedelta(seconds=1)

    def test_server_error_is_retried_with_backoff(self):
        message = self._queued_text()
        self.fake.queue(
            "POST", self.fake.messages_path, Reply(503, meta_error(2, "Service down"))
        )
        self.run_queue()
        self.assertEqual(message.state, "outgoing")
        self.assertEqual(message.attempt_count, 1)
        self.assertIn("Service down", message.failure_reason)
        self.assertGreater(message.next_attempt_date, fields.Datetime.now())
        # not due yet: nothing sent
        self.run_queue()
        self.assertEqual(len(self.fake.calls("POST", self.fake.messages_path)), 1)
        self._make_due(message)
        self.run_queue()
        self.assertEqual(message.state, "sent")
        self.assertEqual(message.attempt_count, 2)
        self.assertFalse(message.failure_reason)

    def test_timeout_and_rate_limit_are_retried(self):
        message = self._queued_text()
        # Odoo raises request timeouts below 10 s to 10 s during tests
        self.fake.queue("POST", self.fake.messages_path, Reply(200, {}, delay=10.5))
        self.run_queue()
        self.assertEqual((message.state, message.attempt_count), ("outgoing", 1))
        self.assertIn("in time", message.failure_reason)
        first_wait = message.next_attempt_date
        self.fake.queue(
            "POST",
            self.fake.messages_path,
            Reply(429, meta_error(130429, "Rate limit")),
        )
        self._make_due(message)
        self.run_queue()
        self.assertEqual((message.state, message.attempt_count), ("outgoing", 2))
        self.assertGreater(
            message.next_attempt_date - fields.Datetime.now(),
            timedelta(minutes=1, seconds=30),
        )
        self.assertTrue(first_wait)
        self._make_due(message)
        self.run_queue()
        self.assertEqual(message.state, "sent")

    def test_meta_down_loses_nothing(self):
        message = self._queued_text()
        self.account.base_url = "http://127.0.0.1:9"  # nothing listens there
        for _attempt in range(3):
            self._make_due(message)
            self.run_queue()
        self.assertEqual(message.state, "outgoing")
        self.assertEqual(message.attempt_count, 3)
        self.account.base_url = self.fake.url
        self._make_due(message)
        self.run_queue()
        self.assertEqual(message.state, "sent")
        self.assertEqual(self.fake.sent[-1]["text"]["body"], "Hej")

    def test_client_error_fails_with_meta_reason(self):
        message = self._queued_text()
        self.fake.queue(
            "POST",
            self.fake.messages_path,
            Reply(
                400,
                meta_error(
                    131026, "Message undeliverable", "Recipient is not on WhatsApp"
                ),
            ),
        )
        self.run_queue()
        self.assertEqual(message.state, "failed")
        self.assertIn("Recipient is not on WhatsApp", message.failure_reason)
        self.assertIn(
            "Recipient is not on WhatsApp", message.channel_id.message_ids[0].body
        )
        # a manual retry puts it back in the queue
        message.action_retry()
        self.run_queue()
        self.assertEqual(message.state, "sent")

    def test_gives_up_after_max_attempts(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "whatsapp_business.max_attempts", "2"
        )
        message = self._queued_text()
        self.fake.queue(
            "POST", self.fake.messages_path, Reply(500, meta_error(1, "Oops")), times=2
        )
        self.run_queue()
        self._make_due(message)
        self.run_queue()
        self.assertEqual(message.state, "failed")
        self.assertIn("after 2 attempts", message.failure_reason)

    def test_sender_outside_team_joins_the_conversation(self):
        outsider = self.env["res.users"].create(
            {
                "name": "Sales Sofie",
                "login": "sofie",
                "groups_id": [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        channel = self.conversation(hours_since_inbound=1)
        # sending would let anybody into the conversation (issue 14, case 8)
        with self.assertRaises(AccessError):
            self.tmpl_auth.with_user(outsider)._send_to_partner(
                self.customer, body_values={1: "123456"}
            )
        self.assertNotIn(outsider.partner_id, channel.channel_member_ids.partner_id)
        # a WhatsApp administrator outside the team follows what they send
        outsider.groups_id = [
            (4, self.env.ref("whatsapp_business.group_whatsapp_manager").id)
        ]
        self.tmpl_auth.with_user(outsider)._send_to_partner(
            self.customer, body_values={1: "123456"}
        )
        self.assertIn(outsider.partner_id, channel.channel_member_ids.partner_id)

    def test_users_cannot_rewrite_message_state(self):
        message = self._queued_text()
        with self.assertRaises(AccessError):
            message.with_user(self.agent).write({"state": "read"})
        message.write({"state": "failed"})
        message.with_user(self.agent).action_retry()
        self.assertEqual(message.state, "outgoing")

    # -- files -----------------------------------------------------------------
    def _attachment(self, channel, name, raw, mimetype):
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": raw,
                "mimetype": mimetype,
                "res_model": "discuss.channel",
                "res_id": channel.id,
            }
        )

    def test_files_are_sent_after_the_text(self):
        channel = self.conversation(hours_since_inbound=1)
        pdf = self._attachment(
            channel, "tilbud.pdf", b"%PDF-1.4 tilbud", "application/pdf"
        )
        photo = self._attachment(
            channel, "lager.jpg", b"\xff\xd8\xff jpeg", "image/jpeg"
        )
        channel.with_user(self.agent).message_post(
            body="Her er tilbuddet",
            message_type="comment",
            attachment_ids=[pdf.id, photo.id],
        )
        messages = self.Message.search([("channel_id", "=", channel.id)], order="id")
        self.assertEqual(messages.mapped("message_type"), ["text", "document", "image"])
        self.fake.queue(
            "POST", self.fake.media_path, Reply(503, meta_error(2, "Upload down"))
        )
        self.run_queue()
        self.assertEqual(messages.mapped("state"), ["sent", "outgoing", "sent"])
        # one Discuss message, one delivery mark: the least advanced of the three
        mark = messages.mail_message_id.notification_ids
        self.assertEqual(len(messages.mail_message_id), 1)
        self.assertEqual(mark.mapped("whatsapp_status"), ["outgoing"])
        messages[1].next_attempt_date = fields.Datetime.now() - timedelta(seconds=1)
        self.run_queue()
        self.assertEqual(messages.mapped("state"), ["sent", "sent", "sent"])
        self.assertEqual(mark.whatsapp_status, "sent")
        self.assertIn(b'filename="tilbud.pdf"', self.fake.uploads[-1])
        self.assertIn(b"%PDF-1.4 tilbud", self.fake.uploads[-1])
        by_type = {body["type"]: body for body in self.fake.sent}
        self.assertEqual(by_type["text"]["text"]["body"], "Her er tilbuddet")
        self.assertEqual(by_type["document"]["document"]["filename"], "tilbud.pdf")
        self.assertTrue(by_type["image"]["image"]["id"].startswith("upload-"))

    def test_too_large_file_refused(self):
        channel = self.conversation(hours_since_inbound=1)
        photo = self._attachment(
            channel, "stor.jpg", b"\xff" * (5 * 1024 * 1024 + 1), "image/jpeg"
        )
        with self.assertRaisesRegex(UserError, "too large for WhatsApp"):
            channel.message_post(
                body="Foto", message_type="comment", attachment_ids=[photo.id]
            )
        self.assertFalse(self.Message.search([("channel_id", "=", channel.id)]))
