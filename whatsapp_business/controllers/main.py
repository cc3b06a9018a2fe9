import json
import logging

from odoo import http
from odoo.http import request

from ..services import webhook as wa_webhook

_logger = logging.getLogger(__name__)


class WhatsappWebhookController(http.Controller):
    @http.route(
        "/whatsapp/webhook",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def whatsapp_webhook_verify(self, **params):
        """Meta's subscription handshake: echo the challenge for our verify token."""
        challenge = request.env["whatsapp.account"].sudo()._match_verify_token(params)
        if challenge is None:
            return request.make_response("Forbidden", status=403)
        return request.make_response(
            challenge, headers=[("Content-Type", "text/plain")]
        )

    @http.route(
        "/whatsapp/webhook",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def whatsapp_webhook_notify(self, **_kwargs):
        """Messages and statuses; refused unless signed with an account's secret."""
        raw = request.httprequest.get_data()
        signature = request.httprequest.headers.get("X-Hub-Signature-256")
        accounts = (
            request.env["whatsapp.account"].sudo()._match_signature(raw, signature)
        )
        if not accounts:
            _logger.warning("WhatsApp webhook refused: missing or invalid signature")
            return request.make_response("Invalid signature", status=403)
        try:
            payload = json.loads(raw)
        except ValueError:
            return request.make_response("Invalid JSON", status=400)
        accounts._process_webhook(wa_webhook.parse_payload(payload))
        return request.make_response("OK")
