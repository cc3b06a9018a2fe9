{
    "name": "Uni-tel Telephony",
    "summary": "Click-to-call from every phone number, incoming-call pop-up and "
    "call log for Uni-tel softphones",
    "version": "18.0.1.1.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "Nordic CRM Suite",
    "website": "https://github.com/nordic-crm-suite/odoo-suite",
    "development_status": "Beta",
    "depends": ["contacts", "phone_validation", "mail", "partner_phone_e164"],
    "external_dependencies": {"python": ["requests"]},
    "data": [
        "security/unitel_security.xml",
        "security/ir.model.access.csv",
        "security/unitel_call_security.xml",
        "data/ir_actions_server.xml",
        "views/unitel_call_views.xml",
        "views/res_partner_views.xml",
        "views/res_users_views.xml",
        "views/res_config_settings_views.xml",
        "views/unitel_incoming_templates.xml",
    ],
    "demo": [
        "demo/res_partner_demo.xml",
        "demo/unitel_call_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "unitel_telephony/static/src/**/*",
        ],
        "web.assets_tests": [
            "unitel_telephony/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
