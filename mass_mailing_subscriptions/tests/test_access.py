import inspect

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common import SubscriptionsCase

ADDON_MODULE = "odoo.addons.mass_mailing_subscriptions"
# Every public method this addon defines, by model, and who may call it.
PUBLIC_METHODS = {
    "mailing.mailing": {
        "create": "override group for bypass_consent",
        "write": "override group for bypass_consent",
        "action_view_consent_excluded": "mass mailing users (ACL)",
    },
    "mailing.subscription.type": {
        "action_view_partners": "internal users (ACL)",
        "action_view_mailings": "internal users (ACL)",
        "unlink": "mass mailing users (ACL)",
    },
    "res.partner": {
        "create": "ACL of res.partner",
        "write": "ACL of res.partner",
    },
}


@tagged("post_install", "-at_install", "mass_mailing_subscriptions")
class TestAccessOverRpc(SubscriptionsCase, HttpCase):
    """What each role may do, asked the way a browser or a script asks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_portal = new_test_user(
            cls.env,
            login="mms_portal",
            password="mms_portal_pw1",
            groups="base.group_portal",
            name="Paula Portal",
        )
        cls.user_internal = new_test_user(
            cls.env,
            login="mms_internal",
            password="mms_internal_pw1",
            groups="base.group_user",
            name="Ivan Internal",
        )
        cls.user_overrider = new_test_user(
            cls.env,
            login="mms_overrider",
            password="mms_overrider_pw1",
            groups="base.group_user,mass_mailing_subscriptions.group_override_consent",
            name="Otto Override",
        )
        cls.user_marketing.password = "user_marketing_pw1"

    def _call(self, login, model, method, args, kwargs=None):
        self.authenticate(
            login, {"user_marketing": "user_marketing_pw1"}.get(login, f"{login}_pw1")
        )
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {
                "model": model,
                "method": method,
                "args": args,
                "kwargs": kwargs or {},
            },
        )

    def _mailing_vals(self, **extra):
        return {
            "name": "RPC mailing",
            "subject": "RPC",
            "body_html": "<p>Hi</p>",
            "mailing_model_id": self.env["ir.model"]._get_id("res.partner"),
            **extra,
        }

    def _mailings(self, name="RPC mailing"):
        return self.env["mailing.mailing"].search([("name", "=", name)])

    def test_marketer_cannot_set_bypass_consent_by_any_path(self):
        # 1. An explicit value, 2. default_* in the context, 3. a personal default.
        attempts = [
            ([self._mailing_vals(bypass_consent=True)], {}),
            ([self._mailing_vals()], {"context": {"default_bypass_consent": True}}),
        ]
        for args, kwargs in attempts:
            with self.assertRaises(JsonRpcException) as caught:
                self._call("user_marketing", "mailing.mailing", "create", args, kwargs)
            self.assertIn("AccessError", str(caught.exception))
        self.env["ir.default"].set(
            "mailing.mailing",
            "bypass_consent",
            True,
            user_id=self.user_marketing.id,
        )
        with self.assertRaises(JsonRpcException) as caught:
            self._call(
                "user_marketing", "mailing.mailing", "create", [self._mailing_vals()]
            )
        self.assertIn("AccessError", str(caught.exception))
        self.assertFalse(self._mailings())
        self.env["ir.default"].search(
            [("user_id", "=", self.user_marketing.id)]
        ).unlink()
        # write() on an existing mailing, too.
        mailing = self._create_partner_mailing(self.type_offers)
        with self.assertRaises(JsonRpcException) as caught:
            self._call(
                "user_marketing",
                "mailing.mailing",
                "write",
                [mailing.ids, {"bypass_consent": True}],
            )
        self.assertIn("AccessError", str(caught.exception))
        mailing.invalidate_recordset()
        self.assertFalse(mailing.bypass_consent)
        # Without the flag the marketer works as usual.
        new_id = self._call(
            "user_marketing", "mailing.mailing", "create", [self._mailing_vals()]
        )
        self.assertFalse(self.env["mailing.mailing"].browse(new_id).bypass_consent)

    def test_marketer_cannot_retarget_an_approved_bypass(self):
        """A bypass covers the audience and text it was approved for."""
        mailing = self._create_partner_mailing(self.type_offers)
        mailing.sudo().bypass_consent = True  # approved by the override group
        domain = mailing.mailing_domain
        everyone = self.env["mailing.filter"].create(
            {
                "name": "Everyone",
                "mailing_model_id": mailing.mailing_model_id.id,
                "mailing_domain": "[]",
            }
        )
        for vals in (
            {"mailing_domain": "[]"},
            {"body_html": "<p>Everyone!</p>"},
            {"subject": "Something else"},
            # a saved filter recomputes the domain; another channel sends the
            # approved audience a text nobody approved for it
            {"mailing_filter_id": everyone.id},
            {"mailing_type": mailing.mailing_type},
        ):
            with self.assertRaises(JsonRpcException) as caught:
                self._call(
                    "user_marketing", "mailing.mailing", "write", [mailing.ids, vals]
                )
            self.assertIn("AccessError", str(caught.exception))
        mailing.invalidate_recordset()
        self.assertEqual(mailing.mailing_domain, domain)
        self.assertFalse(mailing.mailing_filter_id)
        # dropping the bypass along with the change is the marketer's to do
        self._call(
            "user_marketing",
            "mailing.mailing",
            "write",
            [mailing.ids, {"bypass_consent": False, "mailing_domain": "[]"}],
        )
        mailing.invalidate_recordset()
        self.assertFalse(mailing.bypass_consent)

    def test_preferences_link_is_not_handed_to_marketers(self):
        """The link acts as the person: holding it re-grants e-marketing."""
        with self.assertRaises(JsonRpcException) as caught:
            self._call(
                "user_marketing",
                "res.partner",
                "read",
                [self.p_offers.ids, ["subscription_preferences_url"]],
            )
        self.assertIn("AccessError", str(caught.exception))

    def test_caller_context_cannot_claim_the_persons_own_act(self):
        self._call(
            "user_marketing",
            "res.partner",
            "write",
            [
                self.p_newsletter.ids,
                {"subscription_type_ids": [(4, self.type_offers.id)]},
            ],
            {
                "context": {
                    "consent_source": "portal",
                    "consent_evidence": {"ip_address": "203.0.113.9"},
                }
            },
        )
        event = self.env["consent.event"].search(
            [
                ("partner_id", "=", self.p_newsletter.id),
                ("event_type", "=", "preference"),
            ],
            order="id desc",
            limit=1,
        )
        self.assertEqual(event.source, "manual")
        self.assertFalse(event.ip_address)

    def test_override_group_may_set_bypass_consent(self):
        new_id = self._call(
            "mms_overrider",
            "mailing.mailing",
            "create",
            [self._mailing_vals()],
            {"context": {"default_bypass_consent": True}},
        )
        self.assertTrue(self.env["mailing.mailing"].browse(new_id).bypass_consent)
        mailing = self._create_partner_mailing(self.type_offers)
        self._call(
            "mms_overrider",
            "mailing.mailing",
            "write",
            [mailing.ids, {"bypass_consent": True}],
        )
        mailing.invalidate_recordset()
        self.assertTrue(mailing.bypass_consent)
        # Anybody may switch it off again: that only makes the send-out safer.
        self._call(
            "user_marketing",
            "mailing.mailing",
            "write",
            [mailing.ids, {"bypass_consent": False}],
        )
        mailing.invalidate_recordset()
        self.assertFalse(mailing.bypass_consent)

    def test_public_methods_refuse_portal_and_plain_users(self):
        mailing = self._create_partner_mailing(self.type_offers)
        refused = [
            (
                "mms_portal",
                "mailing.subscription.type",
                "action_view_partners",
                [self.type_offers.ids],
            ),
            (
                "mms_portal",
                "mailing.subscription.type",
                "action_view_mailings",
                [self.type_offers.ids],
            ),
            (
                "mms_portal",
                "mailing.mailing",
                "action_view_consent_excluded",
                [mailing.ids],
            ),
            (
                "mms_internal",
                "mailing.mailing",
                "action_view_consent_excluded",
                [mailing.ids],
            ),
            (
                "mms_portal",
                "mailing.subscription.type",
                "write",
                [self.type_offers.ids, {"name": "Hijacked"}],
            ),
            (
                "mms_internal",
                "mailing.subscription.type",
                "unlink",
                [self.type_offers.ids],
            ),
            (
                "mms_portal",
                "res.partner",
                "write",
                [self.p_offers.ids, {"subscription_type_ids": [(5, 0, 0)]}],
            ),
        ]
        for login, model, method, args in refused:
            with self.subTest(login=login, method=method):
                with self.assertRaises(JsonRpcException) as caught:
                    self._call(login, model, method, args)
                self.assertIn("AccessError", str(caught.exception))
        self.type_offers.invalidate_recordset()
        self.assertEqual(self.type_offers.name, "Offers")
        self.assertIn(self.type_offers, self.p_offers.subscription_type_ids)
        # An internal user may look at who chose a type (no data beyond ACLs).
        action = self._call(
            "mms_internal",
            "mailing.subscription.type",
            "action_view_partners",
            [self.type_offers.ids],
        )
        self.assertEqual(action["res_model"], "res.partner")

    def test_every_public_method_is_known(self):
        """A new public method of this addon must be added to the table above
        (and get its access test)."""
        found = {}
        for model_name in self.env.registry:
            cls = type(self.env[model_name])
            for klass in cls.__mro__:
                if not getattr(klass, "__module__", "").startswith(ADDON_MODULE):
                    continue
                for name, member in vars(klass).items():
                    if name.startswith("_") or not inspect.isfunction(member):
                        continue
                    found.setdefault(model_name, set()).add(name)
        self.assertEqual(
            found, {model: set(methods) for model, methods in PUBLIC_METHODS.items()}
        )
