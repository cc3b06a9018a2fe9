{
    "name": "Contact Phone Numbers in E.164",
    "summary": "Every contact's phone and mobile in indexed E.164 form, and one "
    "fast lookup of the contacts of a number for the telephony and chat addons",
    "version": "18.0.1.0.0",
    "category": "Hidden/Tools",
    "license": "LGPL-3",
    "author": "Nordic CRM Suite",
    "website": "https://github.com/nordic-crm-suite/odoo-suite",
    "development_status": "Beta",
    "depends": ["base"],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": ["views/res_partner_views.xml"],
    "uninstall_hook": "uninstall_hook",
    "installable": True,
}
