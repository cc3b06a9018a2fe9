# Plain Python helpers of partner_phone_e164: no Odoo import allowed here, so the
# unit tests in tests/unit/partner_phone_e164 can load them on any machine.
