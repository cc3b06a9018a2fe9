"""Shared set-up: a company with an Exchange sync configuration pointing at
fake servers on 127.0.0.1, and two users with mailboxes.

Other addons may reuse :class:`ExchangeSyncCase` to sync against the fakes.
"""

from datetime import datetime, timedelta

from nordic_crm_fakes.msgraph import FakeGraph

from odoo.tests import TransactionCase, new_test_user


class ExchangeSyncCase(TransactionCase):
    page_size = 5

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(
            context=dict(
                cls.env.context, exchange_sync_no_commit=True, tracking_disable=True
            )
        )
        params = cls.env["ir.config_parameter"].sudo()
        params.set_param("exchange_calendar_sync.retry_backoff", "0.01")
        params.set_param("exchange_calendar_sync.max_retries", "2")
        params.set_param("exchange_calendar_sync.page_size", str(cls.page_size))
        params.set_param("exchange_calendar_sync.ews_max_wait", "0")
        cls.company = cls.env["res.company"].create({"name": "Nordlys Sync ApS"})
        cls.anna = new_test_user(
            cls.env,
            login="anna.sync",
            name="Anna Sync",
            email="anna@nordlys.example",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
            tz="Europe/Copenhagen",
            groups="base.group_user",
        )
        cls.bo = new_test_user(
            cls.env,
            login="bo.sync",
            name="Bo Sync",
            email="bo@nordlys.example",
            company_id=cls.company.id,
            company_ids=[cls.company.id],
            tz="Europe/Copenhagen",
            groups="base.group_user",
        )
        cls.config = cls.env["exchange.sync.config"].create(
            {
                "name": "Test sync",
                "company_id": cls.company.id,
                "enabled": True,
                "backend": "graph",
                "tenant_id": FakeGraph.tenant,
                "client_id": FakeGraph.client_id,
                "client_secret": FakeGraph.client_secret,
                "days_back": 30,
                "days_ahead": 90,
            }
        )
        cls.mb_anna, cls.mb_bo = cls.env["exchange.sync.mailbox"].create(
            [
                {"config_id": cls.config.id, "user_id": cls.anna.id},
                {"config_id": cls.config.id, "user_id": cls.bo.id},
            ]
        )
        cls.base = datetime.combine(
            datetime.utcnow().date(), datetime.min.time()
        ) + timedelta(days=2, hours=8)

    def setUp(self):
        super().setUp()
        self.fake = FakeGraph().start()
        self.addCleanup(self.fake.stop)
        self.fake.add_mailbox("anna@nordlys.example", "Kalender", "Opgaver")
        self.fake.add_mailbox("bo@nordlys.example")
        self.config.write(
            {"graph_url": f"{self.fake.url}/v1.0", "login_url": self.fake.url}
        )

    # helpers
    def sync(self, *mailboxes):
        records = self.env["exchange.sync.mailbox"]
        for mailbox in mailboxes or (self.mb_anna,):
            records |= mailbox
        records._run_sync()
        for mailbox in records:
            self.assertFalse(mailbox.last_error, mailbox.last_error)

    def links(self, mailbox=None, model="calendar.event"):
        domain = [("res_model", "=", model), ("pending_action", "=", False)]
        if mailbox:
            domain.append(("mailbox_id", "=", mailbox.id))
        return self.env["exchange.item.link"].search(domain)

    def event_for(self, remote_id, mailbox=None):
        link = self.env["exchange.item.link"].search(
            [
                ("remote_id", "=", remote_id),
                ("res_model", "=", "calendar.event"),
                ("mailbox_id", "=", (mailbox or self.mb_anna).id),
            ]
        )
        return self.env["calendar.event"].browse(link.res_id)

    def anna_events(self):
        return self.env["calendar.event"].search(
            [("partner_ids", "in", self.anna.partner_id.id)]
        )

    def new_event(self, **vals):
        values = {
            "name": "Odoo meeting",
            "start": self.base,
            "stop": self.base + timedelta(hours=1),
            "user_id": self.anna.id,
            "partner_ids": [(6, 0, [self.anna.partner_id.id])],
        }
        values.update(vals)
        return (
            self.env["calendar.event"]
            .with_context(no_mail_to_attendees=True)
            .create(values)
        )
