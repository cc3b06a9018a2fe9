"""The contact lookup table: one row per (active contact, E.164 number).

The E.164 values live on res.partner (``phone_e164`` / ``mobile_e164``, shown
on the form, searchable). A number is looked up in this narrow table instead:
one probe of one btree on a small table. Asking res_partner directly costs
PostgreSQL more to plan than to run (the planner weighs its ~30 indexes on
every query) and needs a BitmapOr of two indexes; the narrow table halves the
lookup time (see the Uni-tel benchmark).

``is_mobile`` says the number is the contact's mobile (a number in both fields
is one row, a mobile one), so callers get mobile matches first without
touching res_partner.

The table mirrors the two columns and ``active``. res.partner keeps it in
step where its writes reach the database (``_create`` and ``_write_multi``,
which every ORM write and every flush of the computed E.164 fields goes
through), in the set-based fill, and after contact merges; deleted contacts
leave it through the foreign key's ``ON DELETE CASCADE``. This module holds
the SQL; res_partner.py the ORM hooks.
"""

from odoo.tools import SQL
from odoo.tools.sql import table_exists

NUMBER_TABLE = "partner_phone_e164_number"
# the hot path: a plain constant query, no composition per call
LOOKUP_QUERY = f"SELECT partner_id, is_mobile FROM {NUMBER_TABLE} WHERE e164 = %s"
LOOKUP_MANY_QUERY = (
    f"SELECT e164, partner_id, is_mobile FROM {NUMBER_TABLE} WHERE e164 = ANY(%s)"
)
# res.partner columns the table mirrors
MIRRORED = ("phone_e164", "mobile_e164", "active")


def create_table(cr):
    """Create the lookup table and its indexes; True when it is new."""
    if table_exists(cr, NUMBER_TABLE):
        return False
    cr.execute(
        SQL(
            """
            CREATE TABLE %(table)s (
                partner_id integer NOT NULL
                    REFERENCES res_partner(id) ON DELETE CASCADE,
                e164 varchar NOT NULL,
                is_mobile boolean NOT NULL,
                PRIMARY KEY (partner_id, e164)
            );
            CREATE INDEX %(index)s ON %(table)s (e164)
                INCLUDE (partner_id, is_mobile);
            COMMENT ON TABLE %(table)s IS
                'partner_phone_e164: E.164 numbers of active contacts, for lookups';
            """,
            table=SQL.identifier(NUMBER_TABLE),
            index=SQL.identifier(f"{NUMBER_TABLE}_e164_index"),
        )
    )
    return True


def drop_table(cr):
    cr.execute(SQL("DROP TABLE IF EXISTS %s", SQL.identifier(NUMBER_TABLE)))


def sync(cr, ids=None):
    """Bring the rows of contacts ``ids`` (all when None) in line with their
    E.164 columns and ``active``; two statements, changed rows only."""
    scope = SQL("TRUE") if ids is None else SQL("partner.id = ANY(%s)", list(ids))
    row_scope = (
        SQL("TRUE") if ids is None else SQL("num.partner_id = ANY(%s)", list(ids))
    )
    wanted = SQL(
        """
        SELECT partner.id AS partner_id, partner.mobile_e164 AS e164,
               TRUE AS is_mobile
          FROM res_partner partner
         WHERE %(scope)s AND partner.active
           AND partner.mobile_e164 IS NOT NULL
        UNION ALL
        SELECT partner.id, partner.phone_e164, FALSE
          FROM res_partner partner
         WHERE %(scope)s AND partner.active
           AND partner.phone_e164 IS NOT NULL
           AND partner.phone_e164 IS DISTINCT FROM partner.mobile_e164
        """,
        scope=scope,
    )
    table = SQL.identifier(NUMBER_TABLE)
    cr.execute(
        SQL(
            """
            DELETE FROM %(table)s num
             WHERE %(row_scope)s
               AND (num.partner_id, num.e164, num.is_mobile) NOT IN (%(wanted)s)
            """,
            table=table,
            row_scope=row_scope,
            wanted=wanted,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO %(table)s (partner_id, e164, is_mobile)
            SELECT wanted.partner_id, wanted.e164, wanted.is_mobile
              FROM (%(wanted)s) wanted
            ON CONFLICT DO NOTHING
            """,
            table=table,
            wanted=wanted,
        )
    )


def _ordered(rows):
    # mobile matches first, then the oldest contact; sorted here: an ORDER BY
    # would cost PostgreSQL a sort step per call
    return [partner_id for partner_id, is_mobile in sorted(rows, key=_rank)]


def _rank(row):
    return (not row[1], row[0])


def lookup(cr, e164):
    """Ids of the active contacts whose phone or mobile is ``e164``: those
    with it as their mobile first, then the oldest first."""
    cr.execute(LOOKUP_QUERY, (e164,))
    return _ordered(cr.fetchall())


def lookup_many(cr, numbers):
    """``{e164: ids}`` for several numbers at once, each ordered as by
    :func:`lookup`; numbers nobody has are left out."""
    cr.execute(LOOKUP_MANY_QUERY, (list(numbers),))
    rows = {}
    for e164, partner_id, is_mobile in cr.fetchall():
        rows.setdefault(e164, []).append((partner_id, is_mobile))
    return {e164: _ordered(found) for e164, found in rows.items()}
