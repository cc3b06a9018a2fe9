from odoo import Command, _, api, fields, models, tools
from odoo.tools import str2bool

from ..services import smtpapi

BLOCK_PARAM = "sendgrid_delivery.block_invalid_emails"


class MailMail(models.Model):
    _inherit = "mail.mail"

    sendgrid_event_count = fields.Integer(
        string="E-mail log", compute="_compute_sendgrid_event_count"
    )

    @api.depends_context("uid")
    def _compute_sendgrid_event_count(self):
        counts = self.env["sendgrid.event"]._count_visible("mail_mail_id_int", self.ids)
        for mail in self:
            mail.sendgrid_event_count = counts.get(mail.id, 0)

    def action_open_sendgrid_events(self):
        self.ensure_one()
        return self.env["sendgrid.event"]._action_open_log(
            [("mail_mail_id_int", "=", self.id)],
            _("E-mail log of %(subject)s", subject=self.subject or self.display_name),
        )

    # ------------------------------------------------------------------
    # Sender identities
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        self.env["sendgrid.sender.identity"]._apply_to_mail_values(vals_list)
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # Blocking addresses known to be invalid
    # ------------------------------------------------------------------
    @api.model
    def _sendgrid_blocks_invalid_emails(self):
        """The administrator's setting: never send to hard-bounced addresses."""
        value = self.env["ir.config_parameter"].sudo().get_param(BLOCK_PARAM)
        return str2bool(value or "False", default=False)

    def _send(
        self,
        auto_commit=False,
        raise_exception=False,
        smtp_session=None,
        alias_domain_id=False,
        mail_server=False,
        post_send_callback=None,
    ):
        if self._sendgrid_blocks_invalid_emails():
            self._sendgrid_hold_bounced_recipients()
        return super()._send(
            auto_commit=auto_commit,
            raise_exception=raise_exception,
            smtp_session=smtp_session,
            alias_domain_id=alias_domain_id,
            mail_server=mail_server,
            post_send_callback=post_send_callback,
        )

    def _sendgrid_hold_bounced_recipients(self):
        """Take hard-bounced addresses off outgoing mail, with the reason.

        A mail left without recipients fails (``mail_email_invalid``) and
        stays visible with the reason; a mail with other recipients still goes
        to them. The chatter envelope of each held recipient turns red with
        the bounce date and reason.
        """
        mails = self.filtered(lambda mail: mail.state == "outgoing")
        if not mails:
            return
        raw = {
            mail.id: tools.mail.email_normalize_all(
                ",".join(filter(None, [mail.email_to, mail.email_cc]))
            )
            for mail in mails
        }
        addresses = set(mails.recipient_ids.mapped("email_normalized"))
        addresses.update(email for emails in raw.values() for email in emails)
        bounced = self.env["res.partner"]._sendgrid_bounced_partners(list(addresses))
        by_email = {}
        for partner in bounced:
            by_email.setdefault(partner.email_normalized, partner)
        if not by_email:
            return
        Notification = self.env["mail.notification"].sudo()
        touched = self.env["mail.message"]
        for mail in mails:
            held_partners = mail.recipient_ids.filtered(
                lambda p: p.email_normalized in by_email
            )
            held_emails = [email for email in raw[mail.id] if email in by_email]
            if not held_partners and not held_emails:
                continue
            reasons = {
                email: by_email[email]._sendgrid_bounce_text()
                for email in set(held_emails)
                | set(held_partners.mapped("email_normalized"))
            }
            reason = (
                "\n".join(f"{email}: {text}" for email, text in sorted(reasons.items()))
                + "\n"
                + _(
                    "Sending to addresses known to be invalid is blocked (SendGrid "
                    "settings)."
                )
            )
            notifications = Notification.search(
                [
                    ("mail_mail_id", "=", mail.id),
                    ("notification_type", "=", "email"),
                    ("res_partner_id", "in", held_partners.ids),
                ]
            )
            notifications.write(
                {
                    "notification_status": "exception",
                    "failure_type": "mail_email_invalid",
                    "failure_reason": reason,
                    # core's post-processing must not mark them sent
                    "mail_mail_id": False,
                }
            )
            touched |= mail.mail_message_id
            left_partners = mail.recipient_ids - held_partners
            left_emails = [email for email in raw[mail.id] if email not in by_email]
            if not left_partners and not left_emails:
                mail.sudo().write(
                    {
                        "state": "exception",
                        "failure_type": "mail_email_invalid",
                        "failure_reason": reason,
                    }
                )
                continue
            mail.sudo().write(
                {
                    "recipient_ids": [Command.unlink(p.id) for p in held_partners],
                    "email_to": _keep_addresses(mail.email_to, by_email),
                    "email_cc": _keep_addresses(mail.email_cc, by_email),
                }
            )
        touched.filtered(
            lambda m: m.is_thread_message()
        )._notify_message_notification_update()

    # ------------------------------------------------------------------
    # X-SMTPAPI
    # ------------------------------------------------------------------
    def _sendgrid_asm_group_id(self):
        """SendGrid unsubscribe group (ASM group id) of this mail, or False.

        None here; sendgrid_subscriptions returns the group bound to the
        mailing's subscription type.
        """
        self.ensure_one()
        return False

    def _prepare_outgoing_list(
        self, mail_server=False, recipients_follower_status=None
    ):
        email_list = super()._prepare_outgoing_list(
            mail_server=mail_server,
            recipients_follower_status=recipients_follower_status,
        )
        server = mail_server or self.mail_server_id
        if not (server and server.is_sendgrid):
            return email_list
        trace = self.mailing_trace_ids[:1]
        trace_partner_id = (
            trace.res_id if trace and trace.model == "res.partner" else False
        )
        IrMailServer = self.env["ir.mail_server"]
        asm_group_id = self._sendgrid_asm_group_id()
        for email_values in email_list:
            partner = email_values.get("partner_id")
            # each recipient gets its own dict: core shares one headers dict
            headers = dict(email_values.get("headers") or {})
            headers[smtpapi.HEADER_NAME] = IrMailServer._sendgrid_smtpapi_header(
                mail_id=self.id,
                message_id=self.mail_message_id.id,
                trace_id=trace.id,
                partner_id=partner.id if partner else trace_partner_id,
                asm_group_id=asm_group_id,
            )
            email_values["headers"] = headers
        return email_list


def _keep_addresses(field_value, dropped):
    """``field_value`` (a comma-separated address list) without ``dropped``."""
    if not field_value:
        return field_value
    kept = [
        address
        for address in tools.mail.email_split_and_format(field_value)
        if tools.email_normalize(address) not in dropped
    ]
    return ", ".join(kept) or False
