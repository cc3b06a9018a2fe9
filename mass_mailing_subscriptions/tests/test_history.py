from odoo import Command
from odoo.tests import tagged

from .common import SubscriptionsCase


@tagged("mass_mailing_subscriptions")
class TestMergeSubscriptions(SubscriptionsCase):
    """Odoo's own merge wizard (Contacts ▸ Merge): the most restrictive wins."""

    def _merge(self, partners, dst):
        wizard = (
            self.env["base.partner.merge.automatic.wizard"]
            .with_context(active_model="res.partner", active_ids=partners.ids)
            .create(
                {"partner_ids": [Command.set(partners.ids)], "dst_partner_id": dst.id}
            )
        )
        wizard.action_merge()
        dst.invalidate_recordset()
        return dst

    def _last_preference_event(self, partner):
        return self.env["consent.event"].search(
            [("partner_id", "=", partner.id), ("event_type", "=", "preference")],
            order="id desc",
            limit=1,
        )

    def test_withdrawn_into_active_keeps_only_common_types(self):
        self.p_withdrawn.subscription_type_ids = self.type_offers
        self.assertEqual(
            self.p_offers.subscription_type_ids, self.type_offers | self.type_newsletter
        )
        kept = self._merge(self.p_withdrawn | self.p_offers, self.p_offers)
        self.assertFalse(self.p_withdrawn.exists())
        self.assertEqual(kept.emarketing_state, "withdrawn")
        self.assertEqual(kept.subscription_type_ids, self.type_offers)
        event = self._last_preference_event(kept)
        self.assertEqual(event.source, "merge")
        self.assertIn("Merged with contact Walter Withdrawn", event.description)
        self.assertIn("Unsubscribed from: Newsletter.", event.description)
        # The merged contact is not mailed.
        mailing = self._create_partner_mailing(self.type_offers, partners=kept)
        self.assertEqual(mailing.consent_recipient_count, 0)

    def test_active_into_withdrawn_keeps_only_common_types(self):
        self.p_withdrawn.subscription_type_ids = self.type_events
        kept = self._merge(self.p_offers | self.p_withdrawn, self.p_withdrawn)
        self.assertFalse(self.p_offers.exists())
        self.assertEqual(kept.emarketing_state, "withdrawn")
        self.assertFalse(kept.subscription_type_ids)

    def test_two_active_contacts_keep_every_type(self):
        self.p_newsletter.subscription_type_ids = self.type_events
        kept = self._merge(self.p_offers | self.p_newsletter, self.p_newsletter)
        self.assertEqual(kept.emarketing_state, "active")
        self.assertEqual(
            kept.subscription_type_ids,
            self.type_offers | self.type_newsletter | self.type_events,
        )
        event = self._last_preference_event(kept)
        self.assertEqual(event.source, "merge")
        self.assertIn("Subscribed to: Newsletter, Offers.", event.description)

    def test_contact_without_record_into_active_is_a_union(self):
        self.p_no_record.subscription_type_ids = self.type_events
        kept = self._merge(self.p_no_record | self.p_newsletter, self.p_newsletter)
        self.assertEqual(
            kept.subscription_type_ids, self.type_newsletter | self.type_events
        )


@tagged("mass_mailing_subscriptions")
class TestBulkHistory(SubscriptionsCase):
    """Changes that bypass the ORM still write one event per contact."""

    def test_deleting_a_type_writes_one_event_per_subscriber(self):
        # demo contacts subscribed to Offers too, when demo data is loaded
        demo = self.type_offers.partner_ids - (self.p_offers | self.p_withdrawn)
        demo.write({"subscription_type_ids": [(3, self.type_offers.id)]})
        subscribers = self.type_offers.partner_ids
        self.assertEqual(subscribers, self.p_offers | self.p_withdrawn)
        last = self.env["consent.event"].search([], order="id desc", limit=1).id
        queries = self.env.cr.sql_log_count
        self.type_offers.with_user(self.user_marketing).unlink()
        self.assertLess(self.env.cr.sql_log_count - queries, 25)
        new = self.env["consent.event"].search([("id", ">", last)])
        self.assertEqual(len(new), 2)
        self.assertEqual(set(new.mapped("event_type")), {"preference"})
        self.assertEqual(new.partner_id, subscribers)
        for event in new:
            self.assertEqual(event.purpose_id.code, "emarketing")
            self.assertEqual(event.user_id, self.user_marketing)
            self.assertEqual(
                event.description,
                "The subscription type was deleted. Unsubscribed from: Offers.",
            )
            self.assertTrue(event.partner_email_hash)
        # The active record is linked; Walter's withdrawn standing recorded.
        walter = new.filtered(lambda e: e.partner_id == self.p_withdrawn)
        self.assertEqual(walter.state, "withdrawn")
        self.assertFalse(self.p_offers.subscription_type_ids & self.type_offers)

    def test_initialisation_subscription_writes_one_event_per_contact(self):
        mailing = self._create_partner_mailing()
        mailed = self.env["res.partner"].create(
            [
                {"name": f"Mailed {i}", "email": f"mailed{i}@example.com"}
                for i in range(5)
            ]
        )
        self._create_sent_traces(mailing, mailed)
        self.env["consent.initializer"]._run_rules()
        events = self.env["consent.event"].search(
            [("partner_id", "in", mailed.ids), ("event_type", "=", "preference")]
        )
        self.assertEqual(events.partner_id, mailed)
        self.assertEqual(len(events), 5)
        names = ", ".join(
            self.env["mailing.subscription.type"].search([]).mapped("name")
        )
        self.assertEqual(
            set(events.mapped("description")),
            {f"Already received a mass mailing. Subscribed to: {names}."},
        )
        self.assertEqual(set(events.mapped("source")), {"initialisation"})
        # Idempotent: no second set of events.
        self.env["consent.initializer"]._run_rules()
        self.assertEqual(
            self.env["consent.event"].search_count(
                [("partner_id", "in", mailed.ids), ("event_type", "=", "preference")]
            ),
            5,
        )
