import json
import logging

from odoo import http
from odoo.http import request

from ..services import webhook as wa_webhook

_logger = logging.getLogger(__name__)

HANDSHAKE_PARAMS = ("hub.mode", "hub.verify_token", "hub.challenge")


def _plain(text, status=200):
    return request.make_response(
        text, headers=[("Content-Type", "text/plain; charset=utf-8")], status=status
    )


class WhatsappWebhookController(http.Controller):
    @http.route(
        "/whatsapp/webhook",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def whatsapp_webhook_verify(self, **_params):
        """Meta's subscription handshake: echo the challenge for our verify token."""
        args = request.httprequest.args
        params = {}
        for key in HANDSHAKE_PARAMS:
            values = args.getlist(key)
            if len(values) != 1 or not wa_webhook.is_valid_param(values[0]):
                return _plain("Bad request", status=400)
            params[key] = values[0]
        challenge = request.env["whatsapp.account"].sudo()._match_verify_token(params)
        if challenge is None:
            return _plain("Forbidden", status=403)
        return _plain(challenge)

    @http.route(
        "/whatsapp/webhook",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
        # Odoo refuses a larger declared body (413) before parsing anything
        max_content_length=wa_webhook.MAX_BODY_BYTES,
    )
    def whatsapp_webhook_notify(self, **_kwargs):
        """Messages and statuses; refused unless signed with an account's secret."""
        httprequest = request.httprequest
        limit = wa_webhook.MAX_BODY_BYTES
        length = httprequest.content_length
        if length is not None and length > limit:
            return _plain("Payload too large", status=413)
        if length is None:
            # chunked: its size is only known once read; Meta always sends a length
            return _plain("Content-Length required", status=400)
        if httprequest.mimetype != "application/json":
            return _plain("Expected application/json", status=400)
        raw = httprequest.get_data()  # at most ``limit`` bytes, checked above
        signature = httprequest.headers.get("X-Hub-Signature-256")
        accounts = (
            request.env["whatsapp.account"].sudo()._match_signature(raw, signature)
        )
        if not accounts:
            _logger.warning("WhatsApp webhook refused: missing or invalid signature")
            return _plain("Invalid signature", status=403)
        try:
            payload = json.loads(raw)
        except ValueError:
            return _plain("Invalid JSON", status=400)
        if not isinstance(payload, dict):
            return _plain("Invalid JSON", status=400)
        accounts._process_webhook(wa_webhook.parse_payload(payload))
        return _plain("OK")
