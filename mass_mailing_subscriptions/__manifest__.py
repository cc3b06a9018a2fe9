{
    "name": "Mass Mailing Subscriptions",
    "summary": "Subscription types, consent-enforced mailings and a personal "
    "preferences page for every contact",
    "version": "18.0.1.0.0",
    "category": "Marketing/Email Marketing",
    "author": "Nordic CRM Suite",
    "website": "https://github.com/nordic-crm-suite/odoo-suite",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["mass_mailing", "portal", "consent_management"],
    "data": [
        "security/mass_mailing_subscriptions_security.xml",
        "security/ir.model.access.csv",
        "data/mailing_subscription_type_data.xml",
        "views/mailing_subscription_type_views.xml",
        "views/mailing_mailing_views.xml",
        "views/mailing_trace_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/preferences_templates.xml",
        "views/mailing_templates.xml",
        "views/portal_templates.xml",
        "views/mass_mailing_subscriptions_menus.xml",
    ],
    "demo": ["demo/mass_mailing_subscriptions_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "mass_mailing_subscriptions/static/tests/tours/*.js",
        ],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
}
