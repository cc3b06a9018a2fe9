from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from .common import UnitelCommon

ACCESS_ERROR = "odoo.exceptions.AccessError"


@tagged("post_install", "-at_install")
class TestCallAccess(UnitelCommon, HttpCase):
    """Who sees and changes which calls, and where a call may leave a note."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._unitel_setup()
        cls._unitel_roles()
        roles = cls.roles
        cls.other_company = cls.env["res.company"].create({"name": "Anden ApS"})
        cls.secret = cls.env["res.partner"].create(
            {"name": "Hemmelig Kunde", "company_id": cls.other_company.id}
        )
        # the salesperson looks after Jensen ApS
        cls.jensen.user_id = roles["salesperson"]
        Call = cls.env["unitel.call"]
        cls.internal_call = Call.create(
            {
                "direction": "outgoing",
                "number": "+4512345678",
                "partner_id": cls.hansen.id,
                "user_id": roles["internal"].id,
            }
        )
        cls.manager_call = Call.create(
            {
                "direction": "incoming",
                "number": "+4587654321",
                "partner_id": cls.jensen.id,
                "user_id": roles["manager"].id,
            }
        )
        cls.unassigned_call = Call.create(
            {"direction": "incoming", "number": "+4599887766", "user_id": False}
        )
        cls.all_calls = cls.internal_call | cls.manager_call | cls.unassigned_call

    def visible(self, role):
        ids = self.call_kw(
            role, "unitel.call", "search", [("id", "in", self.all_calls.ids)]
        )
        return self.env["unitel.call"].browse(ids)

    def notes(self, record):
        return record.message_ids.filtered(lambda m: "call" in (m.body or ""))

    def test_who_sees_which_call(self):
        expected = {
            "internal": self.internal_call,
            # calls with the contacts they are the salesperson of
            "salesperson": self.manager_call,
            "manager": self.all_calls,
            "admin": self.all_calls,
        }
        for role, calls in expected.items():
            with self.subTest(role=role):
                self.assertEqual(self.visible(role), calls)
        with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
            self.visible("portal")
        with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
            self.call_kw(
                "internal", "unitel.call", "read", self.manager_call.ids, ["number"]
            )

    def test_users_cannot_rewrite_or_delete_others_calls(self):
        for role in ("portal", "internal", "salesperson"):
            with self.subTest(role=role):
                with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
                    self.call_kw(
                        role,
                        "unitel.call",
                        "write",
                        self.manager_call.ids,
                        {"outcome": "missed", "number": "+4511111111"},
                    )
                with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
                    self.call_kw(role, "unitel.call", "unlink", self.manager_call.ids)
        self.assertEqual(self.manager_call.number, "+4587654321")
        self.assertFalse(self.manager_call.outcome)
        # their own call: corrected, not deleted, not given away
        self.call_kw(
            "internal",
            "unitel.call",
            "write",
            self.internal_call.ids,
            {"outcome": "answered"},
        )
        self.assertEqual(self.internal_call.outcome, "answered")
        for vals in (
            {"user_id": self.roles["manager"].id},
            {"external_id": "pbx-999"},
            {"source": "pbx"},
        ):
            with self.subTest(vals=vals):
                with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
                    self.call_kw(
                        "internal", "unitel.call", "write", self.internal_call.ids, vals
                    )
        self.assertEqual(self.internal_call.user_id, self.roles["internal"])
        self.assertFalse(self.internal_call.external_id)

    def test_managers_correct_and_delete_every_call(self):
        for role in ("manager", "admin"):
            with self.subTest(role=role):
                self.call_kw(
                    role,
                    "unitel.call",
                    "write",
                    self.unassigned_call.ids,
                    {"outcome": "missed", "user_id": self.roles["internal"].id},
                )
        self.assertEqual(self.unassigned_call.outcome, "missed")
        self.call_kw("manager", "unitel.call", "unlink", self.internal_call.ids)
        self.assertFalse(self.internal_call.exists())

    def test_create_leaves_no_note_on_a_record_the_user_cannot_read(self):
        before = self.notes(self.secret)
        for role in ("portal", "internal", "salesperson"):
            for vals in (
                {"res_model": "res.partner", "res_id": self.secret.id},
                {"partner_id": self.secret.id},
            ):
                with self.subTest(role=role, vals=vals):
                    with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
                        self.call_kw(
                            role,
                            "unitel.call",
                            "create",
                            dict(
                                vals,
                                direction="outgoing",
                                number="+4512121212",
                                user_id=self.roles[role].id,
                            ),
                        )
        self.assertEqual(self.notes(self.secret), before)
        self.assertFalse(
            self.env["unitel.call"].search([("number", "=", "+4512121212")])
        )

    def test_create_logs_own_calls_on_readable_records_as_the_user(self):
        call_id = self.call_kw(
            "internal",
            "unitel.call",
            "create",
            {
                "direction": "outgoing",
                "number": "+4512345678",
                "partner_id": self.hansen.id,
            },
        )
        call = self.env["unitel.call"].browse(call_id)
        self.assertEqual(call.user_id, self.roles["internal"])
        note = self.notes(self.hansen)[:1]
        self.assertIn("Outgoing call to Hansen A/S", note.body)
        self.assertEqual(note.author_id, self.roles["internal"].partner_id)

    def test_create_cannot_forge_the_user_or_the_pbx(self):
        manager = self.roles["manager"]
        forged = (
            ({"user_id": manager.id}, {}),
            ({}, {"default_user_id": manager.id}),
            ({"external_id": "pbx-1", "source": "pbx"}, {}),
            ({}, {"default_source": "pbx"}),
            ({"notified_user_ids": [(6, 0, [manager.id])]}, {}),
        )
        for vals, context in forged:
            with self.subTest(vals=vals, context=context):
                with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
                    self.call_kw(
                        "internal",
                        "unitel.call",
                        "create",
                        dict(vals, direction="incoming", number="+4513131313"),
                        context=context,
                    )
        self.assertFalse(
            self.env["unitel.call"].search([("number", "=", "+4513131313")])
        )
        # a manager records PBX calls by hand
        self.call_kw(
            "manager",
            "unitel.call",
            "create",
            {
                "direction": "incoming",
                "number": "+4513131313",
                "source": "pbx",
                "external_id": "pbx-1",
            },
        )

    def test_notified_users_open_the_call_but_cannot_change_it(self):
        call = self.env["unitel.call"].create(
            {
                "direction": "incoming",
                "number": "+4512345678",
                "user_id": self.roles["manager"].id,
                "notified_user_ids": [(6, 0, self.roles["internal"].ids)],
                "source": "pbx",
            }
        )
        action = self.call_kw("internal", "unitel.call", "action_open_caller", call.ids)
        self.assertEqual(action["res_id"], self.hansen.id)
        with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
            self.call_kw(
                "internal", "unitel.call", "write", call.ids, {"outcome": "missed"}
            )
        with self.assertRaisesRegex(JsonRpcException, ACCESS_ERROR):
            self.call_kw("salesperson", "unitel.call", "action_open_caller", call.ids)

    def test_new_contact_links_only_a_call_the_user_may_see(self):
        call = self.env["unitel.call"].create(
            {"direction": "incoming", "number": "+4540404040", "user_id": False}
        )
        partner_id = self.call_kw(
            "salesperson",
            "res.partner",
            "create",
            {"name": "Ny Kunde", "phone": "+45 40 40 40 40"},
            context={"unitel_call_id": call.id},
        )
        self.assertTrue(partner_id)
        self.assertFalse(call.partner_id)
