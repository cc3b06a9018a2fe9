import logging
import re
from datetime import timedelta

from odoo import fields

from .common import ConsentCase


class TestBulkHistory(ConsentCase):
    """Bulk operations write one consent event per affected contact, in one
    statement whatever the number of contacts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.crowd = cls.Partner.create(
            [
                {"name": f"Crowd {i}", "email": f"crowd{i}@nordlys.example"}
                for i in range(60)
            ]
        )
        cls.blocked = cls.crowd[:25]
        for partner in cls.blocked:
            cls.env["mail.blacklist"].sudo()._add(partner.email)

    def event_inserts(self, logs):
        pattern = re.compile(r'INSERT INTO "?consent_event"?[ (]')
        return [line for line in logs.output if pattern.search(line)]

    def test_initializer_rules_log_one_event_per_contact(self):
        self.drop_legal_bases()
        events_before = self.Event.search_count([])
        with self.assertLogs("odoo.sql_db", logging.DEBUG) as logs:
            report = dict(self.env["consent.initializer"]._run_rules())
        sales = report["Every contact: Sales and service (legitimate interest)"]
        blacklist = report["Blacklisted e-mail addresses: E-marketing withdrawn"]
        self.assertGreaterEqual(sales, len(self.crowd))
        self.assertGreaterEqual(blacklist, len(self.blocked))
        self.assertEqual(self.Event.search_count([]) - events_before, sales + blacklist)
        # One statement per rule step (rule 1, rule 4's insert and withdrawal),
        # not one per contact.
        self.assertEqual(len(self.event_inserts(logs)), 3)
        for purpose, partners, event_type in (
            (self.sales, self.crowd, "init"),
            (self.emarketing, self.blocked, "init"),
        ):
            events = self.Event.search(
                [("partner_id", "in", partners.ids), ("purpose_id", "=", purpose.id)]
            )
            self.assertEqual(events.partner_id, partners)
            self.assertEqual(len(events), len(partners))
            self.assertEqual(set(events.mapped("event_type")), {event_type})
            self.assertTrue(all(e.record_id.partner_id == e.partner_id for e in events))

    def test_blacklist_rule_withdraws_guesses_with_one_event_each(self):
        self.env["consent.initializer"]._insert_missing_records(
            "emarketing",
            self.env["consent.initializer"]._blacklisted_partner_ids_query(),
            "legitimate_interest",
            "active",
        )
        with self.assertLogs("odoo.sql_db", logging.DEBUG) as logs:
            count = self.env["consent.initializer"]._rule_blacklist()
        self.assertEqual(count, len(self.blocked))
        self.assertEqual(len(self.event_inserts(logs)), 2)
        withdrawals = self.Event.search(
            [
                ("partner_id", "in", self.blocked.ids),
                ("purpose_id", "=", self.emarketing.id),
                ("event_type", "=", "withdraw"),
            ]
        )
        self.assertEqual(withdrawals.partner_id, self.blocked)
        self.assertEqual(len(withdrawals), len(self.blocked))
        self.assertEqual(set(self.blocked.mapped("emarketing_state")), {"withdrawn"})

    def test_expiry_cron_logs_one_event_per_record(self):
        records = self.crowd._consent_grant("emarketing")
        records.write({"expires_on": fields.Date.today() - timedelta(days=1)})
        with self.assertLogs("odoo.sql_db", logging.DEBUG) as logs:
            expired = self.Record._cron_expire_records()
            self.env.flush_all()
        self.assertEqual(expired, records)
        self.assertEqual(len(self.event_inserts(logs)), 1)
        events = self.Event.search(
            [("record_id", "in", records.ids), ("event_type", "=", "expire")]
        )
        self.assertEqual(len(events), len(records))
