from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger

from .common import ConsentCase


class TestConsentApi(ConsentCase):
    def test_shipped_purposes(self):
        codes = self.env["consent.purpose"].search([]).mapped("code")
        for code in (
            "sales_service",
            "emarketing",
            "whatsapp_marketing",
            "sms_marketing",
        ):
            self.assertIn(code, codes)
        self.assertEqual(self.sales.default_legal_basis, "legitimate_interest")
        self.assertFalse(self.sales.is_marketing)
        self.assertTrue(self.emarketing.is_marketing)
        self.assertEqual(self.emarketing.channel, "email")

    def test_grant_creates_record_event_and_partner_state(self):
        self.assertEqual(self.anna.emarketing_state, "none")
        evidence = {
            "ip_address": "192.0.2.10",
            "user_agent": "Paper form",
            "consent_text": "Yes, send me news",
            "consent_text_version": "3",
            "description": "Signed at the fair",
        }
        record = self.anna._consent_grant(
            "emarketing", source="web_form", evidence=evidence
        )
        self.assertEqual(record.state, "active")
        self.assertEqual(record.legal_basis, "consent")
        self.assertEqual(record.source, "web_form")
        self.assertEqual(record.ip_address, "192.0.2.10")
        self.assertEqual(record.consent_text_version, "3")
        self.assertEqual(record.captured_by_id, self.env.user)
        self.assertEqual(self.anna.emarketing_state, "active")
        event = self.events_of(self.anna, self.emarketing)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.event_type, "grant")
        self.assertEqual(event.source, "web_form")
        self.assertEqual(event.ip_address, "192.0.2.10")
        self.assertEqual(event.user_agent, "Paper form")
        self.assertEqual(event.description, "Signed at the fair")
        self.assertEqual(event.record_id, record)
        self.assertTrue(event.partner_email_hash)

    def test_grant_again_is_a_change_and_keeps_one_record(self):
        self.anna._consent_grant("emarketing", legal_basis="legitimate_interest")
        self.anna._consent_grant("emarketing", legal_basis="consent")
        records = self.Record.search(
            [("partner_id", "=", self.anna.id), ("purpose_id", "=", self.emarketing.id)]
        )
        self.assertEqual(len(records), 1)
        self.assertEqual(records.legal_basis, "consent")
        self.assertEqual(
            self.events_of(self.anna, self.emarketing).mapped("event_type"),
            ["grant", "change"],
        )

    def test_grant_is_set_based_over_many_partners(self):
        self.anna._consent_grant("emarketing")
        records = self.partners._consent_grant("emarketing", source="import")
        self.assertEqual(len(records), 3)
        self.assertEqual(set(records.mapped("state")), {"active"})
        self.assertEqual(set(self.partners.mapped("emarketing_state")), {"active"})

    def test_withdraw_is_final_until_granted_again(self):
        self.anna._consent_grant("emarketing")
        self.anna._consent_withdraw("emarketing", source="unsubscribe_link")
        record = self.anna.consent_record_ids.filtered(
            lambda r: r.purpose_id == self.emarketing
        )
        self.assertEqual(record.state, "withdrawn")
        self.assertEqual(record.source, "unsubscribe_link")
        self.assertTrue(record.withdrawn_at)
        self.assertEqual(self.anna.emarketing_state, "withdrawn")
        self.set_privacy(True)
        self.assertFalse(self.anna._consent_may_send("emarketing"))
        with self.assertRaises(UserError):
            self.anna._consent_grant("emarketing")  # staff, no evidence
        self.assertEqual(record.state, "withdrawn")
        # The person's own act: a double opt-in confirmation.
        self.anna._consent_grant(
            "emarketing", source="double_opt_in", event_type="confirm"
        )
        self.assertTrue(self.anna._consent_may_send("emarketing"))
        self.assertFalse(record.withdrawn_at)
        self.assertEqual(
            self.events_of(self.anna, self.emarketing).mapped("event_type"),
            ["grant", "withdraw", "confirm"],
        )

    def test_withdraw_without_record_creates_withdrawn_record(self):
        self.bo._consent_withdraw("whatsapp_marketing", source="whatsapp")
        record = self.bo.consent_record_ids - self.bo.consent_record_ids.filtered(
            lambda r: r.purpose_id == self.sales
        )
        self.assertEqual(record.purpose_id, self.whatsapp)
        self.assertEqual(record.state, "withdrawn")
        self.assertEqual(record.legal_basis, "consent")
        self.assertEqual(self.events_of(self.bo, self.whatsapp).event_type, "withdraw")

    def test_withdraw_hook_only_for_changed_partners(self):
        self.anna._consent_grant("emarketing")
        self.bo._consent_withdraw("emarketing")
        calls = []
        partner_class = type(self.Partner)

        def spy(partners, purpose, source):
            calls.append((set(partners.ids), purpose, source))

        with patch.object(partner_class, "_consent_on_withdrawn", spy):
            self.partners._consent_withdraw("emarketing", source="portal")
        self.assertEqual(
            calls, [({self.anna.id, self.carla.id}, self.emarketing, "portal")]
        )
        # Bo's repeated withdrawal is still logged as evidence.
        self.assertEqual(
            self.events_of(self.bo, self.emarketing).mapped("event_type"),
            ["withdraw", "withdraw"],
        )

    def test_switch_off_filters_nothing(self):
        self.set_privacy(False)
        self.assertFalse(self.Partner._consent_privacy_enabled())
        self.assertEqual(
            self.partners._consent_filter_allowed("emarketing"), self.partners
        )
        self.assertTrue(self.carla._consent_may_send("emarketing"))

    def test_switch_on_filters_marketing_only(self):
        self.set_privacy(True)
        self.assertTrue(self.Partner._consent_privacy_enabled())
        self.anna._consent_grant("emarketing")
        self.bo._consent_grant("emarketing")
        self.bo._consent_withdraw("emarketing")
        self.assertEqual(self.partners._consent_filter_allowed("emarketing"), self.anna)
        self.assertTrue(self.anna._consent_may_send("emarketing"))
        self.assertFalse(self.bo._consent_may_send("emarketing"))
        self.assertFalse(self.carla._consent_may_send("emarketing"))
        # WhatsApp marketing is a separate purpose: e-mail consent does not count.
        self.assertFalse(self.anna._consent_may_send("whatsapp_marketing"))
        # Not a marketing purpose: nobody is filtered.
        self.assertEqual(
            self.partners._consent_filter_allowed("sales_service"), self.partners
        )

    def test_filter_is_one_query(self):
        self.set_privacy(True)
        self.partners._consent_grant("emarketing")
        others = self.Partner.search([("emarketing_state", "!=", "active")], limit=50)
        many = self.partners | others
        many._consent_filter_allowed("emarketing")  # warm caches
        with self.assertQueryCount(1):
            allowed = many._consent_filter_allowed("emarketing")
        self.assertEqual(allowed, self.partners)

    def test_expired_date_is_not_allowed_before_the_cron(self):
        self.set_privacy(True)
        record = self.anna._consent_grant("emarketing")
        record.expires_on = "2000-01-01"
        self.assertFalse(self.anna._consent_may_send("emarketing"))

    def test_allowed_ids_query_embeds_in_sql(self):
        self.anna._consent_grant("emarketing")
        self.bo._consent_withdraw("emarketing")
        query = self.Partner._consent_allowed_ids_query("emarketing")
        self.assertIsInstance(query, SQL)
        rows = self.env.execute_query(
            SQL(
                "SELECT id FROM res_partner WHERE id = ANY(%s) AND id IN (%s)",
                self.partners.ids,
                query,
            )
        )
        self.assertEqual([r[0] for r in rows], self.anna.ids)
        # A purpose without records still gives a valid (empty) query.
        rows = self.env.execute_query(self.Partner._consent_allowed_ids_query("nope"))
        self.assertEqual(rows, [])

    def test_log_event_appends_without_changing_records(self):
        record = self.anna._consent_grant("emarketing")
        self.anna._consent_log_event(
            "emarketing", "preference", "portal", {"description": "Chose 2 lists"}
        )
        event = self.events_of(self.anna, self.emarketing)[-1]
        self.assertEqual(event.event_type, "preference")
        self.assertEqual(event.record_id, record)
        self.assertEqual(event.description, "Chose 2 lists")
        self.assertEqual(record.source, "manual")

    def test_unknown_purpose_is_refused(self):
        self.set_privacy(True)
        with self.assertRaises(UserError):
            self.anna._consent_grant("does_not_exist")
        with self.assertRaises(UserError):
            self.partners._consent_filter_allowed("does_not_exist")

    @mute_logger("odoo.sql_db")
    def test_one_record_per_partner_and_purpose(self):
        self.anna._consent_grant("emarketing")
        with self.assertRaises(IntegrityError), self.cr.savepoint():
            self.Record.create(
                {
                    "partner_id": self.anna.id,
                    "purpose_id": self.emarketing.id,
                    "legal_basis": "consent",
                }
            )

    def test_emarketing_state_is_searchable(self):
        self.anna._consent_grant("emarketing")
        self.bo._consent_withdraw("emarketing")
        domain = [("id", "in", self.partners.ids)]
        self.assertEqual(
            self.Partner.search(domain + [("emarketing_state", "=", "active")]),
            self.anna,
        )
        self.assertEqual(
            self.Partner.search(domain + [("emarketing_state", "=", "withdrawn")]),
            self.bo,
        )
        self.assertEqual(
            self.Partner.search(domain + [("emarketing_state", "=", "none")]),
            self.carla,
        )

    def test_signed_links_only_for_known_actions(self):
        path = self.anna._consent_signed_path("emarketing", action="withdraw")
        self.assertTrue(
            path.startswith(f"/consent/withdraw/{self.anna.id}/emarketing/")
        )
        with self.assertRaises(UserError):
            self.anna._consent_signed_path("emarketing", action="erase")

    def test_archived_purpose_keeps_answering(self):
        self.set_privacy(True)
        self.anna._consent_grant("sms_marketing")
        self.env.ref("consent_management.consent_purpose_sms_marketing").active = False
        self.assertEqual(
            self.partners._consent_filter_allowed("sms_marketing"), self.anna
        )

    def test_purpose_codes_are_unique(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.cr.savepoint():
                self.env["consent.purpose"].create(
                    {"name": "Duplicate", "code": "emarketing"}
                )
