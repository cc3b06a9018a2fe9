"""Turn SendGrid's suppression lists into events (no Odoo import).

The reconciliation stores what the event webhook missed as ordinary events:
a bounce list entry becomes a ``bounce``, a spam report a ``spamreport``, a
global unsubscribe an ``unsubscribe``, a group suppression a
``group_unsubscribe``. Each gets a stable ``sg_event_id`` built from the list,
the address and SendGrid's creation time, so a second run stores nothing.
A broken entry raises :class:`~.client.SendGridError`: the whole run is
refused and retried, nothing half-applied.
"""

from datetime import datetime, timezone

from .client import SendGridError

# suppression list -> event type of the webhook with the same effect
EVENT_TYPES = {
    "bounces": "bounce",
    "spam_reports": "spamreport",
    "unsubscribes": "unsubscribe",
    "group_suppressions": "group_unsubscribe",
}
ID_PREFIX = "reconcile"
_MAX_INT = 2**31 - 1


def _timestamp(value, kind):
    if isinstance(value, bool) or not isinstance(value, int):
        raise SendGridError(f"an entry of {kind} has no Unix creation time")
    if not 0 <= value < 2**33:
        raise SendGridError(f"an entry of {kind} has an impossible creation time")
    return value


def _email(value, kind):
    if not isinstance(value, str) or "@" not in value or len(value) > 320:
        raise SendGridError(f"an entry of {kind} has no e-mail address")
    return value.replace("\x00", "").strip().lower()


def _text(value, limit):
    if value is None:
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        return None
    return str(value).replace("\x00", "")[:limit]


def to_events(kind, entries, db):
    """Events (the webhook's normalised shape, see webhook.py) of one list."""
    event_type = EVENT_TYPES[kind]
    if not isinstance(entries, list):
        raise SendGridError(f"{kind} is not a list")
    events = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise SendGridError(f"an entry of {kind} is not an object")
        created = _timestamp(
            entry.get("created_at" if kind == "group_suppressions" else "created"),
            kind,
        )
        email = _email(entry.get("email"), kind)
        group_id = None
        if kind == "group_suppressions":
            group_id = entry.get("group_id")
            if (
                isinstance(group_id, bool)
                or not isinstance(group_id, int)
                or not 0 < group_id <= _MAX_INT
            ):
                raise SendGridError("a group suppression has no group id")
        key = ":".join(
            str(part)
            for part in (ID_PREFIX, event_type, group_id or "", created, email)
        )
        events.append(
            {
                "sg_event_id": key[:255],
                "event_type": event_type,
                "email": email,
                "event_date": datetime.fromtimestamp(created, tz=timezone.utc)
                .replace(tzinfo=None)
                .isoformat(sep=" "),
                "reason": _text(entry.get("reason"), 4096),
                "status": _text(entry.get("status"), 64),
                "bounce_type": "bounce" if event_type == "bounce" else None,
                "asm_group_id": group_id,
                "odoo_db": db,
                "source": "reconciliation",
            }
        )
    return events


def in_window(entries, start_time, end_time):
    """The group suppressions created in [start, end] (SendGrid cannot filter)."""
    kept = []
    for entry in entries if isinstance(entries, list) else []:
        created = entry.get("created_at") if isinstance(entry, dict) else None
        if isinstance(created, int) and not isinstance(created, bool):
            if start_time <= created <= end_time:
                kept.append(entry)
        else:
            kept.append(entry)  # to_events refuses it: the run fails whole
    if not isinstance(entries, list):
        raise SendGridError("group suppressions are not a list")
    return kept
