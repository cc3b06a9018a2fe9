"""Declared dependencies match what the addons' runtime code imports."""

import ast
import functools
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADDONS = sorted(p.parent.name for p in ROOT.glob("*/__manifest__.py"))
# Imported by the addons but installed with Odoo itself (its requirements.txt).
ODOO_PROVIDES = {
    *("odoo", "dateutil", "werkzeug", "markupsafe", "psycopg2", "lxml"),
    *("xlsxwriter", "pytz", "babel", "PIL", "reportlab", "jinja2", "docutils"),
}


def manifest(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())


def declared(addon):
    return set(manifest(addon).get("external_dependencies", {}).get("python", []))


def normal(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_imports(addon):
    """Top-level modules imported by the addon's code, its tests excluded."""
    names = set()
    for path in (ROOT / addon).rglob("*.py"):
        if "tests" in path.relative_to(ROOT / addon).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - ODOO_PROVIDES


@functools.cache
def _distributions():
    return importlib.metadata.packages_distributions()


def distribution(module):
    """The pip distribution that provides ``module`` (e.g. dns -> dnspython)."""
    found = _distributions().get(module)
    return normal(found[0]) if found else normal(module)


@pytest.mark.parametrize("addon", ADDONS)
def test_external_dependencies_are_what_the_runtime_code_imports(addon):
    imported = {distribution(module) for module in runtime_imports(addon)}
    assert {normal(name) for name in declared(addon)} == imported


def test_requirements_txt_is_the_union_of_the_manifests():
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    listed = {normal(x) for x in lines if x.strip() and not x.startswith("#")}
    assert listed == {normal(name) for addon in ADDONS for name in declared(addon)}


def test_test_only_packages_are_test_requirements():
    lines = (ROOT / "requirements-test.txt").read_text().splitlines()
    assert "pyotp" in lines  # auth_totp_replay_guard's tests compute TOTP codes
    assert "pyotp" not in (ROOT / "requirements.txt").read_text()


def test_metapackage_depends_on_every_addon():
    text = (ROOT / "setup" / "_metapackage" / "pyproject.toml").read_text()
    for addon in ADDONS:
        assert f'"odoo-addon-{addon}==18.0.*"' in text, addon


@pytest.mark.parametrize("addon", ADDONS)
def test_readme_rst_is_generated_from_the_fragments(addon):
    pytest.importorskip("pypandoc", reason="pypandoc-binary: requirements-test.txt")
    sys.path.insert(0, str(ROOT / "tests" / "harness"))
    import readme

    text = readme.render(ROOT / addon)
    assert readme.rst_problems(text) == ""
    assert (ROOT / addon / "README.rst").read_text() == text, (
        f"{addon}/README.rst is not what its readme/ fragments give: "
        "run python3 tests/harness/readme.py"
    )


@pytest.mark.parametrize("addon", ADDONS)
def test_every_test_module_is_imported_by_the_tests_package(addon):
    """Odoo's runner runs only the test modules ``tests/__init__.py`` imports."""
    tests = ROOT / addon / "tests"
    written = {path.stem for path in tests.glob("test_*.py")}
    init = tests / "__init__.py"
    imported = set()
    for node in ast.walk(ast.parse(init.read_text() if init.exists() else "")):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            names = [node.module] if node.module else [a.name for a in node.names]
            imported.update(name.split(".")[0] for name in names)
    assert written - imported == set(), f"{addon}/tests/__init__.py misses them"
