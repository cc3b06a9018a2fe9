"""Who reads the e-mail log, over JSON-RPC as each role (issue 14, case 4).

Events follow the contact's salesperson; marketers see the events of
mailings; IP address, user agent, clicked URL and the links to messages and
outgoing mail are the manager's only; a subject shows only to whoever may
read the message; portal users see nothing.
"""

from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import SendgridCommon, call_kw, make_role_users

PERSONAL = ["ip", "useragent", "url"]
LINKS = ["mail_message_id", "mail_mail_id"]
MAILING_LINKS = ["mailing_id", "mailing_trace_id"]
MINE = {"ev-secret", "ev-own", "ev-orphan", "ev-mailing"}
BASE_FIELDS = ["sg_event_id", "event_type", "email", "partner_id", "subject"]


@tagged("post_install", "-at_install")
class TestEventAccess(SendgridCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.users = make_role_users(cls.env, "sgacc")
        cls.partner.user_id = cls.users["salesperson"]
        cls.orphan = cls.env["res.partner"].create(
            {"name": "Ingen Ejer", "email": "ingen@kunde.example"}
        )
        # a message on a document salespeople cannot read (a mailing)
        cls.secret = cls.mailing.message_post(
            body="Rabat 40 %",
            subject="Hemmelig prisaftale",
            partner_ids=cls.partner.ids,
            message_type="comment",
        )
        cls.readable = cls.partner.message_post(
            body="Hej Anne",
            subject="Tilbud til Anne",
            partner_ids=cls.partner.ids,
            message_type="comment",
        )
        orphan_msg = cls.orphan.message_post(
            body="Hej", subject="Til ingen", partner_ids=cls.orphan.ids
        )
        tracking = {"ip": "192.0.2.7", "useragent": "Mozilla/5.0", "url": "https://x"}
        events = [
            cls._chatter_event(cls, "click", cls.secret, cls.partner, "ev-secret"),
            cls._chatter_event(cls, "open", cls.readable, cls.partner, "ev-own"),
            cls._chatter_event(cls, "open", orphan_msg, cls.orphan, "ev-orphan"),
        ]
        for event in events:
            event.update(tracking)
        nl_click = {"sg_event_id": "ev-mailing", "email": cls.partner_nl.email}
        events.append(
            dict(cls._trace_event(cls, cls.traces[1]), **nl_click, **tracking)
        )
        cls.env["sendgrid.event"]._ingest_trusted_payload(events)
        # demo data may hold events too: the manager sees those as well
        cls.all_ids = set(cls.env["sendgrid.event"].search([]).mapped("sg_event_id"))
        assert cls.all_ids >= MINE

    def _chatter_event(self, kind, message, partner, sg_id):
        return {
            "event": kind,
            "sg_event_id": sg_id,
            "email": partner.email,
            "timestamp": 1_764_000_000,
            "odoo_message_id": str(message.id),
            "odoo_partner_id": str(partner.id),
        }

    def _trace_event(self, trace):
        return {
            "event": "click",
            "timestamp": 1_764_000_000,
            "odoo_trace_id": str(trace.id),
        }

    def rpc(self, role, method, args=(), kwargs=None):
        self.authenticate(self.users[role].login, self.users[role].login)
        return call_kw(self, "sendgrid.event", method, args, kwargs)

    def visible(self, role, fields=None):
        rows = self.rpc(role, "search_read", [[]], {"fields": fields or BASE_FIELDS})
        return {row["sg_event_id"]: row for row in rows}

    def assert_denied(self, role, method, args=(), kwargs=None):
        with (
            mute_logger("odoo.http", "odoo.models", "odoo.addons.base.models.ir_rule"),
            self.assertRaises(JsonRpcException) as caught,
        ):
            self.rpc(role, method, args, kwargs)
        self.assertEqual(caught.exception.args[0], "odoo.exceptions.AccessError")

    def test_portal_reads_nothing(self):
        self.assert_denied("portal", "search_read", [[]], {"fields": BASE_FIELDS})
        self.assert_denied("portal", "read_group", [[], ["event_type"], []])

    def test_internal_user_sees_only_own_contacts(self):
        self.assertEqual(set(self.visible("internal")), set())
        self.assertEqual(self.rpc("internal", "search_count", [[]]), 0)

    def test_salesperson_sees_own_contacts_without_secret_subjects(self):
        rows = self.visible("salesperson")
        self.assertEqual(set(rows), {"ev-secret", "ev-own"})
        self.assertEqual(rows["ev-own"]["subject"], "Tilbud til Anne")
        # the event is theirs (their contact), the message is not
        self.assertFalse(rows["ev-secret"]["subject"])
        for field in PERSONAL + LINKS + MAILING_LINKS:
            self.assert_denied("salesperson", "search_read", [[]], {"fields": [field]})
        # nor through a domain or a grouping on the hidden fields
        self.assert_denied("salesperson", "search", [[("ip", "=", "192.0.2.7")]])
        self.assert_denied(
            "salesperson", "read_group", [[], ["mail_message_id"], ["mail_message_id"]]
        )

    def test_marketer_sees_mailing_events_without_tracking_data(self):
        rows = self.visible("marketer", BASE_FIELDS + MAILING_LINKS)
        self.assertEqual(set(rows) & MINE, {"ev-mailing"})
        self.assertTrue(all(row["mailing_id"] for row in rows.values()))
        self.assertEqual(rows["ev-mailing"]["mailing_id"][0], self.mailing.id)
        for field in PERSONAL + LINKS:
            self.assert_denied("marketer", "search_read", [[]], {"fields": [field]})

    def test_manager_and_admin_see_everything(self):
        for role in ("manager", "admin"):
            rows = self.visible(role, BASE_FIELDS + PERSONAL + LINKS + MAILING_LINKS)
            self.assertEqual(set(rows), self.all_ids, role)
            self.assertEqual(rows["ev-secret"]["ip"], "192.0.2.7")
            self.assertEqual(rows["ev-secret"]["subject"], "Hemmelig prisaftale")

    def test_nobody_but_the_system_writes_the_log(self):
        event = self.env["sendgrid.event"].search([("sg_event_id", "=", "ev-own")])
        for role in ("salesperson", "marketer", "manager"):
            self.assert_denied(role, "write", [event.ids, {"reason": "x"}])
            self.assert_denied(role, "unlink", [event.ids])
            self.assert_denied(
                role,
                "create",
                [{"sg_event_id": "forged", "event_type": "open", "event_date": False}],
            )
        self.assertEqual(event.reason, False)

    def test_counts_on_buttons_follow_the_rules(self):
        """The contact's "E-mail log" count is what the list would show."""
        anne = self.partner.with_user(self.users["salesperson"])
        self.assertEqual(anne.sendgrid_event_count, 2)
        orphan = self.orphan.with_user(self.users["salesperson"])
        self.assertEqual(orphan.sendgrid_event_count, 0)
        self.assertEqual(self.orphan.sendgrid_event_count, 1)
        self.assertEqual(
            self.readable.with_user(self.users["salesperson"]).sendgrid_event_count, 0
        )
        self.assertEqual(self.readable.sendgrid_event_count, 1)
