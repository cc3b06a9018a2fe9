"""pytest-odoo, without Odoo's "test framework imported outside tests" error.

pytest-odoo imports ``odoo.tests`` right after parsing Odoo's configuration,
before any test runs, and Odoo logs an ERROR with a stack trace at that import
("Importing test framework, avoid importing from business modules ..."). Here
that import is exactly what we want, so the harness loads this module instead
of the plugin's entry point (``-p no:odoo -p tests.harness.pytest_plugin``) and
drops that one message; every other log line is kept.
"""

import logging


class _DropTestFrameworkImportError(logging.Filter):
    def filter(self, record):
        return not record.getMessage().startswith("Importing test framework")


logging.getLogger("odoo.tests.common").addFilter(_DropTestFrameworkImportError())

from pytest_odoo import *  # noqa: E402, F403
