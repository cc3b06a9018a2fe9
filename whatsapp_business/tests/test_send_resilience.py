"""What the send queue does with Meta's answers (issues 17 and 18): marketing
opt-outs (131050) and limits (131049), the closed window (131047), transient
errors retried with backoff, and two cron workers never sending one message."""

import json
from datetime import timedelta

from nordic_crm_fakes.base import Reply
from nordic_crm_fakes.meta_graph import TOKEN, meta_error

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import TransactionCase

from .common import WhatsappCommon

NUMBER = "4520998877"


class TestWhatsappSendResilience(WhatsappCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls.Message = cls.env["whatsapp.message"]
        cls.env["ir.config_parameter"].sudo().set_param(
            "consent_management.emarketing_privacy", "True"
        )
        cls.customer._consent_grant("whatsapp_marketing", source="manual")

    def setUp(self):
        super().setUp()
        for numbers in (
            self.fake.closed_windows,
            self.fake.marketing_stopped,
            self.fake.marketing_limited,
        ):
            numbers.clear()

    def consent(self):
        return self.env["consent.record"].search(
            [
                ("partner_id", "=", self.customer.id),
                ("purpose_id.code", "=", "whatsapp_marketing"),
            ]
        )

    def queued_text(self, hours_since_inbound=1, body="Hej"):
        channel = self.conversation(hours_since_inbound=hours_since_inbound)
        channel.with_user(self.agent).message_post(body=body, message_type="comment")
        return self.Message.search(
            [("channel_id", "=", channel.id), ("body", "=", body)], limit=1
        )

    def make_due(self, message):
        message.next_attempt_date = fields.Datetime.now() - timedelta(seconds=1)

    # -- 131050 / 131049 (issue 17) -------------------------------------------
    def test_131050_withdraws_marketing_and_fails_with_reason(self):
        self.fake.marketing_stopped.add(NUMBER)
        message = self.tmpl_marketing.with_user(self.agent)._send_to_partner(
            self.customer, body_values={1: "Jens", 2: "20%"}
        )
        self.run_queue()
        self.assertEqual(message.state, "failed")
        self.assertIn("stopped marketing messages", message.failure_reason)
        self.assertIn("consent is now withdrawn", message.failure_reason)
        self.assertIn("131050", message.failure_reason)
        record = self.consent()
        self.assertEqual((record.state, record.source), ("withdrawn", "whatsapp"))
        event = self.env["consent.event"].search(
            [("record_id", "=", record.id)], order="id desc", limit=1
        )
        self.assertIn("131050", event.description)
        # the reason is shown in the conversation, and nothing was sent
        self.assertIn("stopped marketing", message.channel_id.message_ids[0].body)
        self.assertFalse(self.fake.sent)
        # utility templates still go out
        self.tmpl_utility._send_to_partner(
            self.customer, header_values={1: "SO1"}, body_values={1: "J", 2: "1.1"}
        )
        self.run_queue()
        self.assertEqual(self.fake.sent[-1]["template"]["name"], "order_update")

    def test_131049_fails_without_withdrawing(self):
        self.fake.marketing_limited.add(NUMBER)
        events = self.env["consent.event"].search_count(
            [("partner_id", "=", self.customer.id)]
        )
        message = self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        self.assertEqual(message.state, "failed")
        self.assertIn(
            "Meta limits marketing messages to this person for now",
            message.failure_reason,
        )
        self.assertEqual(self.consent().state, "active")
        self.assertEqual(
            self.env["consent.event"].search_count(
                [("partner_id", "=", self.customer.id)]
            ),
            events,
        )

    def test_131050_in_a_failed_status_withdraws_too(self):
        message = self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        self.assertEqual(message.state, "sent")
        self.env["whatsapp.account"].sudo().browse(self.account.ids)._process_webhook(
            {
                "messages": [],
                "template_updates": [],
                "statuses": [
                    {
                        "wamid": message.meta_id,
                        "phone_number_id": self.fake.phone_number_id,
                        "status": "failed",
                        "error": "(#131050) Unable to deliver the message",
                        "error_codes": [131050],
                    }
                ],
            }
        )
        self.assertEqual(message.state, "failed")
        self.assertIn("stopped marketing messages", message.failure_reason)
        self.assertEqual(self.consent().state, "withdrawn")

    def test_reason_in_the_teams_language(self):
        self.env["res.lang"]._activate_lang("da_DK")
        self.env["ir.module.module"]._load_module_terms(
            ["whatsapp_business"], ["da_DK"], overwrite=True
        )
        self.agent.lang = "da_DK"
        self.colleague.lang = "da_DK"
        self.fake.marketing_limited.add(NUMBER)
        message = self.tmpl_marketing._send_to_partner(self.customer)
        self.run_queue()
        self.assertIn(
            "Meta begrænser markedsføringsbeskeder til denne person lige nu",
            message.failure_reason,
        )

    # -- the 24-hour window (issue 18) ----------------------------------------
    def test_131047_closes_the_window_and_asks_for_a_template(self):
        message = self.queued_text(hours_since_inbound=2)
        channel = message.channel_id
        self.assertTrue(channel.whatsapp_is_window_open)
        self.fake.closed_windows.add(NUMBER)
        self.run_queue()
        self.assertEqual(message.state, "failed")
        self.assertIn("send a template", message.failure_reason)
        self.assertIn("131047", message.failure_reason)
        channel.invalidate_recordset()
        self.assertFalse(channel.whatsapp_is_window_open)
        self.assertLessEqual(channel.whatsapp_window_end, fields.Datetime.now())
        # Discuss refuses the next free text up front
        with self.assertRaisesRegex(UserError, "reply window closed"):
            channel.with_user(self.agent).message_post(
                body="Hallo?", message_type="comment"
            )
        # a template is still sent, and the customer's next message reopens it
        self.fake.closed_windows.clear()
        self.tmpl_utility._send_to_partner(
            self.customer, header_values={1: "SO1"}, body_values={1: "J", 2: "1.1"}
        )
        self.run_queue()
        self.assertEqual(self.fake.sent[-1]["type"], "template")
        # a second later: a message in the very second Meta closed it stays closed
        channel._whatsapp_open_window(fields.Datetime.now() + timedelta(seconds=1))
        channel.invalidate_recordset()
        self.assertTrue(channel.whatsapp_is_window_open)

    def test_131047_pushes_the_closed_window_to_the_team(self):
        message = self.queued_text(hours_since_inbound=2)
        self.fake.closed_windows.add(NUMBER)
        Bus = self.env["bus.bus"].sudo()
        self.env.cr.precommit.run()  # notifications of the set-up, sent
        Bus.search([]).unlink()
        self.run_queue()
        self.env.cr.precommit.run()
        sent = Bus.search([("message", "like", "whatsapp_window_end")])
        targets = {tuple(json.loads(bus.channel)[1:]) for bus in sent}
        self.assertIn(("res.partner", self.agent.partner_id.id), targets)
        [data] = json.loads(sent[:1].message)["payload"]["discuss.channel"]
        self.assertEqual(
            data["whatsapp_window_end"],
            fields.Datetime.to_string(message.channel_id.whatsapp_window_end),
        )

    def test_members_cannot_reopen_or_close_the_window(self):
        channel = self.conversation(hours_since_inbound=1)
        channel._whatsapp_close_window()
        self.assertFalse(channel.whatsapp_is_window_open)
        for user in (self.agent, self.colleague):
            for value in (False, fields.Datetime.now() - timedelta(days=2)):
                with self.assertRaises(AccessError, msg=user.login):
                    channel.with_user(user).write(
                        {"whatsapp_window_closed_date": value}
                    )
        channel.invalidate_recordset()
        self.assertFalse(channel.whatsapp_is_window_open)

    def test_queued_text_fails_before_http_once_the_window_closed(self):
        # queued inside the window, retried until the window had closed
        message = self.queued_text(hours_since_inbound=23)
        self.fake.queue(
            "POST", self.fake.messages_path, Reply(503, meta_error(2, "Down"))
        )
        self.run_queue()
        self.assertEqual((message.state, message.attempt_count), ("outgoing", 1))
        channel = message.channel_id
        channel.sudo().whatsapp_last_inbound_date = fields.Datetime.now() - timedelta(
            hours=25
        )
        self.make_due(message)
        calls = len(self.fake.calls("POST", self.fake.messages_path))
        self.run_queue()
        self.assertEqual(message.state, "failed")
        self.assertIn("send a template", message.failure_reason)
        self.assertEqual(
            len(self.fake.calls("POST", self.fake.messages_path)),
            calls,
            "no HTTP call for a text Meta would refuse",
        )

    def test_files_fail_before_http_once_the_window_closed(self):
        channel = self.conversation(hours_since_inbound=1)
        channel.with_user(self.agent).message_post(
            body="Se vedhæftet",
            message_type="comment",
            attachments=[("note.txt", b"hello")],
        )
        channel.sudo().whatsapp_last_inbound_date = fields.Datetime.now() - timedelta(
            hours=30
        )
        self.run_queue()
        messages = self.Message.search([("channel_id", "=", channel.id)])
        self.assertEqual(set(messages.mapped("state")), {"failed"})
        self.assertFalse(self.fake.requests)

    # -- transient errors ------------------------------------------------------
    def test_transient_meta_codes_are_retried_with_backoff(self):
        message = self.queued_text()
        waits = []
        for status, code in ((400, 131000), (400, 131056), (429, 130429), (502, 1)):
            self.fake.queue(
                "POST",
                self.fake.messages_path,
                Reply(status, meta_error(code, f"Transient {code}")),
            )
            self.make_due(message)
            self.run_queue()
            self.assertEqual(message.state, "outgoing", code)
            self.assertIn(f"Transient {code}", message.failure_reason)
            waits.append(message.next_attempt_date - fields.Datetime.now())
        self.assertEqual(message.attempt_count, 4)
        # 1, 2, 4, 8 minutes
        self.assertEqual(
            [round(w.total_seconds() / 60) for w in waits], [1, 2, 4, 8], waits
        )
        self.make_due(message)
        self.run_queue()
        self.assertEqual((message.state, message.attempt_count), ("sent", 5))

    def test_transient_errors_fail_after_the_last_attempt(self):
        self.env["ir.config_parameter"].sudo().set_param(
            "whatsapp_business.max_attempts", "3"
        )
        message = self.queued_text()
        self.fake.queue(
            "POST",
            self.fake.messages_path,
            Reply(400, meta_error(131056, "Pair rate limit hit")),
            times=3,
        )
        for _attempt in range(3):
            self.make_due(message)
            self.run_queue()
        self.assertEqual(message.state, "failed")
        self.assertIn("after 3 attempts", message.failure_reason)
        self.assertIn("Pair rate limit hit", message.failure_reason)


class TestWhatsappQueueLocking(WhatsappCommon, TransactionCase):
    """Two cron workers (two database cursors) never send the same message.

    The rows must be visible to both cursors, so they are committed from a
    third cursor and removed again afterwards.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from nordic_crm_fakes.meta_graph import FakeMetaGraph

        cls.fake = FakeMetaGraph().start()
        cls.addClassCleanup(cls.fake.stop)

    def _commit_queue(self):
        with self.registry.cursor() as cr:
            env = self.env(cr=cr)
            account = env["whatsapp.account"].create(
                {
                    "name": "Locking test",
                    "phone_number_id": self.fake.phone_number_id,
                    "business_account_id": self.fake.waba_id,
                    "access_token": TOKEN,
                    "base_url": self.fake.url,
                    "api_version": self.fake.version,
                }
            )
            messages = env["whatsapp.message"].create(
                [
                    {
                        "account_id": account.id,
                        "direction": "outbound",
                        "state": "outgoing",
                        "recipient": f"45209900{index:02d}",
                        "body": f"Besked {index}",
                    }
                    for index in range(4)
                ]
            )
            # both worker cursors must see the rows: the test's own cursor cannot
            cr.commit()  # pylint: disable=invalid-commit
            return account.id, messages.ids

    def _cleanup(self, account_id):
        with self.registry.cursor() as cr:
            self.env(cr=cr)["whatsapp.account"].browse(account_id).unlink()
            cr.commit()  # pylint: disable=invalid-commit

    def test_two_workers_never_send_the_same_message(self):
        account_id, ids = self._commit_queue()
        self.addCleanup(self._cleanup, account_id)
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a, env_b = self.env(cr=cr_a), self.env(cr=cr_b)
            # worker A claims two messages and holds their locks
            claimed_a = env_a["whatsapp.message"]._claim_due(batch_size=2)
            self.assertEqual(len(claimed_a), 2)
            # worker B runs the whole cron meanwhile: it skips A's rows
            env_b["whatsapp.message"]._cron_send_outgoing()
            sent_b = (
                env_b["whatsapp.message"]
                .browse(ids)
                .filtered(lambda m: m.state == "sent")
            )
            self.assertEqual(len(sent_b), 2)
            self.assertFalse(sent_b & claimed_a.with_env(env_b))
            cr_b.commit()
            claimed_a._send()
            cr_a.commit()
        bodies = [body["text"]["body"] for body in self.fake.sent]
        self.assertEqual(sorted(bodies), [f"Besked {i}" for i in range(4)])
        with self.registry.cursor() as cr:
            states = self.env(cr=cr)["whatsapp.message"].browse(ids).mapped("state")
            self.assertEqual(states, ["sent"] * 4)
