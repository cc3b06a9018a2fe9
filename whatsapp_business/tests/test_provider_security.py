"""The access token only ever reaches Meta (issue 14, case 5).

Only system administrators may point an account at another Graph API URL or
version; media is downloaded only from Meta's hosts (or the configured host);
files sent on WhatsApp must be readable by whoever sends them.
"""

from nordic_crm_fakes.meta_graph import TOKEN, FakeMetaGraph

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, JsonRpcException, tagged

from .common import WhatsappCommon


@tagged("post_install", "-at_install")
class TestProviderHost(WhatsappCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls._setup_roles()
        # a server of the attacker's, speaking Graph, that would love the token
        cls.attacker = FakeMetaGraph(token="anything").start()
        cls.addClassCleanup(cls.attacker.stop)

    def setUp(self):
        super().setUp()
        self.attacker.requests.clear()

    def assertNoTokenLeaked(self):
        self.assertFalse(self.attacker.requests, "nothing reached the other host")

    def call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
        )

    # -- who may change where the token goes -----------------------------------
    def test_manager_cannot_repoint_the_graph_url(self):
        account = self.account.with_user(self.wa_manager)
        for vals in (
            {"base_url": self.attacker.url},
            {"api_version": "v1.0"},
            {"name": "Renamed", "base_url": self.attacker.url},
        ):
            with self.assertRaises(AccessError):
                account.write(vals)
        self.assertEqual(self.account.base_url, self.fake.url)
        self.assertEqual(self.account.api_version, self.fake.version)
        # everything else stays theirs to manage
        account.write({"name": "Kundeservice", "base_url": self.fake.url})
        self.assertEqual(self.account.name, "Kundeservice")

    def test_manager_test_connection_over_json_rpc_never_leaks_the_token(self):
        self.authenticate("wa_manager", "wa_manager")
        with self.assertRaises(JsonRpcException) as error:
            self.call_kw(
                "whatsapp.account",
                "write",
                [[self.account.id], {"base_url": self.attacker.url}],
            )
        self.assertEqual(error.exception.args[0], "odoo.exceptions.AccessError")
        self.call_kw("whatsapp.account", "action_test_connection", [[self.account.id]])
        self.assertNoTokenLeaked()
        tokens = {r.headers.get("authorization") for r in self.fake.requests}
        self.assertEqual(tokens, {f"Bearer {TOKEN}"})
        self.assertEqual(self.account.verified_name, "Nordlys ApS")

    def test_manager_cannot_create_an_account_for_another_host(self):
        Account = self.env["whatsapp.account"].with_user(self.wa_manager)
        vals = {"name": "Mine", "phone_number_id": "777", "business_account_id": "888"}
        with self.assertRaises(AccessError):
            Account.create(dict(vals, base_url=self.attacker.url))
        with self.assertRaises(AccessError):
            Account.with_context(default_base_url=self.attacker.url).create(vals)
        with self.assertRaises(AccessError):
            Account.with_context(default_api_version="v2.0").create(vals)
        # a personal default is applied late, too
        self.env["ir.default"].with_user(self.wa_manager).set(
            "whatsapp.account", "base_url", self.attacker.url, user_id=True
        )
        with self.assertRaises(AccessError):
            Account.create(vals)
        self.env["ir.default"].search(
            [("user_id", "=", self.wa_manager.id), ("field_id.name", "=", "base_url")]
        ).unlink()
        account = Account.create(vals)
        self.assertEqual(account.base_url, "https://graph.facebook.com")
        # a copy does not inherit a host an administrator chose for the original
        copy = self.account.with_user(self.wa_manager).copy({"phone_number_id": "999"})
        self.assertEqual(copy.base_url, "https://graph.facebook.com")

    def test_system_administrator_sets_the_host(self):
        account = self.account.with_user(self.sysadmin)
        account.write({"base_url": self.fake.url + "/", "api_version": "v24.0"})
        self.assertEqual(self.account.api_version, "v24.0")
        for bad in (
            "http://graph.example.com",  # clear text outside this machine
            "https://user@graph.facebook.com.evil.example",
            "https://graph.facebook.com?x=1",
            "ftp://graph.facebook.com",
            "https://graph.facebook.com\x00.evil",
        ):
            with self.assertRaises(ValidationError), self.cr.savepoint():
                account.write({"base_url": bad})
        with self.assertRaises(ValidationError), self.cr.savepoint():
            account.write({"api_version": "v23.0/../../x"})

    def test_other_roles_cannot_test_or_synchronise(self):
        for user in (self.portal, self.employee, self.salesperson, self.agent):
            for method in ("action_test_connection", "action_sync_templates"):
                with self.assertRaises(AccessError):
                    getattr(self.account.with_user(user), method)()
        self.assertFalse(self.fake.requests, "no call to Meta was made")
        self.authenticate("wa_agent", "wa_agent")
        with self.assertRaises(JsonRpcException):
            self.call_kw(
                "whatsapp.account", "action_sync_templates", [[self.account.id]]
            )
        self.assertFalse(self.fake.requests)

    def test_only_system_administrators_see_or_set_the_token(self):
        for user in (self.employee, self.agent, self.wa_manager):
            account = self.account.with_user(user)
            for fname in ("access_token", "app_secret", "webhook_verify_token"):
                with self.assertRaises(AccessError):
                    account.read([fname])
                with self.assertRaises(AccessError):
                    account.write({fname: "x"})
        self.assertEqual(
            self.account.with_user(self.sysadmin).read(["access_token"])[0][
                "access_token"
            ],
            TOKEN,
        )

    # -- media -------------------------------------------------------------
    def test_media_on_another_host_is_not_followed(self):
        self.fake.add_media(
            "media-9",
            b"\x89PNG",
            "image/png",
            url=f"{self.attacker.url}/media/media-9",
        )
        raw, headers = self.signed(
            self.inbound_payload(
                "wamid.MEDIA.9",
                extra={"type": "image", "image": {"id": "media-9"}},
            )
        )
        self.assertEqual(
            self.url_open("/whatsapp/webhook", data=raw, headers=headers).status_code,
            200,
        )
        self.assertNoTokenLeaked()
        message = self.env["whatsapp.message"].search(
            [("meta_id", "=", "wamid.MEDIA.9")]
        )
        self.assertFalse(message.attachment_id)
        self.assertIn("not on Meta's hosts", message.failure_reason)

    def test_media_on_the_configured_host_is_downloaded(self):
        self.fake.add_media("media-10", b"\x89PNG10", "image/png")
        raw, headers = self.signed(
            self.inbound_payload(
                "wamid.MEDIA.10",
                extra={"type": "image", "image": {"id": "media-10"}},
            )
        )
        self.url_open("/whatsapp/webhook", data=raw, headers=headers)
        message = self.env["whatsapp.message"].search(
            [("meta_id", "=", "wamid.MEDIA.10")]
        )
        self.assertEqual(message.attachment_id.raw, b"\x89PNG10")


