from . import test_e164_values
from . import test_lookup
from . import test_number_table
from . import test_fill
