# Plain Python, no Odoo import: the Microsoft Graph / EWS clients, the mapping
# between Odoo values and remote payloads, conflict rules and PowerShell scripts.
