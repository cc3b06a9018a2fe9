import logging

from odoo import api, fields, models

from ..services import smtpapi

_logger = logging.getLogger(__name__)

SENDGRID_HOST = "smtp.sendgrid.net"
SENDGRID_PORT = 587
SENDGRID_USER = "apikey"  # SendGrid's SMTP relay takes this literal user name


class IrMailServer(models.Model):
    _inherit = "ir.mail_server"

    is_sendgrid = fields.Boolean(
        string="Sends through SendGrid",
        help="Messages leaving through this server carry SendGrid's X-SMTPAPI "
        "header, so delivery, opens, clicks and bounces come back to Odoo.",
    )

    @api.model
    def _sendgrid_tracking_settings(self):
        params = self.env["ir.config_parameter"].sudo()
        # click tracking off by default: mailings already use Odoo's link tracker
        return {
            "click_tracking": params.get_param(
                "sendgrid_delivery.click_tracking", "False"
            )
            == "True",
            "open_tracking": params.get_param("sendgrid_delivery.open_tracking", "True")
            == "True",
        }

    @api.model
    def _sendgrid_smtpapi_header(
        self,
        mail_id=None,
        message_id=None,
        trace_id=None,
        partner_id=None,
        asm_group_id=None,
    ):
        """Return the X-SMTPAPI header value for one outgoing message.

        Other addons may call it to tag mail they send themselves;
        ``asm_group_id`` is SendGrid's unsubscribe group of the message.
        """
        return smtpapi.header_value(
            db=self.env.cr.dbname,
            mail_id=mail_id,
            message_id=message_id,
            trace_id=trace_id,
            partner_id=partner_id,
            asm_group_id=asm_group_id or None,
            **self._sendgrid_tracking_settings(),
        )

    # core's connect is public and takes any host and port: over JSON-RPC any
    # user could make the server open SMTP connections. Python callers only.
    @api.private
    def connect(
        self,
        host=None,
        port=None,
        user=None,
        password=None,
        encryption=None,
        smtp_from=None,
        ssl_certificate=None,
        ssl_private_key=None,
        smtp_debug=False,
        mail_server_id=None,
        allow_archived=False,
    ):
        connection = super().connect(
            host=host,
            port=port,
            user=user,
            password=password,
            encryption=encryption,
            smtp_from=smtp_from,
            ssl_certificate=ssl_certificate,
            ssl_private_key=ssl_private_key,
            smtp_debug=smtp_debug,
            mail_server_id=mail_server_id,
            allow_archived=allow_archived,
        )
        if connection is None:
            return connection
        server = self.browse()
        if mail_server_id:
            server = self.sudo().browse(mail_server_id)
        elif not host:
            server = self.sudo()._find_mail_server(smtp_from)[0]
        # remembered on the session so messages sent without mail.mail get tagged too
        connection.sendgrid_mail_server_id = (
            server.id if server and server.is_sendgrid else False
        )
        return connection

    def _prepare_email_message(self, message, smtp_session):
        smtp_from, smtp_to_list, message = super()._prepare_email_message(
            message, smtp_session
        )
        if (
            getattr(smtp_session, "sendgrid_mail_server_id", False)
            and smtpapi.HEADER_NAME not in message
        ):
            message[smtpapi.HEADER_NAME] = self._sendgrid_smtpapi_header()
        return smtp_from, smtp_to_list, message

    @api.model
    def _sendgrid_server(self):
        return (
            self.sudo()
            .with_context(active_test=False)
            .search([("is_sendgrid", "=", True)], order="active desc, id", limit=1)
        )

    @api.model
    def _sendgrid_ensure_server(self, api_key):
        """Create or update the SMTP relay server (called by "Use SendGrid")."""
        values = {
            "name": "SendGrid",
            "smtp_host": SENDGRID_HOST,
            "smtp_port": SENDGRID_PORT,
            "smtp_encryption": "starttls",
            "smtp_authentication": "login",
            "smtp_user": SENDGRID_USER,
            "smtp_pass": api_key,
            "is_sendgrid": True,
            "active": True,
        }
        server = self._sendgrid_server()
        if server:
            server.write(values)
        else:
            server = self.sudo().create(dict(values, sequence=1))
        return server
