from . import test_sms_enforcement
from . import test_sms_access
from . import test_sms_batch_check
