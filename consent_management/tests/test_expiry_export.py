import csv
import io
from datetime import date, timedelta

from .common import ConsentCase


class TestExpiryAndExport(ConsentCase):
    def test_grant_with_validity_sets_expiry(self):
        record = self.anna._consent_grant("emarketing")
        self.assertTrue(record.expires_on)
        self.assertGreater(record.expires_on, date.today() + timedelta(days=700))
        # Legitimate interest does not expire.
        record = self.bo._consent_grant("emarketing", legal_basis="legitimate_interest")
        self.assertFalse(record.expires_on)

    def test_cron_expires_past_records_and_logs(self):
        past = self.anna._consent_grant("emarketing")
        future = self.bo._consent_grant("emarketing")
        past.expires_on = date.today() - timedelta(days=1)
        self.env.ref(
            "consent_management.ir_cron_consent_expire"
        ).method_direct_trigger()
        self.assertEqual(past.state, "expired")
        self.assertEqual(future.state, "active")
        self.assertEqual(self.anna.emarketing_state, "none")
        event = self.events_of(self.anna, self.emarketing)[-1]
        self.assertEqual((event.event_type, event.source), ("expire", "expiry"))
        # Nothing left to expire: a second run logs nothing more.
        count = self.Event.search_count([])
        self.Record._cron_expire_records()
        self.assertEqual(self.Event.search_count([]), count)

    def test_export_lists_history_in_order(self):
        self.anna._consent_grant(
            "emarketing",
            source="web_form",
            evidence={"ip_address": "192.0.2.1", "consent_text": "=HYPERLINK(1)"},
        )
        self.anna._consent_withdraw("emarketing", source="unsubscribe_link")
        action = self.anna.action_consent_export_history()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        attachment = self.env["ir.attachment"].browse(attachment_id)
        rows = list(csv.reader(io.StringIO(attachment.raw.decode())))
        self.assertEqual(rows[0][0], "Date (UTC)")
        self.assertEqual(
            [(r[2], r[5]) for r in rows[1:]],
            [
                ("Initialised", "Initialisation"),  # Sales and service, at birth
                ("Granted", "Web form"),
                ("Withdrawn", "Unsubscribe link"),
            ],
        )
        self.assertEqual(rows[2][7], "192.0.2.1")
        self.assertEqual(rows[2][10], "'=HYPERLINK(1)")
