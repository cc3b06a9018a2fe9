"""What every benchmark needs: Odoo's configuration and a throwaway database.

Each ``bench_*.py`` measures the suite against Odoo's own behaviour in one run
and prints ``BENCH <name>: <figure> (ratio <x> vs <baseline>)`` on stdout;
progress goes to stderr through :func:`say`.
"""

import os
import sys
from contextlib import contextmanager

from tests.harness import suite

# A database with the suite's core dependencies already installed, when the
# machine has one (developers' machines); otherwise the benchmark installs.
TEMPLATE = "tmpl_suite"


def say(*args):
    print(*args, file=sys.stderr, flush=True)


def odoo_config():
    """Find Odoo and PostgreSQL; return the path of Odoo's configuration file."""
    odoo_dir, version = suite.find_odoo()
    if odoo_dir is None:
        raise SystemExit(version)
    suite.ensure_pg()
    conf = suite.LOCAL / "odoo.conf"
    return conf if conf.exists() else suite.write_config(odoo_dir)


def create_db(conf, db, modules, template=TEMPLATE):
    """A database ``db`` with ``modules`` installed, without demo data."""
    if suite.db_exists(template):
        suite.copy_db(template, db)
        suite.odoo(
            conf,
            "-d",
            db,
            "-i",
            ",".join(modules),
            "--stop-after-init",
            "--log-level=warn",
            "--without-demo=all",
        )
    else:
        suite.install(conf, db, modules, demo=False)


@contextmanager
def bench_database(db, modules):
    """Yield Odoo's configuration path with a new database ``db`` holding
    ``modules``; the database is dropped afterwards (kept with BENCH_KEEP_DB=1,
    to look into it)."""
    conf = odoo_config()
    try:
        say(f"creating {db} ...")
        create_db(conf, db, modules)
        yield conf
    finally:
        if not os.environ.get("BENCH_KEEP_DB"):
            suite.drop_db(db)


def insert_contacts(cr, sql, count, **params):
    """Run ``sql`` (an INSERT ... SELECT ... generate_series of ``count`` contacts).

    ``sql`` ends its column list with ``{extra_cols}`` and its values with
    ``{extra_vals}``: Accounting, when installed, adds a NOT NULL column without
    a default to res_partner, which raw inserts must fill.
    """
    cr.execute(
        "SELECT 1 FROM information_schema.columns "
        "WHERE table_name = 'res_partner' AND column_name = 'autopost_bills'"
    )
    has_column = cr.fetchone()
    extra_cols, extra_vals = (", autopost_bills", ", 'no'") if has_column else ("", "")
    cr.execute(
        sql.format(extra_cols=extra_cols, extra_vals=extra_vals),
        dict(params, count=count),
    )
    if cr.rowcount != count:
        raise SystemExit(f"inserted {cr.rowcount} contacts, not {count}")
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE commercial_partner_id IS NULL"
    )
