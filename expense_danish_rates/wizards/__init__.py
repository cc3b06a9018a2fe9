from . import hr_expense_dk_per_diem_wizard_day
from . import hr_expense_dk_per_diem_wizard
from . import hr_expense_dk_approval_wizard
from . import hr_expense_dk_statement
