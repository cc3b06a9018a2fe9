from odoo.tests import tagged
from odoo.tools.sql import table_exists

from ..hooks import uninstall_hook
from .common import E164Case


@tagged("post_install", "-at_install")
class TestNumberTable(E164Case):
    """The lookup table mirrors the active contacts' E.164 numbers."""

    def test_created_contacts_are_indexed(self):
        self.assertEqual(
            self.rows(self.de_vries),
            [
                (self.de_vries.id, "+31201234567", False),
                (self.de_vries.id, "+31623456789", True),
            ],
        )
        self.assertEqual(
            self.rows(self.hansen), [(self.hansen.id, "+4512345678", False)]
        )

    def test_same_number_in_phone_and_mobile_is_one_mobile_row(self):
        partner = self.env["res.partner"].create(
            {"name": "Dobbelt", "phone": "+45 22 22 22 22", "mobile": "22222222"}
        )
        self.assertEqual(self.rows(partner), [(partner.id, "+4522222222", True)])
        partner.mobile = False
        self.assertEqual(self.rows(partner), [(partner.id, "+4522222222", False)])

    def test_writes_archive_and_unlink_follow(self):
        self.hansen.phone = "32 12 34 56"
        self.assertEqual(
            self.rows(self.hansen), [(self.hansen.id, "+4532123456", False)]
        )
        self.hansen.phone = False
        self.assertEqual(self.rows(self.hansen), [])
        self.jensen.action_archive()
        self.assertEqual(self.rows(self.jensen), [])
        self.jensen.action_unarchive()
        self.assertEqual(
            self.rows(self.jensen), [(self.jensen.id, "+4587654321", True)]
        )
        # moving a contact to another country re-reads its national numbers
        self.jensen.write({"country_id": self.nl.id, "mobile": "06 87654321"})
        self.assertEqual(
            self.rows(self.jensen), [(self.jensen.id, "+31687654321", True)]
        )
        jensen_id = self.jensen.id
        self.jensen.unlink()
        self.env.cr.execute(
            "SELECT count(*) FROM partner_phone_e164_number WHERE partner_id = %s",
            (jensen_id,),
        )
        self.assertEqual(self.env.cr.fetchone()[0], 0)

    def test_merged_contact_answers_to_its_own_numbers(self):
        byg = self.env["res.partner"].create(
            {"name": "Testbyg A/S", "is_company": True, "phone": "70809010"}
        )
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((byg | self.hansen).ids, byg)
        self.assertFalse(self.hansen.exists())
        # the kept contact keeps its own number; the merged one's number is
        # gone with it (Odoo keeps the destination's phone)
        self.assertEqual(self.rows(byg), [(byg.id, "+4570809010", False)])
        Partner = self.env["res.partner"]
        self.assertFalse(Partner._search_e164("+4512345678"))
        self.assertEqual(Partner._search_e164("+4570809010"), byg)

    def test_merge_takes_over_a_number_the_kept_contact_lacked(self):
        kept = self.env["res.partner"].create(
            {"name": "Jensen", "phone": "33 33 33 33"}
        )
        wizard = self.env["base.partner.merge.automatic.wizard"].create({})
        wizard._merge((kept | self.jensen).ids, kept)
        self.assertEqual(kept.mobile_e164, "+4587654321")
        self.assertEqual(self.env["res.partner"]._search_e164("+4587654321"), kept)

    def test_full_sync_repairs_the_table(self):
        self.env.flush_all()
        self.env.cr.execute(
            "DELETE FROM partner_phone_e164_number WHERE partner_id = %s",
            (self.hansen.id,),
        )
        self.env.cr.execute(
            "INSERT INTO partner_phone_e164_number VALUES (%s, '+4511111111', FALSE)",
            (self.jensen.id,),
        )
        self.env["res.partner"]._e164_sync_numbers()
        self.assertEqual(
            self.rows(self.hansen), [(self.hansen.id, "+4512345678", False)]
        )
        self.assertEqual(
            self.rows(self.jensen), [(self.jensen.id, "+4587654321", True)]
        )

    def test_uninstall_drops_the_table(self):
        uninstall_hook(self.env)  # rolled back with the test
        self.assertFalse(table_exists(self.env.cr, "partner_phone_e164_number"))
