from . import test_rates
from . import test_per_diem_wizard
from . import test_mileage
from . import test_ui
from . import test_demo
from . import test_counter
from . import test_skat_rules
from . import test_statement
