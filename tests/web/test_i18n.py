"""The Indonesian catalog translates every message of the code and templates, placeholders intact."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "src" / "humas" / "locale" / "id" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)}
FIX = (
    "update the catalog: pybabel extract -F babel.cfg -k N_ -o src/humas/locale/messages.pot . && "
    "pybabel update -i src/humas/locale/messages.pot -d src/humas/locale -w 110, then translate id"
)


def _source_msgids() -> set[str]:
    method_map = [("src/humas/**.py", "python"), ("src/humas/web/templates/**.html", "jinja2")]
    options = {"src/humas/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map=options, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_an_indonesian_translation() -> None:
    with PO.open("rb") as f:
        catalog = read_po(f, locale="id")
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in catalog if m.id}
    missing = sorted(m for m in _source_msgids() if not translated.get(m))
    assert not missing, f"{len(missing)} messages lack an Indonesian translation ({FIX}): {missing[:20]}"


def test_placeholders_survive_translation() -> None:
    with PO.open("rb") as f:
        catalog = read_po(f, locale="id")
    pattern = re.compile(r"%\((\w+)\)s")
    for message in catalog:
        if message.id and isinstance(message.id, str) and message.string:
            assert set(pattern.findall(message.id)) == set(pattern.findall(message.string)), message.id
