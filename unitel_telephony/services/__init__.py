# Plain Python helpers of unitel_telephony: no Odoo import allowed here, so the
# unit tests in tests/unit/unitel_telephony can load them on any machine.
