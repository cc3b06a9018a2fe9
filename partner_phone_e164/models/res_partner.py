import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, create_index, make_index_name

from ..services import phone as phone_service
from . import number_index

_logger = logging.getLogger(__name__)

# Source field -> stored E.164 column. Lookups read the narrow table of
# number_index.py; these partial btrees (NULLs left out: most contacts have no
# mobile) serve searches on the columns themselves.
E164_FIELDS = {"phone": "phone_e164", "mobile": "mobile_e164"}
INIT_BATCH = 50000  # distinct numbers parsed and written per statement


class ResPartner(models.Model):
    _inherit = "res.partner"

    phone_e164 = fields.Char(
        string="Phone (E.164)",
        compute="_compute_phone_e164",
        store=True,
        index="btree_not_null",
        help="The phone number in international E.164 form (+4512345678), used to "
        "recognise the contact when they call or write.",
    )
    mobile_e164 = fields.Char(
        string="Mobile (E.164)",
        compute="_compute_phone_e164",
        store=True,
        index="btree_not_null",
        help="The mobile number in international E.164 form (+31612345678), used "
        "to recognise the contact when they call or write.",
    )
    phone_e164_search = fields.Char(
        string="Phone Number (any format)",
        store=False,
        search="_search_phone_e164_search",
        help="Find contacts by phone or mobile, whatever the format typed.",
    )

    # -- computes ----------------------------------------------------------
    def _phone_e164_region(self):
        """Country (ISO code) used to read this contact's national numbers:
        the contact's, else its company's, else the current company's."""
        self.ensure_one()
        return (
            self.country_id.code
            or self.company_id.country_id.code
            or self.env.company.country_id.code
            or None
        )

    # company_id, not company_id.country_id: moving a company would otherwise
    # recompute every contact through the ORM; _e164_fill is the set-based redo.
    @api.depends("phone", "mobile", "country_id", "company_id")
    def _compute_phone_e164(self):
        for partner in self:
            region = partner._phone_e164_region()
            partner.phone_e164 = (
                phone_service.to_e164_or_none(partner.phone, region) or False
            )
            partner.mobile_e164 = (
                phone_service.to_e164_or_none(partner.mobile, region) or False
            )

    def _search_phone_e164_search(self, operator, value):
        if operator not in ("=", "ilike") or not isinstance(value, str):
            raise UserError(self.env._("Search phone numbers with “is” or “contains”."))
        region = self.env.company.country_id.code or None
        e164 = phone_service.to_e164_or_none(value, region)
        if not e164:
            return [("id", "=", False)]
        return ["|", ("phone_e164", "=", e164), ("mobile_e164", "=", e164)]

    # -- install: fill the E.164 columns set-based ---------------------------
    def _auto_init(self):
        """Create the E.164 columns ourselves so the ORM does not compute them
        record by record at install; fill them with one UPDATE per batch."""
        cr = self.env.cr
        new_table = number_index.create_table(cr)
        created = []
        for column in E164_FIELDS.values():
            if not column_exists(cr, self._table, column):
                create_column(cr, self._table, column, "varchar")
                # Index before filling, under the name the ORM expects: an index
                # built after the UPDATE (same transaction) would be unusable to
                # every query while an older transaction runs (indcheckxmin).
                create_index(
                    cr,
                    make_index_name(self._table, column),
                    self._table,
                    [f'"{column}"'],
                    where=f'"{column}" IS NOT NULL',
                )
                created.append(column)
        result = super()._auto_init()
        if created:
            self._e164_fill()  # fills the lookup table too
        elif new_table:
            # columns there already (the table was dropped): mirror them
            self._e164_sync_numbers()
        return result

    def _e164_default_region_sql(self):
        self.env.cr.execute(
            SQL(
                """
                SELECT country.code
                  FROM res_users usr
                  JOIN res_company company ON company.id = usr.company_id
                  JOIN res_partner cpartner ON cpartner.id = company.partner_id
                  JOIN res_country country ON country.id = cpartner.country_id
                 WHERE usr.id = %s
                """,
                self.env.uid,
            )
        )
        row = self.env.cr.fetchone()
        return row[0] if row else ""

    @api.model
    def _e164_fill(self):
        """(Re)write the E.164 columns of every contact with set-based SQL.

        Each distinct (number, country) pair is parsed once in Python, the
        results go to a temporary table and two UPDATE ... FROM statements write
        them; no ORM call per contact. Returns the number of contacts updated.
        """
        cr = self.env.cr
        default_region = self._e164_default_region_sql()
        region_sql = SQL(
            """
            SELECT partner.id,
                   COALESCE(own.code, company_country.code, %s, '') AS code
              FROM res_partner partner
              LEFT JOIN res_country own ON own.id = partner.country_id
              LEFT JOIN res_company company ON company.id = partner.company_id
              LEFT JOIN res_partner cpartner ON cpartner.id = company.partner_id
              LEFT JOIN res_country company_country
                     ON company_country.id = cpartner.country_id
            """,
            default_region,
        )
        cr.execute(
            SQL(
                """
                WITH region AS (%(region)s)
                SELECT DISTINCT number, code FROM (
                    SELECT partner.phone AS number, region.code
                      FROM res_partner partner JOIN region ON region.id = partner.id
                     WHERE partner.phone IS NOT NULL AND partner.phone != ''
                    UNION
                    SELECT partner.mobile, region.code
                      FROM res_partner partner JOIN region ON region.id = partner.id
                     WHERE partner.mobile IS NOT NULL AND partner.mobile != ''
                ) numbers
                """,
                region=region_sql,
            )
        )
        pairs = cr.fetchall()
        mapping = phone_service.normalise_many(pairs)
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS partner_phone_e164_map "
            "(number varchar, code varchar, e164 varchar) ON COMMIT DROP"
        )
        cr.execute("TRUNCATE partner_phone_e164_map")
        items = [(n, c, e) for (n, c), e in mapping.items() if e]
        for start in range(0, len(items), INIT_BATCH):
            chunk = items[start : start + INIT_BATCH]
            cr.execute(
                SQL(
                    "INSERT INTO partner_phone_e164_map "
                    "SELECT * FROM unnest(%s::varchar[], %s::varchar[], %s::varchar[])",
                    [n for n, _c, _e in chunk],
                    [c for _n, c, _e in chunk],
                    [e for _n, _c, e in chunk],
                )
            )
        cr.execute("ANALYZE partner_phone_e164_map")
        updated = 0
        for source, column in E164_FIELDS.items():
            cr.execute(
                SQL(
                    """
                    WITH region AS (%(region)s)
                    UPDATE res_partner partner
                       SET %(column)s = map.e164
                      FROM region, partner_phone_e164_map map
                     WHERE region.id = partner.id
                       AND map.number = partner.%(source)s
                       AND map.code = region.code
                       AND partner.%(column)s IS DISTINCT FROM map.e164
                    """,
                    region=region_sql,
                    column=SQL.identifier(column),
                    source=SQL.identifier(source),
                )
            )
            updated += cr.rowcount
            # numbers that cannot be read (or were removed) lose their E.164 value
            cr.execute(
                SQL(
                    """
                    WITH region AS (%(region)s)
                    UPDATE res_partner partner
                       SET %(column)s = NULL
                      FROM region
                     WHERE region.id = partner.id
                       AND partner.%(column)s IS NOT NULL
                       AND NOT EXISTS (
                           SELECT 1 FROM partner_phone_e164_map map
                            WHERE map.number = partner.%(source)s
                              AND map.code = region.code)
                    """,
                    region=region_sql,
                    column=SQL.identifier(column),
                    source=SQL.identifier(source),
                )
            )
            updated += cr.rowcount
        cr.execute("DROP TABLE partner_phone_e164_map")
        number_index.sync(cr)
        self.invalidate_model(list(E164_FIELDS.values()))
        _logger.info(
            "partner_phone_e164: normalised %s distinct numbers, %s contact values set",
            len(pairs),
            updated,
        )
        return updated

    # -- lookup --------------------------------------------------------------
    @api.model
    def _search_e164(self, e164, limit=None):
        """Active contacts whose phone or mobile is ``e164``, readable by the user.

        Those with it as their mobile come first, then the oldest contact
        first. One indexed ``=`` on the lookup table of E.164 numbers (see
        number_index.py), then the user's record rules on the few ids found
        (cheaper than adding them to the lookup query). The one lookup of a
        number's contacts for every addon of the suite (Uni-tel, WhatsApp).
        """
        if not e164:
            return self.browse()
        return self._e164_readable(self._e164_lookup_ids(e164), limit)

    @api.model
    def _search_e164_many(self, numbers):
        """``{e164: partners}`` for several numbers at once (one query), each
        ordered and access-checked as by :meth:`_search_e164`; numbers no
        readable contact has are left out."""
        numbers = {number for number in numbers if number}
        if not numbers:
            return {}
        self.flush_model(list(number_index.MIRRORED))
        found = number_index.lookup_many(self.env.cr, numbers)
        readable = set(
            self._e164_readable([pid for ids in found.values() for pid in ids]).ids
        )
        result = {}
        for e164, ids in found.items():
            partners = self.browse([pid for pid in ids if pid in readable])
            if partners:
                result[e164] = partners
        return result

    def _e164_readable(self, ids, limit=None):
        # record rules on the matches; prefetch_fields=False reads only the
        # columns the rules test instead of all ~150 of res.partner
        readable = (
            self.browse(ids)
            .with_context(prefetch_fields=False)
            ._filtered_access("read")
        )
        partners = self.browse(readable.ids)
        return partners[:limit] if limit else partners

    @api.model
    def _e164_lookup_ids(self, e164):
        """Ids of the active contacts whose phone or mobile is ``e164`` (mobile
        matches first, then the oldest), no access rights applied; callers
        check access on the matches."""
        # pending writes of the mirrored columns reach the table on flush
        self.flush_model(list(number_index.MIRRORED))
        return number_index.lookup(self.env.cr, e164)

    @api.model
    def _e164_committed_ids(self, numbers):
        """``{e164: ids}`` as every transaction has committed until now (read
        on a fresh cursor, not in this transaction's snapshot), no access
        rights applied: tells a request whether another one created a contact
        for the number since it began (see whatsapp_business)."""
        numbers = [number for number in numbers if number]
        if not numbers:
            return {}
        # plain SQL on the cursor: an Environment there would need the
        # registry, which another thread may be loading
        with self.env.registry.cursor() as fresh_cr:
            return number_index.lookup_many(fresh_cr, numbers)

    @api.model
    def _e164_sync_numbers(self, ids=None):
        """Mirror the E.164 numbers of contacts ``ids`` (all when None) into
        the lookup table (after changes made in SQL)."""
        number_index.sync(self.env.cr, ids)

    @api.model
    def _create(self, data_list):
        records = super()._create(data_list)
        if any(
            data["stored"].get(fname)
            for data in data_list
            for fname in E164_FIELDS.values()
        ):
            number_index.sync(self.env.cr, records.ids)
        return records

    # Odoo's _write_multi returns nothing
    def _write_multi(self, vals_list):  # pylint: disable=missing-return
        super()._write_multi(vals_list)
        touched = [
            record.id
            for record, vals in zip(self, vals_list, strict=True)
            if not vals.keys().isdisjoint(number_index.MIRRORED)
        ]
        if touched:
            number_index.sync(self.env.cr, touched)
