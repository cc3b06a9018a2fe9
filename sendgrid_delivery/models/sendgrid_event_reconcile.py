import logging
import time

from odoo import _, api, fields, models

from ..services import client as sendgrid_client
from ..services import suppressions

_logger = logging.getLogger(__name__)

PARAM_SINCE = "sendgrid_delivery.reconcile_since"
PARAM_LAST_RUN = "sendgrid_delivery.reconcile_last_run"
PARAM_LAST_ERROR = "sendgrid_delivery.reconcile_last_error"
PARAM_API_URL = "sendgrid_delivery.api_url"
PARAM_API_KEY = "sendgrid_delivery.api_key"
# the first run looks this far back (SendGrid retries the webhook for 24 hours)
FIRST_RUN_DAYS = 30


class SendgridEvent(models.Model):
    _inherit = "sendgrid.event"

    # ------------------------------------------------------------------
    # Reconciliation with SendGrid's suppression lists
    # ------------------------------------------------------------------
    @api.model
    def _sendgrid_client(self):
        """The v3 API client with the configured key (raises SendGridError)."""
        params = self.env["ir.config_parameter"].sudo()
        return sendgrid_client.SendGridClient(
            params.get_param(PARAM_API_KEY),
            base_url=params.get_param(PARAM_API_URL)
            or sendgrid_client.DEFAULT_BASE_URL,
        )

    @api.model
    def _sendgrid_reconcile_fetch(self, api, start_time, end_time):
        """Events of the suppression lists created in [start, end] (Unix s).

        Hook: sendgrid_subscriptions adds the unsubscribe groups' suppressions.
        Raises SendGridError when any list could not be read whole.
        """
        db = self.env.cr.dbname
        events = []
        for kind in sendgrid_client.SUPPRESSION_PATHS:
            entries = api.suppressions(kind, start_time, end_time)
            events += suppressions.to_events(kind, entries, db)
        return events

    @api.model
    def _sendgrid_reconcile(self, now=None):
        """Apply what the webhook missed since the last run; return a summary.

        All lists are read before anything is applied: when SendGrid cannot
        be reached, refuses the key or answers something broken, nothing is
        applied and the last-run mark stays, so the next run asks again for
        the same period. A second run applies nothing (events are stored
        once, and entries the webhook already delivered are skipped).
        """
        params = self.env["ir.config_parameter"].sudo()
        end_time = int(now if now is not None else time.time())
        try:
            start_time = int(params.get_param(PARAM_SINCE) or 0)
        except ValueError:
            start_time = 0
        if start_time <= 0 or start_time > end_time:
            start_time = end_time - FIRST_RUN_DAYS * 86400
        try:
            api = self._sendgrid_client()
            events = self._sendgrid_reconcile_fetch(api, start_time, end_time)
        except sendgrid_client.SendGridError as exc:
            _logger.warning("SendGrid reconciliation failed: %s", exc)
            params.set_param(PARAM_LAST_ERROR, str(exc)[:1000])
            return {"ok": False, "error": str(exc), "since": start_time}
        self.env.flush_all()
        # events are not deduplicated against each other across lists: one
        # address on two lists is two facts
        unique = {event["sg_event_id"]: event for event in events}
        # what the webhook already stored is stored again (a later fact than
        # a late retry may bring) but applied once
        known = self.sudo()._already_stored(list(unique.values()))
        stored = (
            self.sudo()._insert_events(list(unique.values()), by_address=True)
            if unique
            else []
        )
        rows = [row for row in stored if row["sg_event_id"] not in known]
        self.invalidate_model()
        if rows:
            self.sudo()._apply_effects(rows)
        counts = {}
        for row in rows:
            counts[row["event_type"]] = counts.get(row["event_type"], 0) + 1
        # SendGrid's end_time is inclusive: the next run starts at it again
        # (what it finds twice is stored once)
        params.set_param(PARAM_SINCE, str(end_time))
        params.set_param(
            PARAM_LAST_RUN, fields.Datetime.to_string(fields.Datetime.now())
        )
        params.set_param(PARAM_LAST_ERROR, False)
        _logger.info(
            "SendGrid reconciliation %s..%s: %s entries read, %s applied %s",
            start_time,
            end_time,
            len(unique),
            len(rows),
            counts,
        )
        return {
            "ok": True,
            "read": len(unique),
            "applied": len(rows),
            "counts": counts,
            "since": start_time,
        }

    @api.model
    def _sendgrid_reconcile_status(self):
        """(last successful run as a datetime string, last error) or False."""
        params = self.env["ir.config_parameter"].sudo()
        return (
            params.get_param(PARAM_LAST_RUN) or False,
            params.get_param(PARAM_LAST_ERROR) or False,
        )

    @api.model
    def _cron_sendgrid_reconcile(self):
        """Scheduled action: reconcile when SendGrid is in use with an API key."""
        params = self.env["ir.config_parameter"].sudo()
        if not params.get_param(PARAM_API_KEY):
            _logger.info("SendGrid reconciliation skipped: no API key")
            return None
        return self._sendgrid_reconcile()

    @api.model
    def _sendgrid_reconcile_message(self, result):
        """The administrator's notification text for a summary."""
        since = fields.Datetime.context_timestamp(
            self, fields.Datetime.from_string(time_to_string(result["since"]))
        )
        since_text = since.strftime("%Y-%m-%d %H:%M")
        if not result["ok"]:
            return _(
                "SendGrid reconciliation failed: %(error)s. Nothing was applied; "
                "the next run asks again for everything since %(since)s.",
                error=result["error"],
                since=since_text,
            )
        if not result["applied"]:
            return _(
                "SendGrid reconciliation: %(read)s suppression list entries since "
                "%(since)s, nothing the event webhook missed.",
                read=result["read"],
                since=since_text,
            )
        labels = dict(self._fields["event_type"]._description_selection(self.env))
        details = ", ".join(
            f"{labels.get(kind, kind)}: {count}"
            for kind, count in sorted(result["counts"].items())
        )
        return _(
            "SendGrid reconciliation: %(applied)s entries the event webhook "
            "missed since %(since)s were applied (%(details)s).",
            applied=result["applied"],
            since=since_text,
            details=details,
        )


def time_to_string(timestamp):
    """A Unix time as Odoo's UTC datetime string."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(int(timestamp)))
