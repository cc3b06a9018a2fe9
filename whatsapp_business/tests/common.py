"""Shared set-up: a WhatsApp account pointing at the fake Graph API on 127.0.0.1.

Other addons may reuse :class:`WhatsappCommon` to get an account, approved
templates and a customer, and :meth:`WhatsappCommon.signed` to build webhook
requests Meta would send.
"""

import calendar
import json
from datetime import timedelta

from nordic_crm_fakes.meta_graph import TOKEN, FakeMetaGraph

from odoo import fields
from odoo.tests import new_test_user

from ..services import webhook as wa_webhook

APP_SECRET = "test-app-secret"
VERIFY_TOKEN = "test-verify-token"


def epoch(naive_utc):
    """Unix time of a naive UTC datetime, as Meta sends it."""
    return calendar.timegm(naive_utc.utctimetuple())


class WhatsappCommon:
    """Mixin for TransactionCase / HttpCase."""

    @classmethod
    def _setup_whatsapp(cls):
        cls.fake = FakeMetaGraph().start()
        cls.addClassCleanup(cls.fake.stop)
        cls.env["ir.config_parameter"].sudo().set_param(
            "whatsapp_business.http_timeout", "0.5"
        )
        cls.agent = new_test_user(
            cls.env,
            login="wa_agent",
            name="Agnete Agent",
            groups="base.group_user",
            email="agnete@example.com",
        )
        cls.colleague = new_test_user(
            cls.env,
            login="wa_colleague",
            name="Carl Colleague",
            groups="base.group_user",
        )
        cls.account = cls.env["whatsapp.account"].create(
            {
                "name": "Test number",
                "phone_number_id": cls.fake.phone_number_id,
                "business_account_id": cls.fake.waba_id,
                "access_token": TOKEN,
                "app_secret": APP_SECRET,
                "webhook_verify_token": VERIFY_TOKEN,
                "base_url": cls.fake.url,
                "api_version": cls.fake.version,
                "user_ids": [(6, 0, (cls.agent | cls.colleague).ids)],
            }
        )
        cls.account.price_ids.filtered(lambda p: p.category == "marketing").price = 0.5
        cls.account.price_ids.filtered(lambda p: p.category == "utility").price = 0.2
        cls.account.action_sync_templates()
        templates = cls.account.template_ids
        cls.tmpl_utility = templates.filtered(lambda t: t.name == "order_update")
        cls.tmpl_marketing = templates.filtered(lambda t: t.name == "spring_offer")
        cls.tmpl_auth = templates.filtered(lambda t: t.name == "login_code")
        cls.tmpl_pending = templates.filtered(lambda t: t.name == "draft_news")
        cls.customer = cls.env["res.partner"].create(
            {
                "name": "Jens Jensen",
                "mobile": "20 99 88 77",
                "country_id": cls.env.ref("base.dk").id,
            }
        )

    @classmethod
    def _setup_roles(cls):
        """One logged-in user per role (password = login). ``cls.agent`` is the
        WhatsApp user (in the account's team); the salesperson is in no team
        (and in Sales' salesperson group when sales_team is installed)."""
        salesman = cls.env.ref(
            "sales_team.group_sale_salesman", raise_if_not_found=False
        )
        cls.portal = new_test_user(
            cls.env, login="wa_portal", name="Pia Portal", groups="base.group_portal"
        )
        cls.employee = new_test_user(
            cls.env, login="wa_employee", name="Erik Employee", groups="base.group_user"
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="wa_sales",
            name="Sofie Sales",
            groups="base.group_user"
            + (",sales_team.group_sale_salesman" if salesman else ""),
        )
        cls.wa_manager = new_test_user(
            cls.env,
            login="wa_manager",
            name="Mads Manager",
            groups="whatsapp_business.group_whatsapp_manager",
        )
        cls.sysadmin = new_test_user(
            cls.env,
            login="wa_sysadmin",
            name="Sara Sysadmin",
            groups="base.group_system",
        )

    def setUp(self):
        super().setUp()
        # one fake per class: forget what earlier tests sent or scripted
        self.fake.requests.clear()
        self.fake.sent.clear()
        self.fake._queued.clear()
        self.fake.media_urls.clear()
        self.fake.uploads.clear()

    # -- helpers -------------------------------------------------------------
    def conversation(self, partner=None, hours_since_inbound=None):
        partner = partner or self.customer
        channel = self.env["discuss.channel"]._whatsapp_get_or_create(
            self.account, partner
        )[partner]
        if hours_since_inbound is not None:
            channel._whatsapp_open_window(
                fields.Datetime.now() - timedelta(hours=hours_since_inbound)
            )
        return channel

    def run_queue(self):
        self.env["whatsapp.message"]._cron_send_outgoing()

    @staticmethod
    def signed(payload, secret=APP_SECRET):
        """``(raw body, headers)`` of a webhook call signed like Meta does."""
        raw = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if secret:
            headers["X-Hub-Signature-256"] = wa_webhook.compute_signature(secret, raw)
        return raw, headers

    def envelope(self, value, field="messages"):
        value = dict(value)
        value.setdefault("messaging_product", "whatsapp")
        value.setdefault(
            "metadata",
            {
                "display_phone_number": "4570203040",
                "phone_number_id": self.fake.phone_number_id,
            },
        )
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": self.fake.waba_id,
                    "changes": [{"field": field, "value": value}],
                }
            ],
        }

    def inbound_payload(
        self,
        wamid,
        sender="4520998877",
        text="Hej",
        name="Jens",
        timestamp=None,
        extra=None,
        contact=None,
    ):
        message = {
            "from": sender,
            "id": wamid,
            "timestamp": str(epoch(timestamp or fields.Datetime.now())),
            "type": "text",
            "text": {"body": text},
        }
        message.update(extra or {})
        return self.envelope(
            {
                "contacts": [contact or {"profile": {"name": name}, "wa_id": sender}],
                "messages": [message],
            }
        )

    def status_payload(self, wamid, status, pricing=None, errors=None):
        item = {
            "id": wamid,
            "status": status,
            "timestamp": str(epoch(fields.Datetime.now())),
            "recipient_id": "4520998877",
        }
        if pricing:
            item["pricing"] = pricing
        if errors:
            item["errors"] = errors
        return self.envelope({"statuses": [item]})
