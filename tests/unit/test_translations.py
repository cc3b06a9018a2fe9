"""Every addon speaks Danish and Dutch: each term of its .pot is translated."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
ADDONS = sorted(p.parent.name for p in ROOT.glob("*/__manifest__.py"))


@pytest.mark.parametrize("addon", ADDONS)
@pytest.mark.parametrize("lang", ["da", "nl"])
def test_po_complete(addon, lang):
    i18n = ROOT / addon / "i18n"
    pot_path = i18n / f"{addon}.pot"
    po_path = i18n / f"{lang}.po"
    assert pot_path.is_file(), f"{addon} has no i18n/{addon}.pot"
    assert po_path.is_file(), f"{addon} has no i18n/{lang}.po"
    po = polib.pofile(str(po_path))
    translated = {
        (entry.msgctxt, entry.msgid)
        for entry in po
        if entry.msgstr.strip() and not entry.obsolete
    }
    missing = [
        entry.msgid
        for entry in polib.pofile(str(pot_path))
        if entry.msgid and (entry.msgctxt, entry.msgid) not in translated
    ]
    assert not missing, f"{addon}/{lang}.po lacks {len(missing)}: {missing[:5]}"
    assert po.metadata.get("Language", "").startswith(lang)
