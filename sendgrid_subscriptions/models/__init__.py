from . import mail_mail
from . import mailing_subscription_type
from . import sendgrid_event
