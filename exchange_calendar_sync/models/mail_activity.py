from datetime import timedelta

from odoo import api, fields, models

from ..services import conflict
from .exchange_sync_mailbox import SYNC_CONTEXT

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
        Activity = self.with_context(**SYNC_CONTEXT)
        Link = self.env["exchange.item.link"]
        run = mailbox.task_full_sync_run if mailbox.is_task_full_sync else 0
        now = fields.Datetime.now()
        items = [i for i in items if i.get("remote_id")]
        by_remote = {
            link.remote_id: link
            for link in mailbox._links(
                self._name, [("remote_id", "in", [i["remote_id"] for i in items])]
            )
        }
        todo_type = self.env.ref(
            "mail.mail_activity_data_todo", raise_if_not_found=False
        )
        # Outlook-born tasks: activities on the user's own contact (see readme)
        model_id = self.env["ir.model"]._get_id("res.partner")
        for item in items:
            link = by_remote.get(item["remote_id"])
            if item["removed"]:
                if link:
                    self._exchange_remote_removed(link)
                    stats["pulled"] += 1
                continue
            if link:
                link.seen_run = run or link.seen_run
                if link.pending_action:
                    continue
                activity = Activity.browse(link.res_id).exists()
                if not activity:
                    link.pending_action = "delete"
                    continue
                if link.change_key == item["change_key"]:
                    continue
                if link.need_push:
                    stats["conflicts"] += 1
                    winner = conflict.resolve(
                        activity.write_date, item["last_modified"]
                    )
                    mailbox._note_conflict(
                        activity._exchange_document(), winner, item["last_modified"]
                    )
                    if winner == conflict.ODOO:
                        link.write({"remote_last_modified": item["last_modified"]})
                        continue
                stats["pulled"] += 1
                if item["done"]:
                    link.unlink()
                    activity._action_done()
                    continue
                activity.write(self._exchange_values_from_task(item))
                link.write(mailbox._link_vals(item, now, need_push=False))
                continue
            activity = Activity._exchange_own_task(mailbox, backend, box, item)
            if activity and item["done"]:
                activity._action_done()  # completed in Outlook before it was linked
                stats["pulled"] += 1
                continue
            if activity:
                activity.write({"exchange_need_sync": False})  # ours, before a crash
                Link.create(
                    mailbox._new_link_vals(
                        item, now, self._name, activity.id, seen_run=run, is_origin=True
                    )
                )
                continue
            if item["done"]:
                continue  # finished Outlook tasks are history, not new work
            vals = dict(
                self._exchange_values_from_task(item),
                res_model_id=model_id,
                res_id=mailbox.user_id.partner_id.id,
                user_id=mailbox.user_id.id,
                activity_type_id=todo_type.id if todo_type else False,
            )
            vals.setdefault("date_deadline", fields.Date.context_today(mailbox))
            if not vals["date_deadline"]:
                vals["date_deadline"] = fields.Date.context_today(mailbox)
            activity = Activity.create(vals)
            Link.create(
                mailbox._new_link_vals(
                    item, now, self._name, activity.id, seen_run=run, is_origin=True
                )
            )
            stats["pulled"] += 1

    @api.model
    def _exchange_own_task(self, mailbox, backend, box, item):
        """The activity an unlinked task was created for by this mailbox (a run
        that died between creating the task and committing its link), if any.

        Finished tasks are only asked about when changed since the last run,
        so years of completed To Do history cost no request.
        """
        Activity = self.with_context(**SYNC_CONTEXT)
        recent = mailbox.last_sync and (
            item.get("last_modified") or mailbox.last_sync
        ) >= (mailbox.last_sync - timedelta(hours=1))
        if item["done"] and not recent:
            return Activity
        key = mailbox._verified_key(backend.task_key(box, item))
        if not key or key[0] != self._name:
            return Activity
        activity = Activity.browse(key[1]).exists()
        if activity and mailbox._links(self._name, [("res_id", "=", activity.id)]):
            return Activity  # a copy of a task already linked here
        return activity

    @api.model
    def _exchange_values_from_task(self, item):
        vals = {"summary": item["summary"], "note": item["note"] or False}
        if item.get("deadline"):
            vals["date_deadline"] = item["deadline"]
        return vals

    def _exchange_document(self):
        """The record the activity is scheduled on (its chatter gets notes)."""
        if self.res_model and self.res_id and self.res_model in self.env:
            return self.env[self.res_model].browse(self.res_id).exists()
        return None

    @api.model
    def _exchange_remote_removed(self, link):
        activity = self.with_context(**SYNC_CONTEXT).browse(link.res_id).exists()
        link.unlink()
        if activity:
            activity.unlink()

    def _exchange_task_values(self, done=False):
        return {
            "summary": self.summary or self.activity_type_id.name or self.res_name,
            "note": self.note or "",
            "deadline": self.date_deadline,
            "done": done,
        }

    @api.model
    def _exchange_purge_unseen(self, mailbox, unseen, backend, box, window, stats):
        for link in unseen:
            self._exchange_remote_removed(link)
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
        return self._exchange_task_values(done=not self.active)

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
        return backend.create_task(box, self._exchange_task_values(), key)
