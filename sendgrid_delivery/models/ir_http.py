from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from odoo import models
from odoo.http import request

from ..services import webhook

# werkzeug parses these into request parameters before the route runs
FORM_MIMETYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        result = super()._pre_dispatch(rule, args)
        if rule.endpoint.routing.get("sendgrid_webhook"):
            cls._sendgrid_check_webhook_request(request.httprequest)
        return result

    @classmethod
    def _sendgrid_check_webhook_request(cls, httprequest):
        """Refuse what must not be read at all, before Odoo parses the body."""
        try:
            webhook.check_declared_length(httprequest.content_length)
        except webhook.TooLarge as exc:
            raise RequestEntityTooLarge(str(exc)) from exc
        if httprequest.mimetype in FORM_MIMETYPES:
            raise BadRequest("SendGrid events are sent as application/json.")
