from odoo import api, fields, models
from odoo.tools import SQL

from .res_partner import SUBSCRIPTION_REL


class MailingSubscriptionType(models.Model):
    _name = "mailing.subscription.type"
    _description = "Subscription Type"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    description = fields.Text(
        translate=True,
        help="Shown to the contact on the preferences page under the type.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    partner_ids = fields.Many2many(
        "res.partner",
        "res_partner_mailing_subscription_type_rel",
        "type_id",
        "partner_id",
        string="Subscribed Contacts",
    )
    partner_count = fields.Integer(
        string="Subscribers", compute="_compute_partner_count"
    )
    mailing_ids = fields.One2many("mailing.mailing", "subscription_type_id")
    mailing_count = fields.Integer(compute="_compute_mailing_count")

    _sql_constraints = [
        ("name_uniq", "unique(name)", "A subscription type with this name exists."),
    ]

    def unlink(self):
        """A deleted type unsubscribes its contacts: one `preference` event
        per contact in their consent history (one statement)."""
        if self:
            self.env.flush_all()
            self.env.cr.execute(
                SQL(
                    """WITH removed AS (
                           SELECT partner_id, type_id FROM %(rel)s
                            WHERE type_id IN %(ids)s)
                       %(events)s""",
                    rel=SQL.identifier(SUBSCRIPTION_REL),
                    ids=tuple(self.ids),
                    events=self.env["res.partner"]._subscription_events_sql(
                        SQL("removed"),
                        "manual",
                        self.env._("The subscription type was deleted."),
                        removed=True,
                    ),
                )
            )
            self.env["consent.event"].invalidate_model()
            self.env["res.partner"].invalidate_model(["consent_event_ids"])
        return super().unlink()

    @api.depends("partner_ids")
    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("subscription_type_ids", "in", self.ids)],
                ["subscription_type_ids"],
                ["__count"],
            )
        )
        for sub_type in self:
            sub_type.partner_count = counts.get(sub_type, 0)

    @api.depends("mailing_ids")
    def _compute_mailing_count(self):
        counts = dict(
            self.env["mailing.mailing"]._read_group(
                [("subscription_type_id", "in", self.ids)],
                ["subscription_type_id"],
                ["__count"],
            )
        )
        for sub_type in self:
            sub_type.mailing_count = counts.get(sub_type, 0)

    def action_view_partners(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "base.action_partner_form"
        )
        action.update(
            {
                "domain": [("subscription_type_ids", "in", self.ids)],
                "context": {"default_subscription_type_ids": [self.id]},
                "name": self.env._("Subscribers of %(type)s", type=self.name),
            }
        )
        return action

    def action_view_mailings(self):
        self.ensure_one()
        self.check_access("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "mass_mailing.mailing_mailing_action_mail"
        )
        action.update(
            {
                "domain": [("subscription_type_id", "=", self.id)],
                "context": {"default_subscription_type_id": self.id},
            }
        )
        return action
