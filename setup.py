"""Build hook: compile the gettext catalogs (.po → .mo) whenever the package is built or installed.

`pip install .` and `pip install -e .` both run `build_py`; the catalogs are compiled next to their .po files
(so an editable install finds them in the source tree) and then copied as package data. The metadata lives in
pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE_DIR = Path(__file__).resolve().parent / "src" / "humas" / "locale"


def compile_catalogs() -> list[Path]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po_path in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=po_path.parts[-3])
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        compile_catalogs()
        super().run()


setup(cmdclass={"build_py": BuildPyWithCatalogs})