@tagged("post_install", "-at_install")
class TestFileAccess(WhatsappCommon, HttpCase):
    """A file goes to Meta only when its sender may read it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_whatsapp()
        cls._setup_roles()
        # uploaded by someone else and attached to nothing: nobody else reads it
        cls.secret = cls.env["ir.attachment"].create(
            {"name": "salaries.pdf", "raw": b"%PDF-1.4 salaries", "res_id": 0}
        )
        cls.channel = cls.env["discuss.channel"]._whatsapp_get_or_create(
            cls.account, cls.customer
        )[cls.customer]
        cls.shared = cls.env["ir.attachment"].create(
            {
                "name": "offer.pdf",
                "raw": b"%PDF-1.4 offer",
                "res_model": "discuss.channel",
                "res_id": cls.channel.id,
            }
        )

    def failed_message(self, attachment):
        return (
            self.env["whatsapp.message"]
            .sudo()
            .create(
                {
                    "account_id": self.account.id,
                    "channel_id": self.channel.id,
                    "partner_id": self.customer.id,
                    "direction": "outbound",
                    "state": "failed",
                    "message_type": "document",
                    "recipient": "4520998877",
                    "attachment_id": attachment.id,
                }
            )
        )

    def test_retry_with_an_unreadable_file_is_refused(self):
        message = self.failed_message(self.secret)
        for user in (self.agent, self.wa_manager):
            with self.assertRaises(AccessError):
                message.with_user(user).action_retry()
        self.assertEqual(message.state, "failed")
        self.run_queue()
        self.assertFalse(self.fake.uploads, "the file never left")

    def test_manager_cannot_attach_an_unreadable_file(self):
        Message = self.env["whatsapp.message"].with_user(self.wa_manager)
        with self.assertRaises(AccessError):
            Message.create(
                {
                    "account_id": self.account.id,
                    "direction": "outbound",
                    "state": "outgoing",
                    "recipient": "4520998877",
                    "attachment_id": self.secret.id,
                }
            )
        message = self.failed_message(self.shared)
        with self.assertRaises(AccessError):
            message.with_user(self.wa_manager).write({"attachment_id": self.secret.id})
        self.assertEqual(message.attachment_id, self.shared)
        self.run_queue()
        self.assertFalse(self.fake.uploads)

    def test_retry_with_a_readable_file_is_sent(self):
        # free text and files go out inside the 24-hour window only
        self.channel._whatsapp_open_window(fields.Datetime.now())
        message = self.failed_message(self.shared)
        message.with_user(self.agent).action_retry()
        self.assertEqual(message.state, "outgoing")
        self.run_queue()
        self.assertEqual(message.state, "sent")
        self.assertIn(b"%PDF-1.4 offer", self.fake.uploads[-1])

    def test_posting_an_unreadable_file_over_json_rpc_is_refused(self):
        self.channel._whatsapp_open_window(fields.Datetime.now())
        self.authenticate("wa_agent", "wa_agent")
        with self.assertRaises(JsonRpcException) as error:
            self.make_jsonrpc_request(
                "/web/dataset/call_kw",
                {
                    "model": "discuss.channel",
                    "method": "message_post",
                    "args": [[self.channel.id]],
                    "kwargs": {
                        "body": "Se vedhæftet",
                        "message_type": "comment",
                        "attachment_ids": [self.secret.id],
                    },
                },
            )
        self.assertEqual(error.exception.args[0], "odoo.exceptions.AccessError")
        self.assertFalse(
            self.env["whatsapp.message"].search([("channel_id", "=", self.channel.id)])
        )
        self.assertFalse(self.secret.res_id, "the file was not moved either")
