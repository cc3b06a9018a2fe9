from . import test_rates
from . import test_per_diem_wizard
from . import test_mileage
from . import test_ui
from . import test_demo
