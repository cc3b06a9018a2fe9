"""Pure arithmetic of the Danish tax-free allowances (no Odoo import here)."""
