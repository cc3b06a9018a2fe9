from . import product_template
from . import hr_expense_dk_dated_rate
from . import hr_expense_dk_rate
from . import hr_expense_dk_mileage_rate
from . import hr_expense
from . import hr_expense_sheet
from . import hr_employee
from . import res_config_settings
