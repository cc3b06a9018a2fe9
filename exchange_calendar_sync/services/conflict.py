"""Conflict rule shared by both backends: the later modification wins."""

ODOO = "odoo"
REMOTE = "remote"


def resolve(odoo_modified, remote_modified):
    """Which side wins when both changed since the last sync.

    Both are naive UTC datetimes. The later one wins; on a tie (or when a
    side has no timestamp) Odoo's version is kept, as Odoo's own
    ``microsoft_calendar`` does.
    """
    if remote_modified and (not odoo_modified or remote_modified > odoo_modified):
        return REMOTE
    return ODOO
