{
    "name": "Danish Expense Rates (diæter and kørselsgodtgørelse)",
    "summary": "Danish tax-free per diem and mileage at Skattestyrelsen's rates, "
    "with the 20,000 km threshold and a documented calculation",
    "version": "18.0.1.0.0",
    "category": "Human Resources/Expenses",
    "author": "Nordic CRM Suite",
    "website": "https://github.com/nordic-crm-suite/odoo-suite",
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["hr_expense"],
    "data": [
        "security/ir.model.access.csv",
        "data/product_data.xml",
        "data/hr_expense_dk_rate_data.xml",
        "data/hr_expense_dk_mileage_rate_data.xml",
        "views/hr_expense_dk_rate_views.xml",
        "views/hr_expense_dk_mileage_rate_views.xml",
        "wizards/hr_expense_dk_per_diem_wizard_views.xml",
        "views/hr_expense_views.xml",
        "views/hr_employee_views.xml",
        "views/product_template_views.xml",
        "views/res_config_settings_views.xml",
        "views/expense_danish_rates_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "expense_danish_rates/static/tests/tours/*.js",
        ],
    },
    "demo": ["demo/expense_danish_rates_demo.xml"],
    "installable": True,
}
