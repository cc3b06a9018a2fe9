import json

from odoo import SUPERUSER_ID
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from ..services import hashing
from .common import ConsentCase


class TestEventAppendOnly(ConsentCase):
    def test_admin_and_superuser_cannot_write_or_unlink(self):
        self.anna._consent_grant("emarketing")
        event = self.events_of(self.anna, self.emarketing)
        admin = self.env.ref("base.user_admin")
        for env in (self.env(user=admin), self.env(user=SUPERUSER_ID, su=True)):
            event_as = event.with_env(env)
            with self.assertRaises(UserError):
                event_as.write({"state": "withdrawn"})
            with self.assertRaises(UserError):
                event_as.unlink()
            with self.assertRaises(UserError):
                event_as.copy()
        event.invalidate_recordset()
        self.assertEqual(event.state, "active")
        self.assertTrue(event.exists())

    def test_deleting_partner_keeps_events_with_hash_only(self):
        self.bo._consent_grant("emarketing", evidence={"ip_address": "192.0.2.7"})
        self.bo._consent_withdraw("emarketing")
        events = self.events_of(self.bo, self.emarketing)
        self.assertEqual(len(events), 2)
        expected_hash = hashing.email_hash("bo@nordlys.example")
        self.bo.unlink()
        events.invalidate_recordset()
        self.assertEqual(len(events.exists()), 2)
        self.assertFalse(events.partner_id)
        self.assertFalse(events.record_id)
        self.assertEqual(set(events.mapped("partner_email_hash")), {expected_hash})
        # The address itself is nowhere in the history.
        for field in ("description", "consent_text", "user_agent", "ip_address"):
            for value in events.mapped(field):
                self.assertNotIn("nordlys.example", value or "")
        self.assertEqual(
            self.Event.search(
                [
                    ("partner_email_hash", "=", expected_hash),
                    ("purpose_id", "=", self.emarketing.id),
                ]
            ),
            events,
        )

    def test_records_changed_any_way_are_logged(self):
        record = self.anna._consent_grant("emarketing")
        # Even a direct write (e.g. an officer import) leaves a trace.
        record.write({"legal_basis": "legitimate_interest"})
        record.write({"state": "withdrawn"})
        self.assertEqual(
            self.events_of(self.anna, self.emarketing).mapped("event_type"),
            ["grant", "change", "withdraw"],
        )


@tagged("post_install", "-at_install")
class TestEventAppendOnlyRpc(HttpCase):
    def _call_kw(self, model, method, args):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "params": {"model": model, "method": method, "args": args, "kwargs": {}},
        }
        response = self.url_open(
            f"/web/dataset/call_kw/{model}/{method}",
            data=json.dumps(payload),
            headers={"Content-Type": "application/json"},
        )
        return response.json()

    def test_rpc_write_and_unlink_fail_for_admin(self):
        partner = self.env["res.partner"].create(
            {"name": "Rpc Person", "email": "rpc@nordlys.example"}
        )
        partner._consent_grant("emarketing")
        event = self.env["consent.event"].search(
            [("partner_id", "=", partner.id), ("event_type", "=", "grant")]
        )
        self.authenticate("admin", "admin")
        result = self._call_kw(
            "consent.event", "write", [event.ids, {"source": "api", "state": "expired"}]
        )
        self.assertIn("error", result)
        self.assertIn("append-only", result["error"]["data"]["message"])
        result = self._call_kw("consent.event", "unlink", [event.ids])
        self.assertIn("error", result)
        event.invalidate_recordset()
        self.assertTrue(event.exists())
        self.assertEqual((event.source, event.state), ("manual", "active"))
