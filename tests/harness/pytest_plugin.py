"""pytest-odoo, loaded after telling Odoo that this process runs tests.

pytest-odoo imports ``odoo.tests`` before it parses Odoo's configuration, and
Odoo logs an ERROR ("Importing test framework ... when not running in test
mode") at that import. The harness loads this module instead of the plugin's
entry point (``-p no:odoo -p tests.harness.pytest_plugin``).
"""

import odoo.tools

odoo.tools.config["test_enable"] = True

from pytest_odoo import *  # noqa: E402, F403
