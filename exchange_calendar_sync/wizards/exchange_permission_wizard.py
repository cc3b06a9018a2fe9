from odoo import api, fields, models
from odoo.exceptions import UserError

from ..services import powershell


class ExchangePermissionWizard(models.TransientModel):
    _name = "exchange.permission.wizard"
    _description = "Exchange permission script"

    config_id = fields.Many2one(
        "exchange.sync.config", required=True, ondelete="cascade"
    )
    backend = fields.Selection(related="config_id.backend")
    ews_access = fields.Selection(related="config_id.ews_access")
    mailbox_ids = fields.Many2many(
        "exchange.sync.mailbox",
        string="Mailboxes",
        domain="[('config_id', '=', config_id)]",
    )
    object_id = fields.Char(
        "Enterprise application object ID",
        help="Object ID of the enterprise application (service principal) in Entra; "
        "needed once to register it in Exchange Online.",
    )
    script = fields.Text(compute="_compute_script")

    @api.depends("config_id", "mailbox_ids", "object_id")
    def _compute_script(self):
        for wizard in self:
            wizard.script = wizard._build_script() if wizard.mailbox_ids else False

    def _build_script(self):
        config = self.config_id
        mailboxes = self.mailbox_ids.sorted("email")
        try:
            if config.backend == "graph":
                return powershell.graph_rbac_script(
                    (config.client_id or "").strip(),
                    mailboxes.mapped("email"),
                    object_id=(self.object_id or "").strip() or None,
                )
            if config.ews_access == "impersonation":
                return powershell.ews_impersonation_script(
                    (config.ews_username or "").strip(), mailboxes.mapped("email")
                )
            return powershell.ews_delegate_script(
                (config.ews_username or "").strip(),
                [
                    (m.email, m.calendar_folder_name, m.tasks_folder_name)
                    for m in mailboxes
                ],
            )
        except powershell.ScriptError as exc:
            raise UserError(
                self.env._("Cannot write the script: %(reason)s", reason=str(exc))
            ) from exc
