from . import mailing_subscription_type
from . import res_partner
from . import mail_activity
from . import mailing_mailing
from . import mailing_trace
from . import mail_mail
from . import consent_initializer
