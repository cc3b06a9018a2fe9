from odoo import api, models


class ExchangeSyncMixin(models.AbstractModel):
    """What the mailbox needs to know of a synced model, as per-model hooks.

    ``exchange.sync.mailbox`` orchestrates a run (pages, savepoints, commits,
    sync state, links) and asks the model it syncs for the rest: which remote
    listing to read, how a page becomes Odoo records, which records to send and
    what Outlook receives. Models inheriting this mixin are synced in the order
    of ``_exchange_sync_sequence`` (as core ``microsoft_calendar``'s
    ``microsoft.calendar.sync`` mixin does for Outlook). Every hook is called
    on the model (an empty recordset) with the mailbox as first argument, and
    all are private: nothing here is reachable over JSON-RPC.
    """

    _name = "exchange.sync.mixin"
    _description = "Exchange Synced Record"

    # order of the models within a run (events before tasks)
    _exchange_sync_sequence = 10
    # the mailbox fields holding this model's sync state, full-sync flag and run
    _exchange_state_field = None
    _exchange_full_field = None
    _exchange_run_field = None

    @api.model
    def _exchange_is_synced(self, mailbox):
        """Whether the mailbox syncs this model at all."""
        return True

    @api.model
    def _exchange_before_pull(self, mailbox, backend, box, window, stats):
        """Called before the model's pull (the calendar follows its window)."""

    @api.model
    def _exchange_fetch_page(self, mailbox, backend, box, state, window):
        """One page of remote changes since ``state`` (a backend page)."""
        raise NotImplementedError

    @api.model
    def _exchange_apply_page(self, mailbox, items, stats, backend, box):
        """Apply the remote items of one page to Odoo records and links."""
        raise NotImplementedError

    @api.model
    def _exchange_purge_unseen(self, mailbox, unseen, backend, box, window, stats):
        """After a full sync round: ``unseen`` links Outlook did not list."""
        raise NotImplementedError

    @api.model
    def _exchange_push_context(self, mailbox):
        """Values shared by one push of this model (e.g. mailboxes by user)."""
        return {}

    @api.model
    def _exchange_push_pending(self, mailbox, backend, box, link):
        """Send the pending action of a link whose record is gone."""
        raise NotImplementedError

    def _exchange_push_values(self, mailbox, context):
        """What Outlook receives for this (changed) record, or None when its
        Outlook item is to be deleted (the record is gone or archived)."""
        raise NotImplementedError

    @api.model
    def _exchange_remote_update(self, mailbox, backend, box, remote_id, values):
        raise NotImplementedError

    @api.model
    def _exchange_remote_delete(self, mailbox, backend, box, remote_id):
        raise NotImplementedError

    @api.model
    def _exchange_push_extra(self, mailbox, backend, box, window, context, stats, now):
        """Called after changes and before new records are sent (series)."""

    @api.model
    def _exchange_records_to_create(self, mailbox, window, context):
        """Records of this mailbox in no Outlook folder yet."""
        raise NotImplementedError

    def _exchange_remote_create(self, mailbox, backend, box, key, context):
        """Create this record in Outlook with the Odoo ``key``; the backend's
        answer is returned."""
        raise NotImplementedError
