"""pip wheel of every addon (whool) and of the meta-package works."""

import email
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ADDONS = sorted(p.parent.name for p in ROOT.glob("*/__manifest__.py"))


def _wheel(source, out):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(source),
        ],
        check=True,
        cwd=str(ROOT),
    )
    (wheel,) = out.glob("*.whl")
    return wheel


def _normal(name):
    """A distribution name as PEP 503 compares it."""
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def _metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(name)), archive.namelist()


@pytest.mark.parametrize("addon", ADDONS)
def test_addon_wheel(addon, tmp_path):
    wheel = _wheel(ROOT / addon, tmp_path)
    metadata, names = _metadata(wheel)
    assert _normal(metadata["Name"]) == _normal(f"odoo-addon-{addon}")
    assert metadata["Version"].startswith("18.0.")
    assert f"odoo/addons/{addon}/__manifest__.py" in names
    assert any(r.startswith("odoo") for r in metadata.get_all("Requires-Dist") or [])


def test_metapackage_wheel(tmp_path):
    wheel = _wheel(ROOT / "setup" / "_metapackage", tmp_path)
    metadata, _names = _metadata(wheel)
    requires = {_normal(r.split("=")[0]) for r in metadata.get_all("Requires-Dist")}
    assert requires == {_normal(f"odoo-addon-{addon}") for addon in ADDONS}
