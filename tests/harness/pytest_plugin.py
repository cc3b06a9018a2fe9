"""pytest-odoo, without Odoo's "test framework imported outside tests" error.

pytest-odoo imports ``odoo.tests`` right after parsing Odoo's configuration,
before any test runs, and Odoo logs an ERROR with a stack trace at that import
("Importing test framework, avoid importing from business modules ..."). Here
that import is exactly what we want, so the harness loads this module instead
of the plugin's entry point (``-p no:odoo -p tests.harness.pytest_plugin``) and
drops that one message; every other log line is kept.
"""

import logging

import pytest


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


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Mark the running Odoo test as Odoo's own runner does (OdooSuite.run).

    pytest-odoo 2.3 does this only from Odoo 19 on. Without it, Odoo 18 does not
    know it is under test: it opens real SMTP connections and skips the test
    cursor checks of HTTP requests. Set before the class set-up, as Odoo does.
    """
    from odoo.modules import module
    from odoo.tests.common import BaseCase

    instance = getattr(item, "instance", None)
    if isinstance(instance, BaseCase):
        module.current_test = instance


def pytest_runtest_teardown(item, nextitem):
    from odoo.modules import module

    if nextitem is None or getattr(nextitem, "cls", None) is not getattr(
        item, "cls", None
    ):
        # Keep it across one class's tests (its class tear-down runs after the
        # last one); clear it once another kind of test follows.
        module.current_test = False
