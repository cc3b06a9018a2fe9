"""Import an addon's Odoo-free ``services`` package without importing the addon.

Importing ``<addon>/__init__.py`` would pull in Odoo; the services never do, so
the unit layer loads them as the package ``suite_services.<addon>``::

    from tests.unit.svc import load
    webhook = load("sendgrid_delivery", "webhook")

Relative imports between service modules (``from . import client``) keep working.
"""

import importlib
import sys
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_NAMESPACE = "suite_services"


def load(addon, module):
    """Return module ``<addon>/services/<module>.py`` imported without Odoo."""
    services_dir = ROOT / addon / "services"
    if not services_dir.is_dir():
        raise ImportError(f"{addon} has no services/ folder")
    if _NAMESPACE not in sys.modules:
        namespace = types.ModuleType(_NAMESPACE)
        namespace.__path__ = []
        sys.modules[_NAMESPACE] = namespace
    package_name = f"{_NAMESPACE}.{addon}"
    if package_name not in sys.modules:
        package = types.ModuleType(package_name)
        package.__path__ = [str(services_dir)]
        package.__package__ = package_name
        sys.modules[package_name] = package
    return importlib.import_module(f"{package_name}.{module}")
