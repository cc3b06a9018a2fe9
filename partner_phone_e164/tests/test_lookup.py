from odoo import SUPERUSER_ID, api
from odoo.tests import new_test_user, tagged

from .common import E164Case


@tagged("post_install", "-at_install")
class TestLookup(E164Case):
    """res.partner._search_e164: active contacts of a number, the user's
    access rights applied, mobile matches first, then the oldest."""

    def test_finds_by_phone_and_by_mobile(self):
        Partner = self.env["res.partner"]
        self.assertEqual(Partner._search_e164("+4512345678"), self.hansen)
        self.assertEqual(Partner._search_e164("+4587654321"), self.jensen)
        self.assertEqual(Partner._search_e164("+31201234567"), self.de_vries)
        self.assertEqual(Partner._search_e164("+31623456789"), self.de_vries)
        self.assertFalse(Partner._search_e164("+4599999999"))
        self.assertFalse(Partner._search_e164(False))

    def test_pending_edit_is_seen(self):
        # no explicit flush: the lookup flushes the mirrored columns first
        self.jensen.mobile = "+45 44 44 44 44"
        self.assertEqual(
            self.env["res.partner"]._search_e164("+4544444444"), self.jensen
        )

    def test_mobile_before_phone_then_oldest_first(self):
        Partner = self.env["res.partner"]
        older_phone = Partner.create({"name": "Kontor", "phone": "+45 50 50 50 50"})
        newer_phone = Partner.create({"name": "Kontor 2", "phone": "50505050"})
        mobile = Partner.create({"name": "Mobil", "mobile": "0045 50 50 50 50"})
        found = Partner._search_e164("+4550505050")
        self.assertEqual(found.ids, [mobile.id, older_phone.id, newer_phone.id])
        self.assertEqual(
            Partner._search_e164("+4550505050", limit=2), mobile | older_phone
        )
        by_number = Partner._search_e164_many(
            ["+4550505050", "+4512345678", "+4500000000"]
        )
        self.assertEqual(set(by_number), {"+4550505050", "+4512345678"})
        self.assertEqual(by_number["+4550505050"].ids, found.ids)
        self.assertEqual(by_number["+4512345678"], self.hansen)

    def test_archived_contacts_are_excluded(self):
        Partner = self.env["res.partner"]
        self.jensen.action_archive()
        self.assertFalse(Partner._search_e164("+4587654321"))
        self.assertFalse(Partner._search_e164_many(["+4587654321"]))
        self.jensen.action_unarchive()
        self.assertEqual(Partner._search_e164("+4587654321"), self.jensen)

    def test_access_rights_of_the_caller_apply(self):
        portal = new_test_user(
            self.env, login="e164_portal", groups="base.group_portal"
        )
        internal = new_test_user(self.env, login="e164_user", groups="base.group_user")
        portal.partner_id.mobile = "+45 60 60 60 60"
        as_portal = self.env["res.partner"].with_user(portal)
        # a portal user reads his own contact, not the customers
        self.assertFalse(as_portal._search_e164("+4512345678"))
        self.assertFalse(as_portal._search_e164_many(["+4512345678"]))
        self.assertEqual(as_portal._search_e164("+4560606060"), portal.partner_id)
        as_internal = self.env["res.partner"].with_user(internal)
        self.assertEqual(as_internal._search_e164("+4512345678"), self.hansen)
        # a record rule hiding a contact hides it from the lookup too
        self.env["ir.rule"].create(
            {
                "name": "no Hansen",
                "model_id": self.env.ref("base.model_res_partner").id,
                "domain_force": f"[('id', '!=', {self.hansen.id})]",
                "groups": [(4, self.env.ref("base.group_user").id)],
            }
        )
        self.assertFalse(as_internal._search_e164("+4512345678"))
        self.assertEqual(as_internal._search_e164("+4587654321"), self.jensen)
        # the unchecked id lookup is private and sees every active contact
        self.assertEqual(
            self.env["res.partner"]._e164_lookup_ids("+4512345678"), self.hansen.ids
        )

    def test_lookup_is_one_indexed_equality(self):
        """One `=` on the lookup table, never LIKE, answered from its index."""
        queries = []
        cr = self.env.cr
        execute = cr.execute

        def spy(query, params=None, log_exceptions=True):
            queries.append(cr.mogrify(query, params).decode())
            return execute(query, params, log_exceptions)

        self.env.flush_all()
        cr.execute = spy
        try:
            self.env["res.partner"]._search_e164("+4512345678")
        finally:
            cr.execute = execute
        lookup = [q for q in queries if "partner_phone_e164_number" in q]
        self.assertEqual(len(lookup), 1)
        self.assertIn("e164 = '+4512345678'", lookup[0])
        self.assertFalse([q for q in queries if "LIKE" in q.upper()])
        cr.execute("SET LOCAL enable_seqscan = off")
        cr.execute("EXPLAIN " + lookup[0])
        plan = "\n".join(row[0] for row in cr.fetchall())
        cr.execute("SET LOCAL enable_seqscan = on")
        self.assertIn("partner_phone_e164_number_e164_index", plan)

    def test_committed_ids_see_other_transactions_only(self):
        """_e164_committed_ids reads what is committed, on a fresh cursor: a
        contact this transaction created is not there yet, one another
        transaction committed is, though this snapshot cannot see it."""
        Partner = self.env["res.partner"]
        self.assertEqual(Partner._e164_lookup_ids("+4512345678"), self.hansen.ids)
        self.assertFalse(Partner._e164_committed_ids(["+4512345678"]))

        def in_other_transaction(func):
            with self.registry.cursor() as cr:
                result = func(api.Environment(cr, SUPERUSER_ID, {}))
                cr.commit()  # pylint: disable=invalid-commit
                return result

        other_id = in_other_transaction(
            lambda env: (
                env["res.partner"]
                .create({"name": "Andet arbejde", "mobile": "+45 27 27 27 27"})
                .id
            )
        )
        self.addCleanup(
            in_other_transaction,
            lambda env: env["res.partner"].browse(other_id).unlink(),
        )
        self.assertEqual(
            Partner._e164_committed_ids(["+4527272727", "+4500000000"]),
            {"+4527272727": [other_id]},
        )
