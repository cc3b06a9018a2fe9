"""Odoo-free building blocks of sendgrid_delivery (importable without Odoo)."""
