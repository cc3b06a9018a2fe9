"""Odoo-free layer of whatsapp_business: Graph API client, webhook parsing, templates.

Nothing in this package imports Odoo, so ``tests/unit/whatsapp_business`` can test it
on any machine.
"""
