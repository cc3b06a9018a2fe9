from odoo.tests import tagged

from .common import SubscriptionsCase


@tagged("mass_mailing_subscriptions")
class TestNotifySalesperson(SubscriptionsCase):
    def _activities(self, partner):
        return self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", partner.id)]
        )

    def test_withdraw_schedules_call_for_salesperson(self):
        self.p_offers._consent_withdraw("emarketing", source="portal")
        activity = self._activities(self.p_offers)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.user_salesperson)
        self.assertTrue(activity.is_optout_followup)
        self.assertEqual(
            activity.activity_type_id, self.env.ref("mail.mail_activity_data_call")
        )
        self.assertEqual(
            activity.summary,
            "Olga Offers opted out of e-marketing — call to keep the relationship?",
        )
        # Withdrawing again (already withdrawn) adds no second call.
        self.p_offers._consent_withdraw("emarketing", source="portal")
        self.assertEqual(len(self._activities(self.p_offers)), 1)

    def test_unsubscribe_from_type_schedules_call(self):
        self.p_offers._subscription_unsubscribe(self.type_offers, "unsubscribe_link")
        activity = self._activities(self.p_offers)
        self.assertEqual(len(activity), 1)
        self.assertIn("unsubscribed from Offers", activity.summary)
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_newsletter)
        event = self.env["consent.event"].search(
            [("partner_id", "=", self.p_offers.id), ("event_type", "=", "preference")],
            order="id desc",
            limit=1,
        )
        self.assertEqual(event.source, "unsubscribe_link")
        self.assertIn("Unsubscribed from: Offers.", event.description)

    def test_no_call_without_salesperson_or_for_bulk_or_staff_changes(self):
        self.p_newsletter._consent_withdraw("emarketing", source="portal")
        self.assertFalse(self._activities(self.p_newsletter))
        # A salesperson editing the choices in the back-office is not told.
        self.p_offers.write({"subscription_type_ids": [(3, self.type_offers.id)]})
        self.assertFalse(self._activities(self.p_offers))
        self.p_offers._consent_withdraw("emarketing", source="import")
        self.assertFalse(self._activities(self.p_offers))

    def test_every_change_of_types_is_a_consent_event(self):
        Event = self.env["consent.event"]
        before = Event.search_count([("partner_id", "=", self.p_no_record.id)])
        self.p_no_record.with_user(self.user_marketing).write(
            {"subscription_type_ids": [(4, self.type_events.id)]}
        )
        events = Event.search([("partner_id", "=", self.p_no_record.id)], order="id")
        self.assertEqual(len(events), before + 1)
        self.assertEqual(events[-1].event_type, "preference")
        self.assertEqual(events[-1].source, "manual")
        self.assertEqual(events[-1].user_id, self.user_marketing)
        self.assertEqual(events[-1].description, "Subscribed to: Events & webinars.")
        # Writing the same value logs nothing.
        self.p_no_record.write({"subscription_type_ids": [(4, self.type_events.id)]})
        self.assertEqual(
            Event.search_count([("partner_id", "=", self.p_no_record.id)]), before + 1
        )

    def test_change_of_types_is_noted_in_the_chatter(self):
        self.p_no_record.with_context(consent_source="portal").write(
            {"subscription_type_ids": [(4, self.type_offers.id)]}
        )
        message = self.p_no_record.message_ids[:1]
        self.assertIn("Subscribed to: Offers.", message.body)
