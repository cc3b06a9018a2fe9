from unittest.mock import patch

from odoo import Command
from odoo.tests import tagged

from .common import SmsSubscriptionsCase


@tagged("post_install", "-at_install", "mass_mailing_sms_subscriptions")
class TestSmsBatchCheck(SmsSubscriptionsCase):
    """The SMS composer checks consent per batch, looking each recipient up
    by index (issue 15): same verdicts as the rule on a whole set."""

    def _verdicts(self, mailing, res_ids):
        return (
            mailing._consent_classify_recipients(res_ids),
            mailing._consent_kept_recipients(res_ids),
        )

    def _assert_same_probed_or_hashed(self, mailing, res_ids):
        probed = self._verdicts(mailing, res_ids)
        with patch.object(type(mailing), "_consent_probe_max", 0):
            hashed = self._verdicts(mailing, res_ids)
        self.assertEqual(probed, hashed)
        return probed

    def test_batch_verdict_is_the_rule_of_the_whole_set(self):
        self.p_family_ok.is_marketing_protected = True
        mailing = self._create_sms_mailing(self.type_offers)
        excluded, kept = self._assert_same_probed_or_hashed(mailing, self.partners.ids)
        self.assertEqual(kept, self.p_offers.ids)
        self.assertEqual(
            {res_id: failure_type for res_id, (failure_type, _r) in excluded.items()},
            {
                self.p_newsletter.id: "sms_not_subscribed",
                self.p_no_record.id: "sms_no_consent",
                self.p_withdrawn.id: "sms_no_consent",
                self.p_shared_withdrew.id: "sms_no_consent",
                self.p_shared_ok.id: "sms_number_withdrawn",
                self.p_family_none.id: "sms_marketing_protected",
                self.p_family_ok.id: "sms_marketing_protected",
            },
        )
        self.assertIn("Karin Holm", excluded[self.p_shared_ok.id][1])
        self.assertIn("Ole Berg", excluded[self.p_family_none.id][1])
        # Mailing-list entries map to contacts by number.
        mailing_list = self.env["mailing.list"].create(
            {
                "name": "SMS club",
                "contact_ids": [
                    Command.create({"name": "Olga", "mobile": "+4520110001"}),
                    Command.create({"name": "Per", "mobile": "+4520110005"}),
                    Command.create({"name": "Ida", "mobile": "+4520110006"}),
                    Command.create({"name": "Stranger", "mobile": "+4520119999"}),
                ],
            }
        )
        mailing.write(
            {
                "mailing_model_id": self.env["ir.model"]._get_id("mailing.list"),
                "contact_list_ids": [Command.set(mailing_list.ids)],
            }
        )
        self.assertEqual(mailing._consent_recipient_link(), "number")
        olga, per, ida, stranger = mailing_list.contact_ids.sorted("id")
        excluded, kept = self._assert_same_probed_or_hashed(
            mailing, mailing_list.contact_ids.ids
        )
        self.assertEqual(kept, olga.ids)
        self.assertEqual(
            {res_id: failure_type for res_id, (failure_type, _r) in excluded.items()},
            {
                per.id: "sms_number_withdrawn",
                ida.id: "sms_marketing_protected",
                stranger.id: "sms_no_consent",
            },
        )

    def test_number_index_exists(self):
        """The shared-number rule looks contacts up by sanitised number."""
        self.env.cr.execute(
            "SELECT 1 FROM pg_indexes WHERE tablename = 'res_partner'"
            " AND indexdef LIKE '%%(phone_sanitized)%%'"
        )
        self.assertTrue(self.env.cr.fetchall())
