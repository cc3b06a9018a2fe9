# Pure Python helpers (no Odoo import): token signing, e-mail hashing, CSV export.
