{
    "name": "SendGrid Subscriptions",
    "summary": "Subscription types bound to SendGrid unsubscribe groups: mailings "
    "carry the group, SendGrid's group (un)subscribes change the contact's types, "
    "the reconciliation reads the groups' suppressions",
    "version": "18.0.1.0.0",
    "category": "Marketing/Email Marketing",
    "author": "Nordic CRM Suite",
    "website": "https://github.com/nordic-crm-suite/odoo-suite",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["sendgrid_delivery", "mass_mailing_subscriptions"],
    "data": ["views/mailing_subscription_type_views.xml"],
    "auto_install": True,
    "installable": True,
}
