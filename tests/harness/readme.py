#!/usr/bin/env python3
"""Generate each addon's README.rst from its readme/*.md fragments, as OCA does.

OCA's ``oca-gen-addon-readme`` (OCA/maintainer-tools) is not published on PyPI,
so this is the same recipe in a few lines: the manifest gives the title and the
badges, each fragment becomes its section (Markdown converted to
reStructuredText by pandoc, from ``pypandoc-binary`` pinned in
requirements-test.txt), then the credits.

    python3 tests/harness/readme.py            # rewrite every README.rst
    python3 tests/harness/readme.py --check    # exit 1 when one is out of date
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# (fragment, section title); DESCRIPTION opens the file without a title.
SECTIONS = [
    ("DESCRIPTION", None),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
]
BADGES = {
    "development_status": {
        "Alpha": "https://img.shields.io/badge/maturity-Alpha-red.png",
        "Beta": "https://img.shields.io/badge/maturity-Beta-yellow.png",
        "Production/Stable": "https://img.shields.io/badge/maturity-Production%2FStable-green.png",
        "Mature": "https://img.shields.io/badge/maturity-Mature-brightgreen.png",
    },
    "license": {
        "LGPL-3": "https://img.shields.io/badge/licence-LGPL--3-blue.png",
        "AGPL-3": "https://img.shields.io/badge/licence-AGPL--3-blue.png",
    },
}
TARGETS = {
    "development_status": "https://odoo-community.org/page/development-status",
    "LGPL-3": "http://www.gnu.org/licenses/lgpl-3.0-standalone.html",
    "AGPL-3": "http://www.gnu.org/licenses/agpl-3.0-standalone.html",
}


def to_rst(markdown):
    import pypandoc

    return pypandoc.convert_text(
        markdown, "rst", format="gfm", extra_args=["--wrap=auto", "--columns=79"]
    ).strip()


def title(text, char):
    return f"{text}\n{char * len(text)}\n"


def render(addon_dir):
    manifest = ast.literal_eval((addon_dir / "__manifest__.py").read_text())
    status = manifest.get("development_status", "Beta")
    license_ = manifest.get("license", "LGPL-3")
    name = manifest["name"]
    out = ["=" * len(name), name, "=" * len(name), ""]
    out += [
        "..",
        "   This file is generated from readme/*.md by tests/harness/readme.py",
        "   (make readme): edit the fragments, not this file.",
        "",
        f".. |badge1| image:: {BADGES['development_status'][status]}",
        f"    :target: {TARGETS['development_status']}",
        f"    :alt: {status}",
        f".. |badge2| image:: {BADGES['license'][license_]}",
        f"    :target: {TARGETS[license_]}",
        f"    :alt: License: {license_}",
        "",
        "|badge1| |badge2|",
        "",
    ]
    for fragment, section in SECTIONS:
        path = addon_dir / "readme" / f"{fragment}.md"
        if not path.is_file() or not path.read_text().strip():
            continue
        if section is None:
            out += [to_rst(path.read_text()), "", "**Table of contents**", ""]
            out += [".. contents::", "   :local:", ""]
        else:
            out += [title(section, "="), to_rst(path.read_text()), ""]
    out += [title("Credits", "="), title("Authors", "-")]
    out += [f"* {a.strip()}" for a in manifest.get("author", "").split(",")]
    return "\n".join(out) + "\n"


def rst_problems(text):
    """docutils' warnings and errors on ``text`` (OCA fails the README on them)."""
    import io

    from docutils.core import publish_string

    errors = io.StringIO()
    publish_string(
        text,
        writer_name="null",
        settings_overrides={"warning_stream": errors, "report_level": 2},
    )
    return errors.getvalue()


def addon_dirs():
    return sorted(p.parent for p in ROOT.glob("*/__manifest__.py"))


def main(argv):
    stale = []
    for addon_dir in addon_dirs():
        if not (addon_dir / "readme" / "DESCRIPTION.md").is_file():
            continue
        text, readme = render(addon_dir), addon_dir / "README.rst"
        if problems := rst_problems(text):
            print(f"{addon_dir.name}: invalid reStructuredText:\n{problems}")
            return 1
        if readme.is_file() and readme.read_text() == text:
            continue
        stale.append(readme.relative_to(ROOT))
        if "--check" not in argv:
            readme.write_text(text)
    verb = "is out of date" if "--check" in argv else "regenerated"
    for path in stale:
        print(f"{path} {verb}")
    if stale and "--check" in argv:
        print("Run: python3 tests/harness/readme.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
