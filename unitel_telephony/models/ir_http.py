import werkzeug.exceptions

from odoo import models
from odoo.http import Response, request

from ..controllers.main import MAX_BODY, UnitelController


def _plain(message, status):
    # abort() with a Response bypasses the dispatchers' error handling, so a
    # JSON-RPC route answers a real HTTP status too
    werkzeug.exceptions.abort(
        Response(message, status=status, content_type="text/plain; charset=utf-8")
    )


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _pre_dispatch(cls, rule, args):
        result = super()._pre_dispatch(rule, args)
        cls._unitel_refuse_large_bodies(rule)
        return result

    @classmethod
    def _unitel_refuse_large_bodies(cls, rule):
        """Refuse oversized bodies on this addon's routes from their headers,
        before any of the body is read (werkzeug would read a form whole)."""
        controller = getattr(rule.endpoint.func, "__self__", None)
        if not isinstance(controller, UnitelController):
            return
        httprequest = request.httprequest
        length = httprequest.content_length
        if length is not None and length > MAX_BODY:
            _plain(f"The request body is larger than {MAX_BODY} bytes.", 413)
        if length is None and httprequest.headers.get("Transfer-Encoding"):
            _plain("Send the request with a Content-Length.", 400)

    def session_info(self):
        """Tell the web client how a click on a phone number places the call.

        The browser must open ``tel:``/``callto:`` links inside the click itself
        (a link opened after a server round trip is blocked as a pop-up), so the
        mode has to be known before the click.
        """
        result = super().session_info()
        if self.env.user._is_internal():
            result["unitel_call_mode"] = self.env["unitel.call"]._unitel_call_mode()
        return result
