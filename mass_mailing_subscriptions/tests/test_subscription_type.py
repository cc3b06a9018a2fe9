from odoo.exceptions import AccessError
from odoo.tests import tagged, users

from .common import SubscriptionsCase


@tagged("mass_mailing_subscriptions")
class TestSubscriptionType(SubscriptionsCase):
    @users("user_marketing")
    def test_marketer_edits_and_removes_types(self):
        Type = self.env["mailing.subscription.type"]
        offers = Type.browse(self.type_offers.id)
        action = offers.action_view_partners()
        subscribers = self.env["res.partner"].search(action["domain"])
        self.assertEqual(offers.partner_count, len(subscribers))
        self.assertFalse((self.p_offers | self.p_withdrawn) - subscribers)
        self.assertNotIn(self.p_newsletter, subscribers)
        mailings_before = offers.mailing_count
        mailing = self._create_partner_mailing(offers)
        offers.invalidate_recordset(["mailing_count"])
        self.assertEqual(offers.mailing_count, mailings_before + 1)
        offers.write({"name": "Deals"})
        self.assertEqual(
            set(self.p_offers.subscription_type_ids.mapped("name")),
            {"Newsletter", "Deals"},
        )
        offers.unlink()
        self.assertFalse(mailing.subscription_type_id)
        self.assertEqual(self.p_offers.subscription_type_ids, self.type_newsletter)
        new_type = Type.create({"name": "Courses", "description": "Cooking courses."})
        self.assertIn(new_type, Type.search([]))

    def test_salesperson_reads_but_does_not_manage_types(self):
        salesperson_env = self.env(user=self.user_salesperson)
        self.assertTrue(
            salesperson_env["mailing.subscription.type"].search([]).mapped("name")
        )
        with self.assertRaises(AccessError):
            salesperson_env["mailing.subscription.type"].create({"name": "Spam"})
