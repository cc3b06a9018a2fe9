import csv
import io

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ConsentCase

MARKETING = ("emarketing", "whatsapp_marketing", "sms_marketing", "phone_marketing")


@tagged("post_install", "-at_install")
class TestRobinsonHoldsBackMarketing(ConsentCase):
    """The Robinson mark ("Reklamebeskyttet") holds back marketing on every
    channel, whatever the contact's records say (issue 17)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for code in MARKETING:
            cls.partners._consent_grant(code, source="web_form")
        cls.anna.is_marketing_protected = True

    def test_marked_contact_is_left_out_of_every_marketing_channel(self):
        self.set_privacy(True)
        for code in MARKETING:
            with self.subTest(purpose=code):
                self.assertEqual(
                    self.partners._consent_filter_allowed(code), self.bo | self.carla
                )
                self.assertFalse(self.anna._consent_may_send(code))
                self.assertTrue(self.bo._consent_may_send(code))
        # Sales and service is no marketing: the mark does not touch it.
        self.assertEqual(
            self.partners._consent_filter_allowed("sales_service"), self.partners
        )
        # The record itself is untouched: lifting the mark restores it.
        self.assertEqual(
            set(
                self.anna.consent_record_ids.filtered(
                    lambda r: r.purpose_id.is_marketing
                ).mapped("state")
            ),
            {"active"},
        )
        self.anna.sudo().is_marketing_protected = False
        self.assertTrue(self.anna._consent_may_send("sms_marketing"))

    def test_set_based_query_leaves_marked_contacts_out(self):
        self.set_privacy(True)
        query = self.Partner._consent_allowed_ids_query("whatsapp_marketing")
        allowed = {row[0] for row in self.env.execute_query(query)}
        self.assertIn(self.bo.id, allowed)
        self.assertNotIn(self.anna.id, allowed)
        sales = self.Partner._consent_allowed_ids_query("sales_service")
        self.assertIn(self.anna.id, {row[0] for row in self.env.execute_query(sales)})

    def test_the_mark_set_in_this_transaction_counts(self):
        """The mark is flushed before the query: set and checked at once."""
        self.set_privacy(True)
        self.bo.write({"is_marketing_protected": True})
        self.assertFalse(self.bo._consent_may_send("emarketing"))

    def test_switch_off_is_core_behaviour(self):
        self.set_privacy(False)
        self.assertEqual(
            self.partners._consent_filter_allowed("emarketing"), self.partners
        )

    def test_exclusion_reasons_name_the_mark_first(self):
        self.set_privacy(True)
        self.carla._consent_withdraw("sms_marketing", source="manual")
        nobody = self.Partner.create({"name": "Dora Nobody"})
        reasons = (self.partners | nobody)._consent_exclusion_reasons("sms_marketing")
        self.assertEqual(
            reasons,
            {
                self.anna.id: "protected from marketing (Robinson)",
                self.carla.id: "withdrew from SMS marketing",
                nobody.id: "no consent to SMS marketing",
            },
        )

    def test_internal_user_marks_but_cannot_unmark_to_mail_again(self):
        self.set_privacy(True)
        user = new_test_user(
            self.env,
            login="robinson_user",
            groups="base.group_user,base.group_partner_manager",
        )
        self.bo.with_user(user).is_marketing_protected = True
        self.assertFalse(self.bo._consent_may_send("emarketing"))
        with self.assertRaises(AccessError):
            self.bo.with_user(user).write({"is_marketing_protected": False})
        self.assertFalse(self.bo._consent_may_send("emarketing"))


@tagged("post_install", "-at_install")
class TestHistoryExportEveryChannel(ConsentCase):
    def test_export_lists_every_channels_events_with_the_channel(self):
        self.anna._consent_grant("whatsapp_marketing", source="web_form")
        self.anna._consent_grant("sms_marketing", source="web_form")
        self.anna._consent_withdraw("sms_marketing", source="portal")
        self.anna._consent_grant("phone_marketing", source="web_form")
        self.anna._consent_grant("emarketing", source="web_form")
        user = new_test_user(
            self.env,
            login="export_user",
            groups="base.group_user,base.group_partner_manager",
        )
        action = self.anna.with_user(user).action_consent_export_history()
        attachment_id = int(action["url"].split("/web/content/")[1].split("?")[0])
        raw = self.env["ir.attachment"].browse(attachment_id).raw.decode()
        rows = list(csv.DictReader(io.StringIO(raw)))
        self.assertEqual(
            [(r["Purpose"], r["Event"], r["Channel"]) for r in rows],
            [
                ("Sales and service", "Initialised", "Any channel"),
                ("WhatsApp marketing", "Granted", "WhatsApp"),
                ("SMS marketing", "Granted", "SMS"),
                ("SMS marketing", "Withdrawn", "SMS"),
                ("Phone marketing", "Granted", "Phone"),
                ("E-marketing", "Granted", "E-mail"),
            ],
        )
        # Another contact's events are not in it.
        self.bo._consent_grant("sms_marketing", source="web_form")
        self.assertNotIn("Bo Nielsen", self.anna._consent_history_csv())
        self.assertEqual(
            len(list(csv.DictReader(io.StringIO(self.anna._consent_history_csv())))),
            len(rows),
        )

    def test_portal_user_cannot_export_even_own_history(self):
        portal = new_test_user(
            self.env, login="export_portal", groups="base.group_portal"
        )
        portal.partner_id._consent_grant("sms_marketing", source="web_form")
        with self.assertRaises(AccessError):
            portal.partner_id.with_user(portal).action_consent_export_history()
