"""Pseudonymise e-mail addresses kept in the consent history."""

import hashlib


def normalise_email(email):
    return (email or "").strip().lower()


def email_hash(email):
    """SHA-256 hex digest of the normalised address, or False when there is none.

    Must stay equal to the SQL expression used by the set-based initialiser:
    encode(sha256(convert_to(lower(trim(email)), 'UTF8')), 'hex').
    """
    email = normalise_email(email)
    if not email:
        return False
    return hashlib.sha256(email.encode("utf-8")).hexdigest()
