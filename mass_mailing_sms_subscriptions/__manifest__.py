{
    "name": "SMS Marketing Subscriptions",
    "summary": "SMS mailings obey SMS-marketing consent and the subscription "
    "types, as e-mail mailings do",
    "version": "18.0.1.0.0",
    "category": "Marketing/Email Marketing",
    "author": "Nordic CRM Suite",
    "website": "https://github.com/nordic-crm-suite/odoo-suite",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["mass_mailing_sms", "mass_mailing_subscriptions"],
    "data": [
        "views/mailing_mailing_views.xml",
        "views/mailing_trace_views.xml",
    ],
    "auto_install": True,
    "installable": True,
}
