from collections import defaultdict

from odoo import Command, _, api, models

from odoo.addons.sendgrid_delivery.models.sendgrid_event import (
    RECONCILIATION_CONSENT_SOURCE,
)
from odoo.addons.sendgrid_delivery.services import suppressions


class SendgridEvent(models.Model):
    _inherit = "sendgrid.event"

    @api.model
    def _sendgrid_bound_types(self, group_ids):
        """{ASM group id: subscription type} for the given group ids."""
        group_ids = [g for g in group_ids if g]
        if not group_ids:
            return {}
        types = (
            self.env["mailing.subscription.type"]
            .sudo()
            .with_context(active_test=False)
            .search([("asm_group_id", "in", group_ids)])
        )
        return {sub_type.asm_group_id: sub_type for sub_type in types}

    def _sendgrid_apply_subscription_groups(self, rows, reconciled=False):
        """Group (un)subscribes of a bound group leave or rejoin its type.

        Through mass_mailing_subscriptions' own write, so each change is a
        `preference` event in the contact's consent history. The rows are
        already the latest per address and group, also across batches (see
        sendgrid_delivery's ``_sendgrid_latest_group_rows``).
        """
        rows = super()._sendgrid_apply_subscription_groups(rows, reconciled=reconciled)
        bound = self._sendgrid_bound_types({row.get("asm_group_id") for row in rows})
        if not bound:
            return rows
        left = [row for row in rows if row.get("asm_group_id") not in bound]
        changes = defaultdict(list)  # (type, opt_out) -> rows
        for row in rows:
            if row.get("asm_group_id") not in bound:
                continue
            opt_out = row["event_type"] == "group_unsubscribe"
            changes[(bound[row["asm_group_id"]], opt_out)].append(row)
        source = RECONCILIATION_CONSENT_SOURCE if reconciled else "unsubscribe_link"
        for (sub_type, opt_out), type_rows in changes.items():
            emails = {row["email"] for row in type_rows}
            partners = self._partners_by_email(type_rows).filtered(
                lambda p, emails=emails: p.email_normalized in emails
            )
            if not partners:
                continue
            evidence = {
                "description": self._sendgrid_group_note(sub_type, opt_out, reconciled)
            }
            if opt_out:
                partners._subscription_unsubscribe(sub_type, source, evidence)
                continue
            joining = partners.filtered(
                lambda p, sub_type=sub_type: sub_type not in p.subscription_type_ids
            )
            if joining:
                joining.with_context(
                    consent_source=source, consent_evidence=evidence
                ).write({"subscription_type_ids": [Command.link(sub_type.id)]})
        return left

    @api.model
    def _sendgrid_group_note(self, sub_type, opt_out, reconciled):
        group = sub_type.asm_group_id
        if reconciled:
            return _(
                "On the suppression list of SendGrid unsubscribe group %(group)s "
                "(found by the reconciliation; the event webhook missed it).",
                group=group,
            )
        if opt_out:
            return _(
                "Unsubscribed from SendGrid unsubscribe group %(group)s.", group=group
            )
        return _("Resubscribed to SendGrid unsubscribe group %(group)s.", group=group)

    @api.model
    def _sendgrid_reconcile_fetch(self, api, start_time, end_time):
        """Also the suppressions of the unsubscribe groups bound to a type."""
        events = super()._sendgrid_reconcile_fetch(api, start_time, end_time)
        bound = (
            self.env["mailing.subscription.type"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("asm_group_id", ">", 0)])
        )
        if not bound:
            return events
        entries = suppressions.in_window(api.group_suppressions(), start_time, end_time)
        group_events = suppressions.to_events(
            "group_suppressions", entries, self.env.cr.dbname
        )
        types = self._sendgrid_bound_types(
            {event["asm_group_id"] for event in group_events}
        )
        return events + [e for e in group_events if e["asm_group_id"] in types]
