from odoo import http
from odoo.http import request

from ..services import webhook

WEBHOOK_ROUTE = "/sendgrid/events"
# Where the body read on the first attempt is kept: Odoo retries the whole
# route after a serialization failure, and the input stream is read only once.
RAW_BODY_KEY = "sendgrid_delivery.raw_body"


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
        status, payload = (
            request.env["sendgrid.event"]
            .sudo()
            ._webhook_receive(raw_body, httprequest.headers)
        )
        return request.make_json_response(payload, status=status)
