"""Shared set-up for unitel_telephony tests: a Danish company with Danish and
Dutch contacts whose numbers are typed the way people type them."""

from odoo.tests import new_test_user
from odoo.tests.common import TransactionCase

PARAM = "unitel_telephony.%s"


class UnitelCommon:
    """Mixin for TransactionCase and HttpCase."""

    @classmethod
    def _unitel_setup(cls):
        env = cls.env
        cls.dk = env.ref("base.dk")
        cls.nl = env.ref("base.nl")
        # national numbers ("12345678") are read with the company's country
        env.company.partner_id.country_id = cls.dk
        Partner = env["res.partner"].with_context(tracking_disable=True)
        cls.hansen = Partner.create(
            {
                "name": "Hansen A/S",
                "is_company": True,
                "country_id": cls.dk.id,
                "phone": "+45 12 34 56 78",
            }
        )
        cls.jensen = Partner.create(
            {"name": "Jensen ApS", "country_id": cls.dk.id, "mobile": "87 65 43 21"}
        )
        cls.de_vries = Partner.create(
            {
                "name": "Bakkerij de Vries",
                "country_id": cls.nl.id,
                "mobile": "06 23456789",
                "phone": "020 123 4567",
            }
        )
        # two contacts sharing a switchboard number, typed differently
        cls.byg = Partner.create(
            {"name": "Testbyg A/S", "country_id": cls.dk.id, "phone": "70809010"}
        )
        cls.lars = Partner.create(
            {
                "name": "Lone Testesen",
                "country_id": cls.dk.id,
                "phone": "0045 70 80 90 10",
            }
        )
        # demo data may hold calls already: tests look at the ones they make
        cls.env.cr.execute("SELECT COALESCE(MAX(id), 0) FROM unitel_call")
        cls.call_id_floor = cls.env.cr.fetchone()[0]

    def new_calls(self, direction=None):
        domain = [("id", ">", self.call_id_floor)]
        if direction:
            domain.append(("direction", "=", direction))
        return self.env["unitel.call"].search(domain)

    @classmethod
    def _unitel_user(cls, login, name):
        """An internal user who edits contacts and logs in with the password
        ``<login>_pw1``."""
        return new_test_user(
            cls.env,
            login=login,
            password=f"{login}_pw1",
            groups="base.group_user,base.group_partner_manager",
            name=name,
        )

    @classmethod
    def _unitel_roles(cls):
        """One user per role, each logging in with ``<login>_pw1``: portal,
        internal user, salesperson (the contacts' salesperson), the addon's
        call log manager and a system administrator."""
        groups = {
            "portal": "base.group_portal",
            "internal": "base.group_user",
            "salesperson": "base.group_user,base.group_partner_manager",
            "manager": "base.group_user,unitel_telephony.group_unitel_manager",
            "admin": "base.group_user,base.group_system",
        }
        cls.roles = {
            role: new_test_user(
                cls.env,
                login=f"unitel_{role}",
                password=f"unitel_{role}_pw1",
                groups=group_ids,
                name=f"Unitel {role.title()}",
            )
            for role, group_ids in groups.items()
        }
        # made on the first session read otherwise, from a read-only cursor
        for user in cls.roles.values():
            cls.env["res.users.settings"]._find_or_create_for_user(user)
        return cls.roles

    def call_kw(self, role, model, method, *args, **kwargs):
        """``model.method(*args, **kwargs)`` over JSON-RPC as the role's user
        (HttpCase only); raises JsonRpcException with the error's class name."""
        self.authenticate(f"unitel_{role}", f"unitel_{role}_pw1")
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    @classmethod
    def _set_params(cls, **values):
        ICP = cls.env["ir.config_parameter"].sudo()
        for key, value in values.items():
            ICP.set_param(PARAM % key, value)


class UnitelTransactionCase(UnitelCommon, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._unitel_setup()
