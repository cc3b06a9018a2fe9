import logging

from odoo import http
from odoo.http import request
from odoo.service import model as service_model

from ..services import webhook

_logger = logging.getLogger(__name__)

WEBHOOK_ROUTE = "/sendgrid/events"
# Where the body read on the first attempt is kept: Odoo retries the whole
# route after a serialization failure, and the input stream is read only once.
RAW_BODY_KEY = "sendgrid_delivery.raw_body"
# How many times Odoo has run the route for this request.
ATTEMPT_KEY = "sendgrid_delivery.attempt"
# When SendGrid should try a batch again that stayed in conflict (seconds).
BUSY_RETRY_AFTER = 30


def _body_stream(httprequest):
    """werkzeug's length-guarded input stream (Odoo's wrapper does not expose it).

    Read chunk by chunk, a chunked body without Content-Length is refused
    as soon as it passes the limit instead of being loaded whole.
    """
    return httprequest._HTTPRequest__wrapped.stream


class SendgridWebhookController(http.Controller):
    @http.route(
        WEBHOOK_ROUTE,
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        # core's per-route limit; ir.http refuses larger bodies before parsing
        max_content_length=webhook.MAX_BODY_BYTES,
        sendgrid_webhook=True,
    )
    def sendgrid_events(self, **_kwargs):
        """SendGrid's signed Event Webhook: verify, then store (fail closed)."""
        httprequest = request.httprequest
        raw_body = httprequest.environ.get(RAW_BODY_KEY)
        if raw_body is None:
            try:
                raw_body = webhook.read_bounded(
                    _body_stream(httprequest), httprequest.content_length
                )
            except webhook.WebhookError as exc:
                return request.make_json_response(
                    {"error": str(exc)}, status=exc.status
                )
            httprequest.environ[RAW_BODY_KEY] = raw_body
        attempt = httprequest.environ.get(ATTEMPT_KEY, 0) + 1
        httprequest.environ[ATTEMPT_KEY] = attempt
        receive = request.env["sendgrid.event"].sudo()._webhook_receive
        if attempt < service_model.MAX_TRIES_ON_CONCURRENCY_FAILURE:
            # a conflict with a concurrent batch: Odoo runs the route again
            status, payload = receive(raw_body, httprequest.headers)
            return request.make_json_response(payload, status=status)
        try:
            status, payload = receive(raw_body, httprequest.headers)
            request.env.cr.flush()
        except service_model.PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            # Odoo's last try, still in conflict with concurrent batches: keep
            # nothing of it and ask SendGrid to send the batch again, which it
            # does for 24 hours on any answer other than 2xx. Nothing is lost,
            # nothing is stored twice (events are stored once by their id).
            request.env.cr.rollback()
            request.env.invalidate_all()
            _logger.warning(
                "SendGrid batch still in conflict after %s tries: asked to retry",
                attempt,
            )
            response = request.make_json_response(
                # for SendGrid's retry logic, like the webhook's other errors
                {"error": "Busy: send this batch again later."},
                status=503,
            )
            response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
            return response
        return request.make_json_response(payload, status=status)
