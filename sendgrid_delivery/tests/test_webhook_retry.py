"""Odoo retries a request after a serialization failure: the retry sees the body."""

from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import SendgridCommon

ROUTE = "/sendgrid/events"


@tagged("post_install", "-at_install")
class TestWebhookRetry(SendgridCommon, HttpCase):
    def test_retry_after_serialization_failure_stores_the_batch(self):
        """Two workers storing the same events at once: PostgreSQL aborts one,
        Odoo runs the route again, and the retry must read the same signed body
        (the input stream was consumed by the first attempt)."""
        Event = self.registry["sendgrid.event"]
        receive = Event._webhook_receive
        attempts = []

        def conflict_once(records, raw_body, headers):
            attempts.append(raw_body)
            if len(attempts) == 1:
                # what PostgreSQL answers the second of two concurrent writers
                records.env.cr.execute(
                    "DO $$ BEGIN RAISE EXCEPTION 'concurrent update' "
                    "USING ERRCODE = 'serialization_failure'; END $$"
                )
            return receive(records, raw_body, headers)

        events = [self.event("bounce", reason="550 5.1.1 unknown user")]
        body, headers = self.signed_request(events)
        with (
            patch.object(Event, "_webhook_receive", conflict_once),
            mute_logger("odoo.service.model", "odoo.http", "odoo.sql_db"),
        ):
            response = self.url_open(ROUTE, data=body, headers=headers, timeout=60)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["stored"], 1)
        self.assertEqual(len(attempts), 2, "Odoo did not retry the request")
        self.assertEqual(attempts[0], attempts[1])
        self.assertEqual(
            attempts[1], body if isinstance(body, bytes) else body.encode()
        )
        stored = self.env["sendgrid.event"].search(
            [("sg_event_id", "=", events[0]["sg_event_id"])]
        )
        self.assertEqual(len(stored), 1)

    def test_batch_in_conflict_on_every_try_is_deferred_not_500(self):
        """Still in conflict on Odoo's last try (many workers storing the same
        addresses): 503 with Retry-After, which SendGrid retries; nothing of
        the batch is kept."""
        Event = self.registry["sendgrid.event"]
        receive = Event._webhook_receive
        attempts = []

        def always_in_conflict(records, raw_body, headers):
            attempts.append(raw_body)
            result = receive(records, raw_body, headers)  # stored, then aborted
            records.env.cr.execute(
                "DO $$ BEGIN RAISE EXCEPTION 'concurrent update' "
                "USING ERRCODE = 'serialization_failure'; END $$"
            )
            return result

        events = [self.event("bounce", reason="550 5.1.1 unknown user")]
        body, headers = self.signed_request(events)
        with (
            patch.object(Event, "_webhook_receive", always_in_conflict),
            patch("odoo.service.model.MAX_TRIES_ON_CONCURRENCY_FAILURE", 2),
            mute_logger(
                "odoo.service.model",
                "odoo.http",
                "odoo.sql_db",
                "odoo.addons.sendgrid_delivery.controllers.main",
            ),
        ):
            response = self.url_open(ROUTE, data=body, headers=headers, timeout=60)
        self.assertEqual(response.status_code, 503, response.text)
        self.assertEqual(response.headers["Retry-After"], "30")
        self.assertIn("send this batch again", response.json()["error"])
        self.assertEqual(len(attempts), 2)
        self.assertFalse(
            self.env["sendgrid.event"].search(
                [("sg_event_id", "=", events[0]["sg_event_id"])]
            ),
            "a deferred batch left events behind",
        )
        self.assertFalse(self.partner.is_email_invalid)
        # SendGrid sends it again once the conflict is over: stored once
        response = self.url_open(ROUTE, data=body, headers=headers, timeout=60)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json()["stored"], 1)
