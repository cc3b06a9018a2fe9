"""The incoming-call lookup table: one row per (active contact, E.164 number).

The E.164 values live on res.partner (``unitel_phone_e164`` /
``unitel_mobile_e164``, shown on the form, searchable). A caller is looked up
in this narrow table instead: one probe of one btree on a two-column table.
Asking res_partner directly costs PostgreSQL more to plan than to run (the
planner weighs its ~30 indexes on every query) and needs a BitmapOr of two
indexes; the narrow table halves the lookup time (see the Uni-tel benchmark).

The table mirrors the two columns and ``active``. res.partner keeps it in
step where its writes reach the database (``_create`` and ``_write_multi``,
which every ORM write and every flush of the computed E.164 fields goes
through), in the set-based fill, and after contact merges; deleted contacts
leave it through the foreign key's ``ON DELETE CASCADE``. This module holds
the SQL; res_partner.py the ORM hooks.
"""

from odoo.tools import SQL
from odoo.tools.sql import table_exists

NUMBER_TABLE = "unitel_partner_number"
# the hot path: a plain constant query, no composition per call
LOOKUP_QUERY = f"SELECT partner_id FROM {NUMBER_TABLE} WHERE e164 = %s"
# res.partner columns the table mirrors
MIRRORED = ("unitel_phone_e164", "unitel_mobile_e164", "active")


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
                PRIMARY KEY (partner_id, e164)
            );
            CREATE INDEX %(index)s ON %(table)s (e164) INCLUDE (partner_id);
            COMMENT ON TABLE %(table)s IS
                'unitel_telephony: E.164 numbers of active contacts, for caller lookup';
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
        SELECT partner.id AS partner_id, partner.unitel_phone_e164 AS e164
          FROM res_partner partner
         WHERE %(scope)s AND partner.active
           AND partner.unitel_phone_e164 IS NOT NULL
        UNION
        SELECT partner.id, partner.unitel_mobile_e164
          FROM res_partner partner
         WHERE %(scope)s AND partner.active
           AND partner.unitel_mobile_e164 IS NOT NULL
        """,
        scope=scope,
    )
    table = SQL.identifier(NUMBER_TABLE)
    cr.execute(
        SQL(
            """
            DELETE FROM %(table)s num
             WHERE %(row_scope)s
               AND (num.partner_id, num.e164) NOT IN (%(wanted)s)
            """,
            table=table,
            row_scope=row_scope,
            wanted=wanted,
        )
    )
    cr.execute(
        SQL(
            """
            INSERT INTO %(table)s (partner_id, e164)
            SELECT wanted.partner_id, wanted.e164 FROM (%(wanted)s) wanted
            ON CONFLICT DO NOTHING
            """,
            table=table,
            wanted=wanted,
        )
    )


def lookup(cr, e164):
    """Ids of the active contacts whose phone or mobile is ``e164``."""
    cr.execute(LOOKUP_QUERY, (e164,))
    # sorted here: an ORDER BY would cost PostgreSQL a sort step per call
    return sorted(row[0] for row in cr.fetchall())
