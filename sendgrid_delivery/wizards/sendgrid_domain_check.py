from odoo import Command, _, api, fields, models, tools
from odoo.exceptions import UserError

from ..services import dns_check

STATUS_SELECTION = [
    ("found", "Found"),
    ("missing", "Missing"),
    ("wrong", "Wrong"),
    ("error", "Could not check"),
]
CHECK_SELECTION = [
    ("spf", "SPF"),
    ("dkim_s1", "DKIM (s1)"),
    ("dkim_s2", "DKIM (s2)"),
    ("return_path", "Return path"),
    ("link_branding", "Link branding"),
    ("dmarc", "DMARC"),
]


class SendgridDomainCheck(models.TransientModel):
    _name = "sendgrid.domain.check"
    _description = "Sending domain check"

    domains = fields.Char(
        string="Sender domains",
        required=True,
        help="Comma-separated domains to check; filled from the sender addresses, "
        "the company e-mail and the alias domains.",
    )
    line_ids = fields.One2many(
        "sendgrid.domain.check.line", "check_id", string="Results", readonly=True
    )
    summary = fields.Char(compute="_compute_summary")

    @api.depends("line_ids.status")
    def _compute_summary(self):
        for check in self:
            ok = len(check.line_ids.filtered(lambda line: line.status == "found"))
            check.summary = _(
                "%(ok)s of %(total)s records are in place.",
                ok=ok,
                total=len(check.line_ids),
            )

    @api.model
    def _default_domains(self):
        emails = self.env["sendgrid.sender.identity"].sudo().search([]).mapped("email")
        emails += [c.email for c in self.env.companies if c.email]
        domains = {
            tools.email_normalize(e).rsplit("@", 1)[1]
            for e in emails
            if tools.email_normalize(e)
        }
        domains |= set(self.env["mail.alias.domain"].sudo().search([]).mapped("name"))
        return ", ".join(sorted(d for d in domains if d))

    @api.model
    def _checker(self):
        params = self.env["ir.config_parameter"].sudo()
        nameserver = (
            params.get_param("sendgrid_delivery.dns_nameserver") or ""
        ).strip()
        host, port = None, 53
        if nameserver:
            # "host" or "host:port" - lets tests point at a DNS server on loopback
            host, _sep, port_text = nameserver.partition(":")
            port = int(port_text) if port_text.isdigit() else 53
        try:
            return dns_check.DomainChecker(
                nameservers=[host] if host else None,
                port=port,
                dns_target=params.get_param("sendgrid_delivery.dns_target"),
                return_path_subdomain=params.get_param(
                    "sendgrid_delivery.return_path_subdomain"
                ),
                link_branding_subdomain=params.get_param(
                    "sendgrid_delivery.link_branding_subdomain"
                ),
            )
        except ValueError as exc:
            raise UserError(
                _("The SendGrid DNS settings are not valid: %(error)s", error=exc)
            ) from exc

    @api.model
    def _open_new(self):
        check = self.create({"domains": self._default_domains() or "example.com"})
        check.action_check()
        return check._action_reopen()

    def _action_reopen(self):
        return {
            "type": "ir.actions.act_window",
            "name": _("Sending domain check"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_check(self):
        self.ensure_one()
        try:
            domains = [
                dns_check.normalise_domain(d)
                for d in (self.domains or "").replace(";", ",").split(",")
                if d.strip()
            ]
        except ValueError as exc:
            raise UserError(_("Not a domain name: %(error)s", error=str(exc))) from exc
        if not domains:
            raise UserError(_("Enter at least one domain to check."))
        results = self._checker().check_domains(domains)
        self.line_ids = [Command.clear()] + [
            Command.create(result.as_dict()) for result in results
        ]
        return self._action_reopen()


class SendgridDomainCheckLine(models.TransientModel):
    _name = "sendgrid.domain.check.line"
    _description = "Sending domain check result"
    _order = "domain, id"

    check_id = fields.Many2one(
        "sendgrid.domain.check", required=True, ondelete="cascade"
    )
    domain = fields.Char(readonly=True)
    check = fields.Selection(CHECK_SELECTION, string="Record", readonly=True)
    record_name = fields.Char(string="Name", readonly=True)
    record_type = fields.Char(string="Type", readonly=True)
    status = fields.Selection(STATUS_SELECTION, readonly=True)
    current = fields.Char(string="Found in DNS", readonly=True)
    expected = fields.Char(string="Record to add", readonly=True)
    note = fields.Char(readonly=True)
