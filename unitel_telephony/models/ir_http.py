from odoo import models


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

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
