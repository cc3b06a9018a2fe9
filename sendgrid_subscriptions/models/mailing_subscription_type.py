from odoo import _, api, fields, models
from odoo.exceptions import AccessError, ValidationError

MANAGER_GROUP = "sendgrid_delivery.group_mass_mailing_manager"
MAX_ASM_GROUP_ID = 2**31 - 1


class MailingSubscriptionType(models.Model):
    _inherit = "mailing.subscription.type"

    asm_group_id = fields.Integer(
        string="SendGrid unsubscribe group",
        copy=False,
        index="btree_not_null",
        help="The ID of the SendGrid unsubscribe group (SendGrid: Suppressions > "
        "Unsubscribe Groups) for this type. Mailings of the type carry it, so "
        "SendGrid skips the group's unsubscribed addresses; a contact who leaves "
        "or rejoins the group in SendGrid leaves or rejoins this type. Set by the "
        "Email Marketing managers.",
    )

    @api.constrains("asm_group_id")
    def _check_asm_group_id(self):
        for sub_type in self.filtered("asm_group_id"):
            if not 0 < sub_type.asm_group_id <= MAX_ASM_GROUP_ID:
                raise ValidationError(
                    _("A SendGrid unsubscribe group ID is a positive number.")
                )
            other = (
                self.sudo()
                .with_context(active_test=False)
                .search(
                    [
                        ("asm_group_id", "=", sub_type.asm_group_id),
                        ("id", "!=", sub_type.id),
                    ],
                    limit=1,
                )
            )
            if other:
                raise ValidationError(
                    _(
                        "SendGrid unsubscribe group %(group)s is already bound to "
                        "the subscription type %(type)s.",
                        group=sub_type.asm_group_id,
                        type=other.name,
                    )
                )

    def _check_asm_group_access(self):
        """Binding decides who SendGrid suppresses: the managers' choice."""
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
            return
        raise AccessError(
            _(
                "Only Email Marketing managers can bind a subscription type to a "
                "SendGrid unsubscribe group."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        sub_types = super().create(vals_list)
        # checked on the result: defaults and default_* context arrive late
        if sub_types.filtered("asm_group_id"):
            sub_types._check_asm_group_access()
        return sub_types

    def write(self, vals):
        if "asm_group_id" in vals:
            self._check_asm_group_access()
        return super().write(vals)
