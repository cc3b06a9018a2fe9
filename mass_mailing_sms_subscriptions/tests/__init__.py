from . import test_sms_enforcement
from . import test_sms_access
