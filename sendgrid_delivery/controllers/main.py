from odoo import http
from odoo.http import request


class SendgridWebhookController(http.Controller):
    @http.route(
        "/sendgrid/events",
        type="http",
        auth="public",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def sendgrid_events(self, **_kwargs):
        """SendGrid's signed Event Webhook: verify, then store (fail closed)."""
        raw_body = request.httprequest.get_data(cache=True)
        status, payload = (
            request.env["sendgrid.event"]
            .sudo()
            ._webhook_receive(raw_body, request.httprequest.headers)
        )
        return request.make_json_response(payload, status=status)
