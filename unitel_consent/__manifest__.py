{
    "name": "Uni-tel Telephony and Consent",
    "summary": "Click-to-call asks whether a call to a contact protected from "
    "marketing is a service call, and keeps the answer with the legal basis",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "license": "LGPL-3",
    "author": "Nordic CRM Suite",
    "website": "https://github.com/nordic-crm-suite/odoo-suite",
    "development_status": "Beta",
    "depends": ["unitel_telephony", "consent_management"],
    "data": [
        "views/res_partner_views.xml",
        "views/unitel_call_views.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "unitel_consent/static/src/**/*",
        ],
        "web.assets_tests": [
            "unitel_consent/static/tests/tours/**/*",
        ],
    },
    "auto_install": True,
    "installable": True,
}
