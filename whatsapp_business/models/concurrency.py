"""Serializing concurrent webhook requests (issue 20).

Odoo runs each request in a REPEATABLE READ transaction and retries it when
PostgreSQL reports a serialization failure (``odoo.service.model.retrying``);
an integrity error is not retried (the request answers 400).
"""

from odoo.tools import SQL


def lock_keys(cr, prefix, keys):
    """Wait for the transactions holding any of ``keys`` (released at their
    commit or rollback); sorted, so two requests never deadlock."""
    for key in sorted(set(keys)):
        cr.execute(SQL("SELECT pg_advisory_xact_lock(hashtext(%s))", f"{prefix}:{key}"))


def raise_serialization_failure(cr):
    """Abort the transaction with PostgreSQL's own serialization failure
    (SQLSTATE 40001), which Odoo retries in a fresh snapshot that sees what
    the concurrent request committed."""
    cr.execute(
        SQL(
            "DO $$BEGIN RAISE EXCEPTION USING ERRCODE = 'serialization_failure', "
            "MESSAGE = 'a concurrent WhatsApp request created the same record'; "
            "END$$"
        ),
        log_exceptions=False,  # expected: Odoo logs the retry itself
    )
