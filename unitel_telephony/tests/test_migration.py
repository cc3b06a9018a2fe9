import importlib.util
from pathlib import Path

from odoo.tests import TransactionCase, tagged
from odoo.tools.sql import table_exists

MIGRATION = (
    Path(__file__).resolve().parents[1]
    / "migrations"
    / "18.0.1.1.0"
    / "post-migration.py"
)


def load_migration():
    spec = importlib.util.spec_from_file_location("unitel_migration", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestMigration(TransactionCase):
    def test_upgrade_drops_the_old_lookup_table(self):
        """An upgrade from 18.0.1.0.0 drops the plain-SQL lookup table of the
        earlier versions (Odoo itself drops the removed fields' columns)."""
        cr = self.env.cr
        cr.execute(
            """CREATE TABLE unitel_partner_number (
                   partner_id integer NOT NULL
                       REFERENCES res_partner(id) ON DELETE CASCADE,
                   e164 varchar NOT NULL,
                   PRIMARY KEY (partner_id, e164))"""
        )
        migration = load_migration()
        migration.migrate(cr, None)  # a fresh install: nothing to do
        self.assertTrue(table_exists(cr, "unitel_partner_number"))
        migration.migrate(cr, "18.0.1.0.0")
        self.assertFalse(table_exists(cr, "unitel_partner_number"))
        # run twice (e.g. a retried upgrade): still fine
        migration.migrate(cr, "18.0.1.0.0")
        self.assertTrue(table_exists(cr, "partner_phone_e164_number"))
