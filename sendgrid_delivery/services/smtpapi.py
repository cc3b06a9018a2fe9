"""Build SendGrid's ``X-SMTPAPI`` header for the SMTP relay (no Odoo import).

The header carries ``unique_args`` (strings only, no personal data) that
SendGrid copies onto every event of the message, and the per-message tracking
filters. SendGrid's limits: lines of at most 1,000 characters (fold long JSON),
non-ASCII escaped as ``\\uXXXX``, unique args at most 10,000 bytes.
"""

import json

HEADER_NAME = "X-SMTPAPI"
MAX_LINE = 998  # RFC 5322 hard limit; SendGrid states 1,000 including CRLF
MAX_UNIQUE_ARGS_BYTES = 10_000
MAX_ASM_GROUP_ID = 2**31 - 1


class SmtpApiError(ValueError):
    pass


def unique_args(db, mail_id=None, message_id=None, trace_id=None, partner_id=None):
    """The identifiers tying events back to this database's records."""
    if not db:
        raise SmtpApiError("the database name is required")
    args = {"odoo_db": str(db)}
    for key, value in (
        ("odoo_mail_id", mail_id),
        ("odoo_message_id", message_id),
        ("odoo_trace_id", trace_id),
        ("odoo_partner_id", partner_id),
    ):
        if value:
            args[key] = str(int(value))
    return args


def build(
    db,
    mail_id=None,
    message_id=None,
    trace_id=None,
    partner_id=None,
    click_tracking=True,
    open_tracking=True,
    categories=None,
    asm_group_id=None,
):
    """Return the header's JSON structure (a dict).

    ``asm_group_id`` (SendGrid's unsubscribe group, a positive integer) makes
    SendGrid skip the group's unsubscribed addresses and report
    ``group_unsubscribe`` / ``group_resubscribe`` events for it.
    """
    args = unique_args(db, mail_id, message_id, trace_id, partner_id)
    size = len(json.dumps(args, ensure_ascii=False).encode("utf-8"))
    if size > MAX_UNIQUE_ARGS_BYTES:
        raise SmtpApiError("unique_args exceed 10,000 bytes")
    data = {
        "unique_args": args,
        "filters": {
            # SendGrid wants every setting of a filter spelled out
            "clicktrack": {
                "settings": {"enable": int(bool(click_tracking)), "enable_text": 0}
            },
            "opentrack": {"settings": {"enable": int(bool(open_tracking))}},
        },
    }
    if categories:
        data["category"] = [str(c) for c in categories if c]
    if asm_group_id:
        if (
            isinstance(asm_group_id, bool)
            or not isinstance(asm_group_id, int)
            or not 0 < asm_group_id <= MAX_ASM_GROUP_ID
        ):
            raise SmtpApiError("asm_group_id must be a positive integer")
        data["asm_group_id"] = asm_group_id
    return data


def dumps(data):
    """One-line JSON, ASCII only, with spaces after separators (fold points)."""
    return json.dumps(data, ensure_ascii=True, separators=(", ", ": "), sort_keys=True)


def fold(value, limit=MAX_LINE, name=HEADER_NAME):
    """Fold ``value`` at its spaces so ``Name: value`` lines stay within ``limit``.

    Returns the value with ``CRLF + space`` continuation (RFC 5322 folding);
    unfolding gives the original string back.
    """
    lines = []
    current = None
    budget = limit - len(name) - 2  # the first line also holds "Name: "
    for word in value.split(" "):
        if current is None:
            current = word
        elif len(current) + 1 + len(word) <= budget:
            current = f"{current} {word}"
        else:
            lines.append(current)
            current = " " + word  # continuation lines start with the space
            budget = limit
        if len(current) > budget:
            raise SmtpApiError("a single token is longer than a header line")
    lines.append(current)
    return "\r\n".join(lines)


def header_value(**kwargs):
    """The unfolded header value; e-mail libraries fold it at the spaces."""
    value = dumps(build(**kwargs))
    fold(value)  # raises if it could not be folded within SendGrid's limit
    return value


def parse(value):
    """Decode a (possibly folded) header value back to its structure."""
    return json.loads(value.replace("\r\n", "").replace("\n", ""))
