"""Money helpers: every amount is a ``Decimal`` rounded half-up to øre."""

from decimal import ROUND_HALF_UP, Decimal

ORE = Decimal("0.01")


def to_decimal(value):
    """Return ``value`` as a Decimal without binary float noise (0.1 stays 0.1)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def to_ore(value):
    """Round half-up to øre; Python's ``round`` would round 23.125 down to 23.12."""
    return to_decimal(value).quantize(ORE, rounding=ROUND_HALF_UP)


def percent_of(amount, percent):
    """``percent`` % of ``amount``, rounded half-up to øre."""
    return to_ore(to_decimal(amount) * to_decimal(percent) / Decimal(100))
