"""CSV export of one contact's consent history (access requests, GDPR Art. 15)."""

import csv
import io

COLUMNS = (
    ("date", "Date (UTC)"),
    ("purpose", "Purpose"),
    ("event_type", "Event"),
    ("legal_basis", "Legal basis"),
    ("state", "State"),
    ("source", "Source"),
    ("user", "By"),
    ("ip_address", "IP address"),
    ("user_agent", "User agent"),
    ("consent_text_version", "Wording version"),
    ("consent_text", "Wording shown"),
    ("description", "Note"),
    # last, so that columns keep their place for readers of older exports
    ("channel", "Channel"),
)


def build_csv(rows, headers=None):
    """Return CSV text for ``rows`` (dicts keyed like COLUMNS), oldest first.

    ``headers`` optionally maps column keys to (translated) header labels.
    Cells starting with a formula character are prefixed with a quote so a
    spreadsheet never executes them.
    """
    headers = headers or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([headers.get(key, label) for key, label in COLUMNS])
    for row in rows:
        writer.writerow([_safe(row.get(key)) for key, _label in COLUMNS])
    return out.getvalue()


def _safe(value):
    if value is None or value is False:
        return ""
    value = str(value)
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
