from . import sendgrid_domain_check
