"""Signed double opt-in links: HMAC-SHA256 over action, partner, purpose and expiry."""

import hashlib
import hmac

VALID = "valid"
INVALID = "invalid"
EXPIRED = "expired"


def _message(action, partner_id, purpose_code, expires_at):
    return f"consent:{action}:{int(partner_id)}:{purpose_code}:{int(expires_at)}"


def sign(secret, partner_id, purpose_code, expires_at, action="confirm"):
    """Return the hex signature of a consent link; ``expires_at`` is a UNIX time."""
    if not secret:
        raise ValueError("A signing secret is required")
    message = _message(action, partner_id, purpose_code, expires_at)
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify(
    secret,
    partner_id,
    purpose_code,
    expires_at,
    token,
    now,
    action="confirm",
    compare=hmac.compare_digest,
):
    """Check a link: ``VALID``, ``INVALID`` (forged/altered) or ``EXPIRED``.

    The signature is checked first, so an altered expiry reads as invalid.
    ``compare`` must be a constant-time comparison (Odoo passes ``consteq``).
    """
    try:
        expected = sign(secret, partner_id, purpose_code, expires_at, action=action)
    except (TypeError, ValueError):
        return INVALID
    if not isinstance(token, str):
        return INVALID
    # Bytes: compare_digest refuses non-ASCII str, and links are user input.
    if not compare(expected.encode(), token.encode("utf-8", "replace")):
        return INVALID
    if int(expires_at) < int(now):
        return EXPIRED
    return VALID


def digest(token):
    """Hash of a used token, stored to refuse replays without keeping the token."""
    return hashlib.sha256((token or "").encode()).hexdigest()
