from .models.number_index import drop_table


def uninstall_hook(env):
    """Drop the number lookup table: it is plain SQL, not an Odoo model."""
    drop_table(env.cr)
