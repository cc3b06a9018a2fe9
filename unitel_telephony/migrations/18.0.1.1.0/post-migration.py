"""18.0.1.1.0: the caller lookup moved to partner_phone_e164.

Odoo's upgrade already drops the columns of the removed fields
(``unitel_phone_e164``, ``unitel_mobile_e164``); the lookup table of the
earlier versions was plain SQL, so it is dropped here. partner_phone_e164,
installed as a new dependency, fills its own table on installation.
"""

import logging

from odoo.tools import SQL
from odoo.tools.sql import table_exists

_logger = logging.getLogger(__name__)

OLD_TABLE = "unitel_partner_number"


def migrate(cr, version):
    if not version:
        return
    if not table_exists(cr, OLD_TABLE):
        return
    cr.execute(SQL("DROP TABLE %s", SQL.identifier(OLD_TABLE)))
    _logger.info("unitel_telephony: dropped the old caller lookup table")
