from odoo import api, fields, models

SYNCED_FIELDS = {"summary", "note", "date_deadline", "user_id"}


class MailActivity(models.Model):
    _name = "mail.activity"
    _inherit = ["mail.activity", "exchange.sync.mixin"]

    _exchange_sync_sequence = 20
    _exchange_state_field = "task_sync_state"
    _exchange_full_field = "is_task_full_sync"
    _exchange_run_field = "task_full_sync_run"

    exchange_need_sync = fields.Boolean(
        default=lambda self: not self.env.context.get("exchange_sync_skip"),
        copy=False,
        help="Not yet an Outlook task: created there on the next sync.",
    )

    def _exchange_links(self):
        return (
            self.env["exchange.item.link"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("pending_action", "=", False),
                ]
            )
        )

    def write(self, vals):
        result = super().write(vals)
        if not self.env.context.get("exchange_sync_skip") and SYNCED_FIELDS & set(vals):
            self._exchange_links().write({"need_push": True})
        return result

    def _action_done(self, feedback=False, attachment_ids=None):
        if not self.env.context.get("exchange_sync_skip"):
            self._exchange_links().write(
                {"pending_action": "complete", "need_push": False}
            )
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def unlink(self):
        if not self.env.context.get("exchange_sync_skip"):
            self._exchange_links().write(
                {"pending_action": "delete", "need_push": False}
            )
        return super().unlink()

    # -- exchange.sync.mixin hooks ----------------------------------------------
    @api.model
    def _exchange_is_synced(self, mailbox):
        return mailbox.config_id.sync_tasks

    @api.model
    def _exchange_fetch_page(self, mailbox, backend, box, state, window):
        return backend.tasks_page(box, state)

    @api.model
    def _exchange_apply_page(self, mailbox, items, stats, backend, box):
        mailbox._apply_task_page(items, stats, backend, box)

    @api.model
    def _exchange_purge_unseen(self, mailbox, unseen, backend, box, window, stats):
        for link in unseen:
            mailbox._remote_task_removed(link)
        stats["pulled"] += len(unseen)

    @api.model
    def _exchange_push_pending(self, mailbox, backend, box, link):
        if link.pending_action == "complete":
            backend.complete_task(box, link.remote_id)
        else:
            backend.delete_task(box, link.remote_id)

    def _exchange_push_values(self, mailbox, context):
        if not self:
            return None
        return mailbox._task_values(self, done=not self.active)

    @api.model
    def _exchange_remote_update(self, mailbox, backend, box, remote_id, values):
        return backend.update_task(box, remote_id, values)

    @api.model
    def _exchange_remote_delete(self, mailbox, backend, box, remote_id):
        backend.delete_task(box, remote_id)

    @api.model
    def _exchange_records_to_create(self, mailbox, window, context):
        """Open activities of the mailbox's user in no Outlook task list yet."""
        domain = [("user_id", "=", mailbox.user_id.id), ("active", "=", True)]
        if mailbox.is_initial_push_done:
            domain.append(("exchange_need_sync", "=", True))
        activities = self.search(domain, order="id")
        linked = set(
            self.env["exchange.item.link"]
            .search([("res_model", "=", self._name), ("res_id", "in", activities.ids)])
            .mapped("res_id")
        )
        return activities.filtered(lambda a: a.id not in linked)

    def _exchange_remote_create(self, mailbox, backend, box, key, context):
        return backend.create_task(box, mailbox._task_values(self), key)
