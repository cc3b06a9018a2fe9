{
    "name": "Exchange / Microsoft 365 Calendar and Tasks Sync",
    "version": "18.0.1.0.0",
    "license": "LGPL-3",
    "author": "Nordic CRM Suite",
    "website": "https://github.com/nordic-crm-suite/odoo-suite",
    "category": "Productivity/Calendar",
    "summary": "Sync every user's calendar and activities with Outlook through one "
    "service account: Microsoft Graph for Microsoft 365, EWS for Exchange Server",
    "development_status": "Beta",
    "depends": ["calendar", "mail"],
    "external_dependencies": {"python": ["requests", "exchangelib"]},
    "data": [
        "security/exchange_calendar_sync_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron.xml",
        "views/exchange_sync_config_views.xml",
        "views/exchange_sync_mailbox_views.xml",
        "views/exchange_item_link_views.xml",
        "views/calendar_event_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/exchange_relink_wizard_views.xml",
        "wizards/exchange_permission_wizard_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/exchange_sync_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "exchange_calendar_sync/static/tests/tours/*.js",
        ],
    },
    "installable": True,
}
