from odoo.tests import tagged
from odoo.tools.sql import table_exists

from ..hooks import uninstall_hook
from .common import UnitelTransactionCase


@tagged("post_install", "-at_install")
class TestNumberIndex(UnitelTransactionCase):
    """The caller lookup table mirrors the contacts' E.164 numbers."""

    def rows(self, partners):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT partner_id, e164 FROM unitel_partner_number "
            "WHERE partner_id = ANY(%s) ORDER BY partner_id, e164",
            (partners.ids,),
        )
        return self.env.cr.fetchall()

    def test_created_contacts_are_indexed(self):
        self.assertEqual(
            self.rows(self.de_vries),
            [(self.de_vries.id, "+31201234567"), (self.de_vries.id, "+31623456789")],
        )
        self.assertEqual(self.rows(self.hansen), [(self.hansen.id, "+4512345678")])

    def test_same_number_in_phone_and_mobile_is_one_row(self):
        partner = self.env["res.partner"].create(
            {"name": "Dobbelt", "phone": "+45 22 22 22 22", "mobile": "22222222"}
        )
        self.assertEqual(self.rows(partner), [(partner.id, "+4522222222")])

    def test_edits_archive_and_deletion_follow(self):
        self.hansen.phone = "32 12 34 56"
        self.assertEqual(self.rows(self.hansen), [(self.hansen.id, "+4532123456")])
        self.hansen.phone = False
        self.assertEqual(self.rows(self.hansen), [])
        self.jensen.action_archive()
        self.assertEqual(self.rows(self.jensen), [])
        self.jensen.action_unarchive()
        self.assertEqual(self.rows(self.jensen), [(self.jensen.id, "+4587654321")])
        jensen_id = self.jensen.id
        self.jensen.unlink()
        self.env.cr.execute(
            "SELECT count(*) FROM unitel_partner_number WHERE partner_id = %s",
            (jensen_id,),
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_pending_edit_is_seen_by_the_lookup(self):
        # no explicit flush: the lookup flushes the mirrored columns first
        self.jensen.mobile = "+45 44 44 44 44"
        self.assertEqual(
            self.env["unitel.call"]._unitel_match_number("44444444")[1], self.jensen
        )

    def test_merged_contact_answers_to_its_own_numbers(self):
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((self.byg | self.hansen).ids, self.byg)
        self.assertFalse(self.hansen.exists())
        # the kept contact keeps its own number; the merged one's number is
        # gone with it (Odoo keeps the destination's phone)
        self.assertEqual(self.rows(self.byg), [(self.byg.id, "+4570809010")])
        self.assertFalse(self.env["unitel.call"]._unitel_match_number("12345678")[1])

    def test_full_sync_repairs_the_table(self):
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM unitel_partner_number WHERE partner_id = %s", (self.byg.id,)
        )
        self.env.cr.execute(
            "INSERT INTO unitel_partner_number VALUES (%s, '+4511111111')",
            (self.lars.id,),
        )
        self.env["res.partner"]._unitel_sync_numbers()
        self.assertEqual(self.rows(self.byg), [(self.byg.id, "+4570809010")])
        self.assertEqual(self.rows(self.lars), [(self.lars.id, "+4570809010")])

    def test_uninstall_drops_the_table(self):
        uninstall_hook(self.env)  # rolled back with the test
        self.assertFalse(table_exists(self.env.cr, "unitel_partner_number"))
