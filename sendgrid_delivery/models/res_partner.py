import json

from markupsafe import Markup

from odoo import _, api, fields, models, tools
from odoo.tools import SQL


class ResPartner(models.Model):
    _inherit = "res.partner"

    # webhook events look partners up by address: make that an index scan
    email_normalized = fields.Char(index=True)
    is_email_invalid = fields.Boolean(
        string="E-mail invalid",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The address bounced permanently; mass mailings skip it until the "
        "e-mail address is changed.",
    )
    email_invalid_reason = fields.Char(
        string="Bounce reason", readonly=True, copy=False
    )
    email_invalid_date = fields.Datetime(string="Bounced on", readonly=True, copy=False)
    sendgrid_event_count = fields.Integer(
        string="E-mail log", compute="_compute_sendgrid_event_count"
    )
    sendgrid_bounce_warning = fields.Char(
        string="Bounce warning", compute="_compute_sendgrid_bounce_warning"
    )

    @api.depends_context("uid")
    def _compute_sendgrid_event_count(self):
        counts = self.env["sendgrid.event"]._count_visible("partner_id", self.ids)
        for partner in self:
            partner.sendgrid_event_count = counts.get(partner.id, 0)

    @api.depends_context("lang", "tz")
    @api.depends("is_email_invalid", "email_invalid_date", "email_invalid_reason")
    def _compute_sendgrid_bounce_warning(self):
        for partner in self:
            partner.sendgrid_bounce_warning = (
                partner._sendgrid_bounce_text() if partner.is_email_invalid else False
            )

    def _sendgrid_bounce_text(self):
        """'This address bounced on <date>: <reason>' in the reader's language."""
        self.ensure_one()
        return self.env._(
            "This address bounced on %(date)s: %(reason)s",
            date=tools.format_date(
                self.env,
                fields.Datetime.context_timestamp(self, self.email_invalid_date),
            )
            if self.email_invalid_date
            else self.env._("an unknown date"),
            reason=self.email_invalid_reason or self.env._("hard bounce"),
        )

    @api.model
    def _sendgrid_bounced_partners(self, emails):
        """Contacts whose address (normalised, one of ``emails``) hard-bounced."""
        emails = [email for email in emails if email]
        if not emails:
            return self.browse()
        return (
            self.sudo()
            .with_context(active_test=False)
            .search(
                [("is_email_invalid", "=", True), ("email_normalized", "in", emails)],
                order="email_invalid_date desc, id",
            )
        )

    def write(self, vals):
        # a new address gets a fresh chance
        if "email" in vals and "is_email_invalid" not in vals:
            changed = self.filtered(
                lambda p: (
                    p.is_email_invalid
                    and tools.email_normalize(vals["email"] or "") != p.email_normalized
                )
            )
            res = super().write(vals)
            if changed:
                super(ResPartner, changed).write(
                    {
                        "is_email_invalid": False,
                        "email_invalid_reason": False,
                        "email_invalid_date": False,
                    }
                )
            return res
        return super().write(vals)

    def action_open_sendgrid_events(self):
        self.ensure_one()
        return self.env["sendgrid.event"]._action_open_log(
            [("partner_id", "=", self.id)],
            _("E-mail log of %(name)s", name=self.display_name),
        )

    def action_sendgrid_reset_email_invalid(self):
        self.write(
            {
                "is_email_invalid": False,
                "email_invalid_reason": False,
                "email_invalid_date": False,
            }
        )

    @api.model
    def _sendgrid_invalid_emails(self):
        """Normalised addresses that bounced permanently (one query)."""
        self.flush_model(["is_email_invalid", "email_normalized"])
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT email_normalized FROM res_partner"
                " WHERE is_email_invalid AND email_normalized IS NOT NULL"
            )
        )
        return {row[0] for row in self.env.cr.fetchall()}

    def _sendgrid_mark_email_invalid(self, reasons, source="bounce"):
        """Mark addresses invalid; ``reasons`` maps e-mail -> (reason, date).

        ``source`` is the consent history's source of the change event.

        One UPDATE for the whole set; schedules an activity for the
        salesperson of each newly marked contact.
        """
        if not self:
            return
        newly = self.filtered(lambda p: not p.is_email_invalid)
        now = fields.Datetime.now()
        payload = json.dumps(
            [
                {
                    "email": email,
                    "reason": (reason or "")[:255] or None,
                    "date": fields.Datetime.to_string(date or now),
                }
                for email, (reason, date) in reasons.items()
            ]
        )
        self.flush_recordset()
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner p
                   SET is_email_invalid = TRUE,
                       email_invalid_reason = v.reason,
                       email_invalid_date = v.date::timestamp,
                       message_bounce = COALESCE(p.message_bounce, 0) + 1,
                       write_uid = %(uid)s,
                       write_date = NOW() AT TIME ZONE 'UTC'
                  FROM jsonb_to_recordset(%(payload)s::jsonb)
                       AS v(email varchar, reason varchar, date varchar)
                 WHERE p.id = ANY(%(ids)s) AND p.email_normalized = v.email
                """,
                uid=self.env.uid,
                payload=payload,
                ids=self.ids,
            )
        )
        self.invalidate_recordset(
            [
                "is_email_invalid",
                "email_invalid_reason",
                "email_invalid_date",
                "message_bounce",
                "write_date",
                "write_uid",
            ]
        )
        newly._sendgrid_log_bounce(reasons)
        # The consent history answers "why did you stop mailing me?" too.
        newly._consent_log_event(
            "emarketing",
            "change",
            source=source,
            evidence={
                "description": self.env._(
                    "The e-mail address bounced permanently; mailings skip it "
                    "until the address changes."
                )
            },
        )
        newly._sendgrid_tell_salesperson("bounce")

    def _sendgrid_log_bounce(self, reasons):
        """One note per contact in its chatter, written in one batch."""
        bodies = {}
        for partner in self:
            reason, _date = reasons.get(partner.email_normalized, (False, False))
            bodies[partner.id] = Markup("<p>%s</p>") % self.env._(
                "SendGrid: the e-mail to %(email)s bounced permanently (%(reason)s). "
                "Mailings skip this contact until the address changes.",
                email=partner.email_normalized,
                reason=reason or self.env._("hard bounce"),
            )
        if bodies:
            self._message_log_batch(bodies=bodies)

    def _sendgrid_tell_salesperson(self, kind):
        """One activity per contact with a salesperson (skipped if one is open)."""
        activity_type = self.env.ref(
            "sendgrid_delivery.mail_activity_type_email_bounced"
            if kind == "bounce"
            else "sendgrid_delivery.mail_activity_type_spam_report",
            raise_if_not_found=False,
        )
        partners = self.filtered("user_id")
        if not partners or not activity_type:
            return self.env["mail.activity"]
        existing = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "res.partner"),
                    ("res_id", "in", partners.ids),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
        )
        partners = partners.filtered(
            lambda p: p.id not in set(existing.mapped("res_id"))
        )
        model_id = self.env["ir.model"]._get_id("res.partner")
        vals_list = []
        for partner in partners:
            lang_env = self.with_context(lang=partner.user_id.lang).env
            if kind == "bounce":
                summary = lang_env._("E-mail of %(name)s bounced", name=partner.name)
                note = lang_env._(
                    "The e-mail to %(email)s bounced (%(reason)s). New job? "
                    "Ask who replaces them and update the contact.",
                    email=partner.email,
                    reason=partner.email_invalid_reason or lang_env._("hard bounce"),
                )
            else:
                summary = lang_env._(
                    "%(name)s reported our e-mail as spam", name=partner.name
                )
                note = lang_env._(
                    "%(email)s marked one of our e-mails as spam. The address is "
                    "blacklisted and E-marketing consent is withdrawn; talk to the "
                    "customer before mailing them again.",
                    email=partner.email,
                )
            vals_list.append(
                {
                    "res_model_id": model_id,
                    "res_id": partner.id,
                    "activity_type_id": activity_type.id,
                    "user_id": partner.user_id.id,
                    "summary": summary,
                    "note": tools.plaintext2html(note),
                    "date_deadline": fields.Date.context_today(self),
                }
            )
        # the activity itself tells them (systray); no e-mail per bounce
        return (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
            .create(vals_list)
        )
