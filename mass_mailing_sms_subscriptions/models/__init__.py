from . import mailing_mailing
from . import mailing_trace
from . import res_partner
from . import sms_sms
