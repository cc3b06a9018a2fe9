from odoo.tests import tagged

from .common import SubscriptionsCase


@tagged("mass_mailing_subscriptions")
class TestInitializer(SubscriptionsCase):
    def _record(self, partner):
        return self.env["consent.record"].search(
            [("partner_id", "=", partner.id), ("purpose_id.code", "=", "emarketing")]
        )

    def test_rule_is_registered_at_sequence_20(self):
        rules = self.env["consent.initializer"]._get_rules()
        rule = next(r for r in rules if r["key"] == "mass_mailing_recipients")
        self.assertEqual(rule["sequence"], 20)
        self.assertEqual(
            [r["sequence"] for r in sorted(rules, key=lambda r: r["sequence"])][:2],
            [10, 20],
        )

    def test_mailed_contacts_get_legitimate_interest_and_every_type(self):
        Partner = self.env["res.partner"]
        mailed = Partner.create({"name": "Mia Mailed", "email": "mia@example.com"})
        via_list = Partner.create({"name": "Lars List", "email": "lars@example.com"})
        bounced = Partner.create({"name": "Bo Bounced", "email": "bo@example.com"})
        never = Partner.create({"name": "Nina Never", "email": "nina@example.com"})
        blacklisted = Partner.create(
            {"name": "Bent Blocked", "email": "bent@example.com"}
        )
        self.env["mail.blacklist"]._add("bent@example.com")
        mailing = self._create_partner_mailing()
        contact = self.env["mailing.contact"].create(
            {"name": "Lars", "email": "Lars@Example.com"}
        )
        self._create_sent_traces(mailing, mailed | blacklisted)
        self._create_sent_traces(mailing, contact)
        self._create_bounce_trace(mailing, bounced)
        archived_type = self.env["mailing.subscription.type"].create(
            {"name": "Old catalogue", "active": False}
        )

        report = dict(self.env["consent.initializer"]._run_rules())
        label = next(
            r["name"]
            for r in self.env["consent.initializer"]._get_rules()
            if r["key"] == "mass_mailing_recipients"
        )
        self.assertEqual(report[label], 3)  # mia, lars, bent (bent then withdrawn)

        active_types = self.env["mailing.subscription.type"].search([])
        for partner in mailed | via_list:
            record = self._record(partner)
            self.assertEqual(record.legal_basis, "legitimate_interest")
            self.assertEqual(record.state, "active")
            self.assertEqual(partner.subscription_type_ids, active_types)
            self.assertNotIn(archived_type, partner.subscription_type_ids)
            event = self.env["consent.event"].search(
                [
                    ("partner_id", "=", partner.id),
                    ("event_type", "=", "init"),
                    ("purpose_id.code", "=", "emarketing"),
                ]
            )
            self.assertEqual(event.source, "initialisation")
        self.assertFalse(self._record(bounced))
        self.assertFalse(bounced.subscription_type_ids)
        self.assertFalse(self._record(never))
        # The blacklist rule (40) wins over "already mailed".
        self.assertEqual(self._record(blacklisted).state, "withdrawn")
        # Contacts who already chose keep their choice.
        self.assertEqual(self.p_newsletter.subscription_type_ids, self.type_newsletter)

        # Idempotent: a second run touches nobody.
        second = dict(self.env["consent.initializer"]._run_rules())
        self.assertEqual(second[label], 0)
