"""Storing webhook events once and what they change (set-based)."""

import time

from nordic_crm_fakes.smtp import FakeSMTPServer

from odoo import Command
from odoo.tests import tagged

from odoo.addons.mail.tools.discuss import Store

from .common import SendgridCommon, real_smtp_sending


@tagged("post_install", "-at_install")
class TestIngest(SendgridCommon):
    def test_delivered_open_click_bounce_follow_traces(self):
        trace_nl = self.traces[1]
        status, result = self.receive(
            [
                self.event("delivered"),
                self.event("open", useragent="Mozilla/5.0", ip="10.0.0.1"),
                self.event("click", url="https://nordlys.example/tilbud"),
                self.event("delivered", trace=trace_nl),
                self.event(
                    "bounce",
                    trace=trace_nl,
                    type="bounce",
                    reason="550 5.1.1 The email account does not exist",
                    status="5.1.1",
                    bounce_classification="Invalid Address",
                ),
            ]
        )
        self.assertEqual(status, 200)
        self.assertEqual(result["stored"], 5)
        events = self.env["sendgrid.event"].search(
            [("mailing_trace_id", "in", self.traces.ids)]
        )
        self.assertEqual(len(events), 5)
        self.assertEqual(events.mailing_id, self.mailing)
        self.assertEqual(
            set(
                events.filtered(
                    lambda e: e.mailing_trace_id == self.trace
                ).partner_id.ids
            ),
            {self.partner.id},
        )
        click = events.filtered(lambda e: e.event_type == "click")
        self.assertEqual(click.url, "https://nordlys.example/tilbud")
        self.assertEqual(click.mail_mail_id_int, self.trace.mail_mail_id_int)
        self.assertEqual(self.trace.trace_status, "open")
        self.assertTrue(self.trace.open_datetime)
        self.assertTrue(self.trace.links_click_datetime)
        self.assertEqual(trace_nl.trace_status, "bounce")
        self.assertEqual(trace_nl.failure_type, "mail_bounce")
        bounce = events.filtered(lambda e: e.event_type == "bounce")
        self.assertEqual(bounce.bounce_classification, "Invalid Address")
        self.assertEqual(bounce.partner_id, self.partner_nl)
        # hard bounce: the address is marked invalid with reason and date
        self.assertTrue(self.partner_nl.is_email_invalid)
        self.assertIn("does not exist", self.partner_nl.email_invalid_reason)
        self.assertTrue(self.partner_nl.email_invalid_date)
        self.assertFalse(self.partner.is_email_invalid)
        # the mailing statistics read the traces
        self.mailing.invalidate_recordset()
        self.assertEqual(self.mailing.bounced, 1)
        self.assertEqual(self.mailing.opened, 1)
        self.assertEqual(self.mailing.sendgrid_event_count, 5)

    def test_hard_bounce_schedules_activity_for_salesperson(self):
        self.receive([self.event("bounce", type="bounce", reason="550 No such user")])
        self.assertTrue(self.partner.is_email_invalid)
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.partner.id)]
        )
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("sendgrid_delivery.mail_activity_type_email_bounced"),
        )
        self.assertIn("Anne Andersen", activity.summary)
        self.assertIn("New job", str(activity.note))
        # and the contact's chatter says so
        self.assertIn("bounced permanently", str(self.partner.message_ids[:1].body))
        # and so does the consent history, once
        bounce_events = self.env["consent.event"].search(
            [("partner_id", "=", self.partner.id), ("source", "=", "bounce")]
        )
        self.assertEqual(len(bounce_events), 1)
        self.assertEqual(bounce_events.purpose_id.code, "emarketing")
        # a second bounce does not pile up activities
        self.receive([self.event("bounce", type="bounce", reason="550 No such user")])
        self.assertEqual(
            self.env["mail.activity"].search_count(
                [("res_model", "=", "res.partner"), ("res_id", "=", self.partner.id)]
            ),
            1,
        )
        self.assertEqual(
            self.env["consent.event"].search_count(
                [("partner_id", "=", self.partner.id), ("source", "=", "bounce")]
            ),
            1,
        )

    def test_hard_bounce_counts_on_mailing_list_contact(self):
        contact = self.env["mailing.contact"].create(
            {"name": "Anne", "email": "Anne@Kunde.example"}
        )
        self.receive([self.event("bounce", reason="550 5.1.1 unknown")])
        self.assertEqual(contact.message_bounce, 1)

    def test_blocked_bounce_is_not_a_dead_address(self):
        self.receive([self.event("bounce", type="blocked", reason="IP blocked")])
        self.assertEqual(self.trace.trace_status, "bounce")
        self.assertFalse(self.partner.is_email_invalid)

    def test_dropped_bounced_address_marks_invalid(self):
        self.receive([self.event("dropped", reason="Bounced Address")])
        self.assertTrue(self.partner.is_email_invalid)
        self.assertEqual(self.trace.trace_status, "error")
        self.assertEqual(self.trace.failure_type, "mail_email_invalid")

    def test_new_address_clears_invalid_flag(self):
        self.receive([self.event("bounce", reason="550 gone")])
        self.assertTrue(self.partner.is_email_invalid)
        self.partner.email = "anne@nyt-job.example"
        self.assertFalse(self.partner.is_email_invalid)
        self.assertFalse(self.partner.email_invalid_reason)

    def test_spam_report_blacklists_withdraws_and_tells_salesperson(self):
        self.receive([self.event("spamreport")])
        self.assertTrue(
            self.env["mail.blacklist"].search([("email", "=", "anne@kunde.example")])
        )
        self.assertEqual(self.partner.emarketing_state, "withdrawn")
        consent_event = self.env["consent.event"].search(
            [("partner_id", "=", self.partner.id), ("event_type", "=", "withdraw")]
        )
        self.assertEqual(consent_event.source, "spam_report")
        activity = self.env["mail.activity"].search(
            [
                ("res_model", "=", "res.partner"),
                ("res_id", "=", self.partner.id),
                (
                    "activity_type_id",
                    "=",
                    self.env.ref("sendgrid_delivery.mail_activity_type_spam_report").id,
                ),
            ]
        )
        self.assertEqual(activity.user_id, self.salesperson)

    def test_unsubscribe_withdraws_consent(self):
        self.receive([self.event("unsubscribe")])
        self.assertEqual(self.partner.emarketing_state, "withdrawn")
        # the contact's history names the unsubscribe (whatever else it holds)
        self.assertIn(
            "unsubscribe_link",
            self.env["consent.event"]
            .search([("partner_id", "=", self.partner.id)])
            .mapped("source"),
        )
        self.assertTrue(
            self.env["mail.blacklist"].search([("email", "=", "anne@kunde.example")])
        )

    def _anne_on_a_list(self):
        """Anne on the list the mailing goes to: her list subscription."""
        mailing_list = self.env["mailing.list"].create({"name": "Nyheder"})
        contact = self.env["mailing.contact"].create(
            {
                "name": "Anne",
                "email": "anne@kunde.example",
                "subscription_ids": [Command.create({"list_id": mailing_list.id})],
            }
        )
        self.mailing.mailing_model_id = self.env["ir.model"]._get_id("mailing.list")
        self.mailing.contact_list_ids = mailing_list
        self.assertEqual(self.mailing.contact_list_ids, mailing_list)
        return contact.subscription_ids

    def test_group_unsubscribe_opts_out_of_mailing_lists(self):
        subscription = self._anne_on_a_list()
        self.receive([self.event("group_unsubscribe", asm_group_id=42)])
        self.assertTrue(subscription.opt_out)
        # the person rejoins later (SendGrid's times are whole seconds)
        self.receive(
            [
                self.event(
                    "group_resubscribe", asm_group_id=42, timestamp=int(time.time())
                )
            ]
        )
        self.assertFalse(subscription.opt_out)

    def test_group_events_latest_wins_in_a_batch_and_across_retries(self):
        """An unbound group's (un)subscribes: per address and group the latest
        event decides, whatever order SendGrid sends them in."""
        subscription = self._anne_on_a_list()
        now = int(time.time())
        # one batch: resubscribe at 12:00, unsubscribe at 12:01, listed in that
        # order: the person left last
        self.receive(
            [
                self.event("group_resubscribe", asm_group_id=42, timestamp=now - 120),
                self.event("group_unsubscribe", asm_group_id=42, timestamp=now - 60),
            ]
        )
        self.assertTrue(subscription.opt_out)
        # SendGrid retries an older batch: its 11:59 resubscribe changes nothing
        retried = self.event("group_resubscribe", asm_group_id=42, timestamp=now - 180)
        status, result = self.receive([retried])
        self.assertEqual((status, result["stored"]), (200, 1))
        self.assertTrue(subscription.opt_out, "a retried older event undid the opt-out")
        self.assertTrue(
            self.env["sendgrid.event"].search(
                [("sg_event_id", "=", retried["sg_event_id"])]
            ),
            "the overridden event stays in the log",
        )
        # a later resubscribe (the person's own act in SendGrid) applies
        self.receive([self.event("group_resubscribe", asm_group_id=42, timestamp=now)])
        self.assertFalse(subscription.opt_out)
        # another group of the same address is its own history
        self.receive(
            [self.event("group_unsubscribe", asm_group_id=43, timestamp=now - 300)]
        )
        self.assertTrue(subscription.opt_out)

    def test_group_unsubscribes_through_two_mailings_leave_both_lists(self):
        """Two unsubscribes of one group in a batch, through two mailings of
        two lists: both lists are left, not only the last mailing's."""
        lists = self.env["mailing.list"].create([{"name": "A"}, {"name": "B"}])
        contact = self.env["mailing.contact"].create(
            {
                "name": "Anne",
                "email": "anne@kunde.example",
                "subscription_ids": [
                    Command.create({"list_id": each.id}) for each in lists
                ],
            }
        )
        list_model = self.env["ir.model"]._get_id("mailing.list")
        other = self.mailing.copy()
        for mailing, mailing_list in zip(self.mailing | other, lists, strict=True):
            mailing.mailing_model_id = list_model
            mailing.contact_list_ids = mailing_list
            self.assertEqual(mailing.contact_list_ids, mailing_list)
        other_trace = self.trace.copy({"mass_mailing_id": other.id})
        self.assertEqual(other_trace.mass_mailing_id, other)
        now = int(time.time())
        self.receive(
            [
                self.event("group_unsubscribe", asm_group_id=42, timestamp=now - 120),
                self.event(
                    "group_unsubscribe",
                    trace=other_trace,
                    asm_group_id=42,
                    timestamp=now - 60,
                ),
            ]
        )
        stored = self.env["sendgrid.event"].search(
            [("event_type", "=", "group_unsubscribe")]
        )
        self.assertEqual(stored.mailing_id, self.mailing | other)
        self.assertEqual(contact.subscription_ids.mapped("opt_out"), [True, True])

    def test_group_events_at_the_same_second_the_unsubscribe_wins(self):
        subscription = self._anne_on_a_list()
        now = int(time.time()) - 60
        # in one batch, listed resubscribe last
        self.receive(
            [
                self.event("group_unsubscribe", asm_group_id=42, timestamp=now),
                self.event("group_resubscribe", asm_group_id=42, timestamp=now),
            ]
        )
        self.assertTrue(subscription.opt_out)
        # across batches: a retried resubscribe of that second
        self.receive([self.event("group_resubscribe", asm_group_id=42, timestamp=now)])
        self.assertTrue(subscription.opt_out, "a tie gave the resubscribe the win")

    def test_chatter_status_follows_bounce(self):
        notification = self.message.notification_ids.filtered(
            lambda n: n.res_partner_id == self.partner
        )
        self.assertTrue(notification)
        self.receive(
            [
                self.event(
                    "bounce",
                    trace=self.env["mailing.trace"],
                    message=self.message,
                    email="anne@kunde.example",
                    odoo_partner_id=str(self.partner.id),
                    reason="550 unknown user",
                )
            ]
        )
        self.assertEqual(notification.notification_status, "bounce")
        self.assertEqual(notification.failure_reason, "550 unknown user")
        self.assertEqual(self.message.sendgrid_event_count, 1)
        self.assertEqual(self.partner.sendgrid_event_count, 1)

    def test_replayed_batch_changes_nothing(self):
        batch = [self.event("delivered"), self.event("bounce", reason="550 gone")]
        self.receive(batch)
        before = self.snapshot()
        status, result = self.receive(batch)
        self.assertEqual((status, result["stored"]), (200, 0))
        self.assertEqual(self.snapshot(), before)

    def test_unknown_message_or_other_database_writes_nothing(self):
        before = self.snapshot()
        orphan = self.event("bounce", reason="550 gone")
        orphan.update(odoo_trace_id="987654321", odoo_mail_id="987654321")
        other_db = self.event("bounce", reason="550 gone", odoo_db="another_db")
        no_args = self.event("spamreport")
        for key in ("odoo_db", "odoo_trace_id", "odoo_mail_id"):
            no_args.pop(key)
        status, result = self.receive([orphan, other_db, no_args])
        self.assertEqual((status, result["stored"], result["ignored"]), (200, 0, 3))
        self.assertEqual(self.snapshot(), before)

    def test_batch_of_1000_is_set_based(self):
        """A 1,000-event batch costs about as many queries as a 10-event one."""

        def batch(size):
            kinds = ["delivered", "open", "click", "processed"]
            return [
                self.event(kinds[i % 4], trace=self.traces[i % 2]) for i in range(size)
            ]

        small, large = batch(10), batch(1000)
        self.env.flush_all()
        start = self.env.cr.sql_log_count
        self.receive(small)
        small_queries = self.env.cr.sql_log_count - start
        start = self.env.cr.sql_log_count
        status, result = self.receive(large)
        large_queries = self.env.cr.sql_log_count - start
        self.assertEqual((status, result["stored"]), (200, 1000))
        self.assertLessEqual(large_queries, small_queries + 5)
        self.assertLess(large_queries, 40)

    def test_mass_mailing_skips_bounced_contacts(self):
        self.receive([self.event("bounce", trace=self.traces[1], reason="550 gone")])
        self.assertTrue(self.partner_nl.is_email_invalid)
        with FakeSMTPServer() as smtp:
            server = self.env["ir.mail_server"].create(
                {
                    "name": "loopback",
                    "smtp_host": smtp.host,
                    "smtp_port": smtp.port,
                    "smtp_encryption": "none",
                }
            )
            mailing = self.env["mailing.mailing"].create(
                {
                    "subject": "Tilbud",
                    "body_html": "<p>Tilbud</p>",
                    "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "mailing_domain": repr(
                        [("id", "in", (self.partner | self.partner_nl).ids)]
                    ),
                    "mail_server_id": server.id,
                }
            )
            with real_smtp_sending():
                mailing.action_send_mail()
            received = [rcpt for m in smtp.messages for rcpt in m.rcpt_tos]
        self.assertEqual(received, ["anne@kunde.example"])
        traces = mailing.mailing_trace_ids
        skipped = traces.filtered(lambda t: t.res_id == self.partner_nl.id)
        self.assertEqual(skipped.trace_status, "cancel")
        self.assertEqual(skipped.failure_type, "mail_email_invalid")
        self.assertEqual(
            traces.filtered(lambda t: t.res_id == self.partner.id).trace_status, "sent"
        )

    def test_old_events_are_deleted_after_retention(self):
        old = self.event("open", timestamp=1_500_000_000)  # 2017
        recent = self.event("delivered")
        self.receive([old, recent])
        self.env["ir.config_parameter"].sudo().set_param(
            "sendgrid_delivery.event_retention_days", "365"
        )
        self.assertEqual(self.env["sendgrid.event"]._gc_old_events(), 1)
        remaining = self.env["sendgrid.event"].search(
            [("sg_event_id", "in", [old["sg_event_id"], recent["sg_event_id"]])]
        )
        self.assertEqual(remaining.mapped("event_type"), ["delivered"])

    def test_chatter_recipient_status_shows_open_and_click(self):
        notification = self.message.notification_ids.filtered(
            lambda n: n.res_partner_id == self.partner
        )
        notification.notification_status = "pending"
        common = {
            "trace": self.env["mailing.trace"],
            "message": self.message,
            "odoo_partner_id": str(self.partner.id),
        }
        self.receive([self.event("open", **common)])
        self.assertEqual(notification.sendgrid_engagement, "open")
        self.assertEqual(notification.notification_status, "sent")
        self.receive([self.event("click", url="https://nordlys.example", **common)])
        self.receive([self.event("open", **common)])  # a later open keeps "clicked"
        self.assertEqual(notification.sendgrid_engagement, "click")
        store = Store()
        notification._to_store(store)
        data = store.get_result()["mail.notification"]
        self.assertEqual(data[0]["sendgrid_engagement"], "click")
        self.assertEqual(data[0]["notification_status"], "sent")
