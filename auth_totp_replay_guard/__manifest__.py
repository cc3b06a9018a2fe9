{
    "name": "Two-factor login: refuse replayed codes",
    "summary": "An authenticator code logs in once: a replayed TOTP code is refused",
    "version": "18.0.1.0.0",
    "category": "Extra Tools",
    "license": "LGPL-3",
    "author": "Nordic CRM Suite",
    "website": "https://github.com/nordic-crm-suite/odoo-suite",
    "development_status": "Beta",
    "depends": ["auth_totp"],
    "installable": True,
}
