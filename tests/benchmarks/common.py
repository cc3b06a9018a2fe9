"""What every benchmark needs: Odoo's configuration and a throwaway database.

Each ``bench_*.py`` measures the suite against Odoo's own behaviour in one run
and prints ``BENCH <name>: <figure> (ratio <x> vs <baseline>)`` on stdout;
progress goes to stderr through :func:`say`.
"""

import sys

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
