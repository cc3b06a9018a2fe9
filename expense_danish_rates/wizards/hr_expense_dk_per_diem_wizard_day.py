from odoo import fields, models

from ..services import perdiem

LODGING_SELECTION = [
    (perdiem.LODGING_STANDARD, "Standard rate"),
    (perdiem.LODGING_RECEIPT, "Receipt (hotel bill)"),
    (perdiem.LODGING_PROVIDED, "Provided free"),
]


class HrExpenseDkPerDiemWizardDay(models.TransientModel):
    _name = "hr.expense.dk.per.diem.wizard.day"
    _description = "Danish Per Diem: Day of the Trip"
    _order = "day"

    wizard_id = fields.Many2one(
        "hr.expense.dk.per.diem.wizard", required=True, ondelete="cascade"
    )
    day = fields.Date(required=True, readonly=True)
    has_night = fields.Boolean(
        string="Night Away",
        readonly=True,
        help="The night after this day is spent away from home.",
    )
    lodging = fields.Selection(
        selection=LODGING_SELECTION,
        help="Standard rate: the lodging allowance is paid. Receipt: the hotel "
        "bill is reimbursed as an ordinary expense instead. Provided free: no "
        "lodging allowance.",
    )
    breakfast = fields.Boolean(help="Breakfast provided free this day.")
    lunch = fields.Boolean(help="Lunch provided free this day.")
    dinner = fields.Boolean(help="Dinner provided free this day.")
