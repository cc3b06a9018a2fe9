"""The Danish and Dutch files cover what the installed code really shows.

The unit layer compares each .po with its .pot; this compares them with the
terms Odoo itself exports from the installed addons (views, fields, selections,
Python and JavaScript strings), so a forgotten re-export fails too.
"""

from pathlib import Path

import polib

from odoo.tests import TransactionCase
from odoo.tools.translate import TranslationModuleReader

ROOT = Path(__file__).resolve().parents[2]
ADDONS = sorted(p.parent.name for p in ROOT.glob("*/__manifest__.py"))


class TestTranslationsLive(TransactionCase):
    def test_every_exported_term_is_translated(self):
        installed = set(
            self.env["ir.module.module"]
            .search([("name", "in", ADDONS), ("state", "=", "installed")])
            .mapped("name")
        )
        self.assertEqual(installed, set(ADDONS), "the harness installs every addon")
        reader = TranslationModuleReader(self.env.cr, modules=ADDONS)
        terms = {}
        for module, _type, _name, _res_id, source, _value, _comments in reader:
            terms.setdefault(module, set()).add(source)
        problems = []
        for addon in ADDONS:
            for lang in ("da", "nl"):
                po = polib.pofile(str(ROOT / addon / "i18n" / f"{lang}.po"))
                done = {e.msgid for e in po if e.msgstr.strip() and not e.obsolete}
                missing = sorted(terms.get(addon, set()) - done)
                if missing:
                    problems.append(f"{addon}/{lang}.po: {len(missing)} {missing[:3]}")
        self.assertFalse(problems, "\n".join(problems))
