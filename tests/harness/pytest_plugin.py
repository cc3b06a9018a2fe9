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


def pytest_collection(session):
    """Let Odoo test classes live outside an addon (``tests/integration``).

    Odoo's metaclass gives tags only to classes under ``odoo.addons``; a class
    elsewhere would fail at collection. Those get the tags of a post-install
    test, which is what a cross-addon test is.
    """
    from odoo.tests import common

    if not hasattr(common.BaseCase, "test_tags"):
        common.BaseCase.test_tags = {"standard", "post_install"}
        common.BaseCase.test_module = "integration"
